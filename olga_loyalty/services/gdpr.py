"""The customer's rights: everything stored about her in one file (Art. 15/20), and the
printable consent form (§4). Erasure (Art. 17) lives with the customers service."""

from __future__ import annotations

import re
from pathlib import Path

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.domain.text import visible
from olga_loyalty.exports.cells import free_path, neutralise
from olga_loyalty.services import customers
from olga_loyalty.services.shop import PURPOSES, Shop
from olga_loyalty.storage.files import make_private
from olga_loyalty.storage.models import LedgerEntry, Purchase, Refund

EXPORTS = Path("exports")
E164 = re.compile(r"\+[1-9]\d{6,14}")


def _sheet(workbook, title: str, headers: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        # a phone in E.164 stays as it is (a text cell); any other text is made inert, and a
        # control character saved before the input rules shows as a visible stand-in
        sheet.append(
            [
                neutralise(visible(v, keep_line_breaks=True))
                if isinstance(v, str) and not E164.fullmatch(v)
                else v
                for v in row
            ]
        )
    for index, header in enumerate(headers, start=1):
        widest = max(
            [len(str(header))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None]
        )
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(
            max(widest + 2, 10), 60
        )


def _naive(moment):
    """Excel has no time zones: local wall-clock time."""
    return moment.replace(tzinfo=None) if moment is not None else None


def access_export(shop: Shop, ref: str | int, folder: Path = EXPORTS) -> Path:
    """One .xlsx with sheets profile, consents, purchases, points ledger, change history,
    feedback."""
    from openpyxl import Workbook

    customer = customers.resolve(shop, ref)
    cid = customer.id
    workbook = Workbook()
    workbook.remove(workbook.active)
    profile = [
        ["customer_id", cid],
        ["first_name", customer.first_name],
        ["last_name", customer.last_name],
        ["salutation", customer.salutation],
        ["phone", customer.phone],
        ["email", customer.email or ""],
        ["birthday", customer.birthday],
        ["notes", customer.notes],
        ["language", customer.language],
        ["referred_by", customer.referred_by_id],
        ["registered_at", _naive(customer.registered_at)],
        ["registered_by", customer.registered_by],
    ]
    _sheet(workbook, "profile", ["field", "value"], profile)
    _sheet(
        workbook,
        "consents",
        [
            "purpose",
            "given_at",
            "method",
            "text_version",
            "recorded_by",
            "withdrawn_at",
            "withdrawn_method",
            "source",
        ],
        [
            [
                c.purpose,
                _naive(c.given_at),
                c.method,
                c.text_version,
                c.recorded_by,
                _naive(c.withdrawn_at),
                c.withdrawn_method,
                c.source or c.withdrawn_source or "",
            ]
            for c in reversed(customers.consent_records(cid))
        ],
    )
    refunds = {}
    for r in Refund.select().where(Refund.customer == cid):
        refunds.setdefault(r.purchase_id, []).append(r)
    _sheet(
        workbook,
        "purchases",
        [
            "purchase_id",
            "created_at",
            "amount",
            "redeemed_points",
            "redeemed_value",
            "paid",
            "earned_points",
            "tier",
            "staff",
            "refunded",
            "cash_refunded",
        ],
        [
            [
                p.id,
                _naive(p.created_at),
                float(p.amount),
                p.redeemed_points,
                float(p.redeemed_value),
                float(p.paid),
                p.earned_points,
                p.tier,
                p.staff,
                float(sum((r.amount for r in refunds.get(p.id, [])), 0)),
                float(sum((r.cash_refund for r in refunds.get(p.id, [])), 0)),
            ]
            for p in Purchase.select().where(Purchase.customer == cid).order_by(Purchase.created_at)
        ],
    )
    _sheet(
        workbook,
        "points ledger",
        ["entry_id", "created_at", "kind", "points", "lot_id", "purchase_id", "staff", "reason"],
        [
            [
                e.id,
                _naive(e.created_at),
                e.kind,
                e.points,
                e.lot_id,
                e.purchase_id,
                e.staff,
                e.reason,
            ]
            for e in LedgerEntry.select()
            .where(LedgerEntry.customer == cid)
            .order_by(LedgerEntry.id)
        ],
    )
    _sheet(
        workbook,
        "change history",
        ["changed_at", "field", "old_value", "new_value", "changed_by"],
        [
            [_naive(h.changed_at), h.field, h.old_value, h.new_value, h.changed_by]
            for h in reversed(customers.change_history(cid))
        ],
    )
    from olga_loyalty.storage.models import Feedback

    _sheet(
        workbook,
        "feedback",
        ["created_at", "kind", "note", "follow_up_on", "done_at", "outcome", "staff"],
        [
            [
                _naive(f.created_at),
                f.kind,
                f.note,
                f.follow_up_on,
                _naive(f.done_at) if f.done_at else None,
                f.outcome,
                f.staff,
            ]
            for f in Feedback.select().where(Feedback.customer == cid).order_by(Feedback.id)
        ],
    )
    path = free_path(folder, f"customer-{cid}-data-{shop.today().isoformat()}", ".xlsx")
    workbook.save(path)
    make_private(path)
    return path


FORM_TEXT = {
    "de": {
        "title": "Einwilligung zum Bonusprogramm",
        "name": "Name",
        "phone": "Telefon",
        "email": "E-Mail",
        "birthday": "Geburtstag",
        "agree": "Ich stimme zu",
        "place": "Ort, Datum",
        "signature": "Unterschrift",
        "version": "Textversion",
        "customer": "Kundennummer",
        "purposes": {
            "data_processing": "Datenverarbeitung (erforderlich)",
            "email": "Newsletter per E-Mail (freiwillig)",
            "sms": "Angebote per SMS/Messenger (freiwillig)",
        },
    },
    "en": {
        "title": "Consent to the bonus programme",
        "name": "Name",
        "phone": "Phone",
        "email": "Email",
        "birthday": "Birthday",
        "agree": "I agree",
        "place": "Place, date",
        "signature": "Signature",
        "version": "Text version",
        "customer": "Customer number",
        "purposes": {
            "data_processing": "Data processing (required)",
            "email": "Newsletters by email (optional)",
            "sms": "Offers by SMS/messenger (optional)",
        },
    },
}


def consent_form(shop: Shop, ref: str | int | None = None, folder: Path = EXPORTS) -> Path:
    """A one-page form with the customer's data (or empty lines) and the consent texts, each
    with a box for "Ich stimme zu" and room for a signature."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    customer = customers.resolve(shop, ref) if ref not in (None, "") else None
    words = FORM_TEXT[shop.settings.language if shop.settings.language in FORM_TEXT else "en"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "consent"
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 62
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    line = Border(bottom=Side(style="thin"))
    box = Border(*(Side(style="thin"),) * 4)
    sheet["A1"] = shop.settings.name or "Olga Loyalty"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = words["title"]
    sheet["A2"].font = Font(bold=True, size=12)
    row = 4
    details = [
        (words["customer"], f"#{customer.id}" if customer else ""),
        (
            words["name"],
            f"{customer.salutation} {customer.first_name} {customer.last_name}".strip()
            if customer
            else "",
        ),
        (words["phone"], phone_for_display(customer.phone or "", shop.region) if customer else ""),
        (words["email"], customer.email or "" if customer else ""),
        (
            words["birthday"],
            customer.birthday.strftime("%d.%m.%Y") if customer and customer.birthday else "",
        ),
    ]
    for label, value in details:
        sheet.cell(row, 1, label).font = Font(bold=True)
        cell = sheet.cell(row, 2, neutralise(visible(value)))
        cell.border = line
        row += 1
    row += 1
    texts = shop.consent_texts()
    for purpose in PURPOSES:
        text = texts[purpose]
        sheet.cell(row, 1, words["purposes"][purpose]).font = Font(bold=True)
        cell = sheet.cell(row, 2, f"{text.text}\n({words['version']} {text.version})")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 15 * (len(text.text) // 60 + 2)
        row += 1
        sheet.cell(row, 1, "☐").border = box
        sheet.cell(row, 2, words["agree"])
        row += 2
    sheet.cell(row + 1, 1, words["place"]).border = line
    sheet.cell(row + 1, 2, words["signature"]).border = line
    sheet.row_dimensions[row + 1].height = 36
    stem = f"consent-form-{customer.id}" if customer else "consent-form-blank"
    path = free_path(folder, f"{stem}-{shop.today().isoformat()}", ".xlsx")
    workbook.save(path)
    make_private(path)
    return path
