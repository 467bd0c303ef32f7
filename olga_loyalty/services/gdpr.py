"""The customer's rights: everything stored about her in one file (Art. 15/20), and the
printable consent form (§4). Erasure (Art. 17) lives with the customers service.

Both are documents handed to the customer, so both are in the shop's language: sheet names,
headers and every value the program itself wrote (purposes, methods, kinds of booking,
reasons) are translated; what a person typed stays as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from olga_loyalty import logs, paths
from olga_loyalty.domain.reminders import KIND_LABELS, STATUS_LABELS
from olga_loyalty.exports.cells import free_path
from olga_loyalty.files import make_private
from olga_loyalty.i18n import N_, Translator
from olga_loyalty.services import customers, reminders
from olga_loyalty.services.access_sheets import Sheet, write_sheet
from olga_loyalty.services.consent_forms import FORM_PURPOSE_LABELS as FORM_PURPOSE_LABELS
from olga_loyalty.services.consent_forms import consent_form as consent_form
from olga_loyalty.services.followups import FEEDBACK_LABELS
from olga_loyalty.services.labels import LEDGER_LABELS, METHOD_LABELS, PURPOSE_LABELS
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.models import Customer, Feedback, LedgerEntry, Purchase, Refund

FIELD_LABELS = {
    "customer_id": "Customer number",
    "salutation": "Salutation",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "Email",
    "birthday": "Birthday",
    "notes": "Notes",
    "language": "Language",
    "referred_by": "Referred by",
    "registered_at": "Registered",
    "registered_by": "Registered by",
}
LANGUAGE_NAMES = {"de": "German", "en": "English"}
#: Texts the program writes into reasons, sources and outcomes, and their wording for people.
PROGRAM_TEXT_LABELS = [
    (r"welcome bonus", "Welcome bonus"),
    (r"expired", "Expired"),
    (r"erasure", "Erasure"),
    (r"opening balance from import", "Opening balance from an import"),
    (r"birthday (?P<year>\d{4})", "Birthday {year}"),
    (r"referral of customer #(?P<id>\d+)", "Referral of customer #{id}"),
    (r"refund of purchase #(?P<id>\d+)", "Refund of purchase #{id}"),
    (r"apology for complaint #(?P<id>\d+): (?P<note>.*)", "Apology for complaint #{id}: {note}"),
    (r"unsubscribe import (?P<file>.+)", "Unsubscribe list {file}"),
    (r"import (?P<file>.+) row (?P<row>\d+)", "Import of {file}, row {row}"),
]
_PROGRAM_TEXTS = [(re.compile(pattern, re.S), label) for pattern, label in PROGRAM_TEXT_LABELS]
_APOLOGY_OUTCOME = re.compile(r"apology bonus: (?P<points>-?\d+) points")


def program_text(t: Translator, text: str | None) -> str:
    """A reason, source or outcome in words: what the program wrote is translated, what a
    person typed is left as it is."""
    if not text:
        return ""
    found = _APOLOGY_OUTCOME.fullmatch(text)
    if found:
        return t("Apology bonus: {points}", points=t.points(int(found["points"])))
    for pattern, label in _PROGRAM_TEXTS:
        found = pattern.fullmatch(text)
        if found:
            return t(label, **found.groupdict())
    return text


def _local(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: the shop's local wall-clock time."""
    return moment.astimezone().replace(tzinfo=None) if moment is not None else None


def _profile(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    c = customer
    values = {
        "customer_id": c.id,
        "salutation": c.salutation,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "phone": c.phone,
        "email": c.email or "",
        "birthday": c.birthday,
        "notes": c.notes,
        "language": t(LANGUAGE_NAMES.get(c.language, c.language)),
        "referred_by": f"#{c.referred_by_id}" if c.referred_by_id else "",
        "registered_at": _local(c.registered_at),
        "registered_by": c.registered_by,
    }
    return Sheet(
        N_("Profile"),
        [(N_("Field"), "text"), (N_("Value"), "any")],
        [[t(FIELD_LABELS[k]), v] for k, v in values.items()],
    )


def _consents(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    def method(code):
        return t(METHOD_LABELS[code]) if code in METHOD_LABELS else code or ""

    return Sheet(
        N_("Consents"),
        [
            (N_("Purpose"), "text"),
            (N_("Given on"), "datetime"),
            (N_("How"), "text"),
            (N_("Text version"), "int"),
            (N_("Wording agreed to"), "text"),
            (N_("Recorded by"), "text"),
            (N_("Source"), "text"),
            (N_("Withdrawn on"), "datetime"),
            (N_("How withdrawn"), "text"),
            (N_("Withdrawn through"), "text"),
        ],
        [
            [
                t(PURPOSE_LABELS.get(c.purpose, c.purpose)),
                _local(c.given_at),
                method(c.method),
                c.text_version,
                c.text.text,
                c.recorded_by,
                program_text(t, c.source),
                _local(c.withdrawn_at),
                method(c.withdrawn_method),
                program_text(t, c.withdrawn_source),
            ]
            for c in reversed(customers.consent_records(customer.id))
        ],
        widths=[22, 17, 18, 8, 50, 14, 22, 17, 18, 22],
    )


def _purchases(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    refunds: dict[int, list[Refund]] = {}
    for r in Refund.select().where(Refund.customer == customer.id):
        refunds.setdefault(r.purchase_id, []).append(r)
    currency = shop.settings.currency

    def money(header: str) -> tuple[str, str]:
        return (t(header) + f" ({currency})", "money")

    return Sheet(
        N_("Purchases"),
        [
            (N_("Purchase number"), "int"),
            (N_("Date"), "datetime"),
            money(N_("Amount")),
            (N_("Points redeemed"), "int"),
            money(N_("Value of the points redeemed")),
            money(N_("Paid")),
            (N_("Points earned"), "int"),
            (N_("Tier"), "text"),
            (N_("Staff"), "text"),
            money(N_("Refunded")),
            money(N_("Refunded in cash")),
        ],
        [
            [
                p.id,
                _local(p.created_at),
                p.amount,
                p.redeemed_points,
                p.redeemed_value,
                p.paid,
                p.earned_points,
                p.tier,
                p.staff,
                sum((r.amount for r in refunds.get(p.id, [])), Decimal("0.00")),
                sum((r.cash_refund for r in refunds.get(p.id, [])), Decimal("0.00")),
            ]
            for p in Purchase.select()
            .where(Purchase.customer == customer.id)
            .order_by(Purchase.created_at, Purchase.id)
        ],
    )


def _ledger(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    return Sheet(
        N_("Points ledger"),
        [
            (N_("Entry number"), "int"),
            (N_("Date"), "datetime"),
            (N_("Kind"), "text"),
            (N_("Points"), "int"),
            (N_("Lot number"), "int"),
            (N_("Purchase number"), "int"),
            (N_("Staff"), "text"),
            (N_("Reason"), "text"),
        ],
        [
            [
                e.id,
                _local(e.created_at),
                t(LEDGER_LABELS[e.kind]) if e.kind in LEDGER_LABELS else e.kind,
                e.points,
                e.lot_id,
                e.purchase_id,
                e.staff,
                program_text(t, e.reason),
            ]
            for e in LedgerEntry.select()
            .where(LedgerEntry.customer == customer.id)
            .order_by(LedgerEntry.id)
        ],
    )


def _changes(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    return Sheet(
        N_("Change history"),
        [
            (N_("Date"), "datetime"),
            (N_("Field"), "text"),
            (N_("Old value"), "text"),
            (N_("New value"), "text"),
            (N_("Changed by"), "text"),
        ],
        [
            [
                _local(h.changed_at),
                t(FIELD_LABELS[h.field]) if h.field in FIELD_LABELS else h.field,
                h.old_value,
                h.new_value,
                h.changed_by,
            ]
            for h in reversed(customers.change_history(customer.id))
        ],
    )


def _feedback(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    return Sheet(
        N_("Feedback"),
        [
            (N_("Date"), "datetime"),
            (N_("Kind"), "text"),
            (N_("Note"), "text"),
            (N_("Follow up on"), "date"),
            (N_("Done on"), "datetime"),
            (N_("Outcome"), "text"),
            (N_("Staff"), "text"),
        ],
        [
            [
                _local(f.created_at),
                t(FEEDBACK_LABELS[f.kind]) if f.kind in FEEDBACK_LABELS else f.kind,
                f.note,
                f.follow_up_on,
                _local(f.done_at),
                program_text(t, f.outcome),
                f.staff,
            ]
            for f in Feedback.select().where(Feedback.customer == customer.id).order_by(Feedback.id)
        ],
    )


def _mails_sent(shop: Shop, customer: Customer, t: Translator) -> Sheet:
    """Every reminder mail of hers (SPEC §12), with its text and the server's answer."""
    return Sheet(
        N_("Mails sent"),
        [
            (N_("Mail number"), "int"),
            (N_("Kind"), "text"),
            (N_("Occasion"), "text"),
            (N_("Status"), "text"),
            (N_("Queued on"), "datetime"),
            (N_("Sent on"), "datetime"),
            (N_("Email"), "text"),
            (N_("Subject"), "text"),
            (N_("Text"), "text"),
            (N_("Answer of the mail server"), "text"),
        ],
        [
            [
                r.id,
                t(KIND_LABELS[r.kind]) if r.kind in KIND_LABELS else r.kind,
                _occasion(t, r.occasion),
                t(STATUS_LABELS[r.status]) if r.status in STATUS_LABELS else r.status,
                _local(r.queued_at),
                _local(r.sent_at),
                r.address,
                r.subject,
                r.body,
                r.server_answer,
            ]
            for r in reminders.mails_of(customer.id)
        ],
    )


def _occasion(t: Translator, occasion: str) -> str:
    """`birthday:2026` → "Geburtstag 2026", `expiring:2026-06-25` → "Punkte verfallen am
    25.06.2026", `welcome` → "Willkommen"."""
    kind, _, rest = occasion.partition(":")
    try:
        if kind == "birthday":
            return t("Birthday {year}", year=rest)
        if kind == "expiring":
            return t("Points expiring on {date}", date=t.date(date.fromisoformat(rest)))
    except ValueError:
        return occasion
    return t(KIND_LABELS[kind]) if kind in KIND_LABELS else occasion


#: The sheets after "About this file", in order, each with a line for that first sheet. One
#: more kind of data (the mails sent, SPEC §12) is one more function and one more line here.
SHEETS: list[tuple[Callable[[Shop, Customer, Translator], Sheet], str]] = [
    (_profile, N_("Your name and contact details, as stored.")),
    (_consents, N_("Every consent given or withdrawn, with the wording agreed to.")),
    (_purchases, N_("Every purchase, with the points redeemed and earned, and refunds.")),
    (_ledger, N_("Every booking on the points account.")),
    (_changes, N_("Every change to the details: when, which field, old and new value, by whom.")),
    (_feedback, N_("What was said to the shop (praise, wishes, complaints) and the follow-ups.")),
    (_mails_sent, N_("Every reminder mail sent or waiting to be sent to her, with its text.")),
]


def _about(shop: Shop, customer: Customer, t: Translator, sheets: list[tuple[Sheet, str]]) -> Sheet:
    settings = shop.settings
    rows: list[list] = [
        [
            t("What this file is"),
            t(
                "Everything this shop stores about one customer, for the customer (GDPR Art. 15 and 20)."
            ),
        ],
        [t("Customer"), f"{customer.first_name} {customer.last_name} (#{customer.id})"],
        [
            t("Shop"),
            ", ".join(part for part in (settings.name, _one_line(settings.address)) if part),
        ],
        [t("Made on"), _local(shop.now())],
        [t("Times"), t("Dates and times are the shop's local time.")],
        [None, None],
        [t("Sheets"), None],
    ]
    rows += [[t(sheet.title), t(line)] for sheet, line in sheets]
    return Sheet(N_("About this file"), [("", "text"), ("", "any")], rows, widths=[24, 90])


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in (text or "").splitlines() if line.strip())


def access_export(shop: Shop, ref: str | int, folder: Path | None = None) -> Path:
    """One .xlsx in the shop's language: a first sheet that says what the file is and when it
    was made, then profile, consents, purchases, points ledger, change history, feedback."""
    from openpyxl import Workbook

    customer = customers.resolve(shop, ref)
    t = Translator(shop.settings.language, shop.settings.currency)
    built = [(build(shop, customer, t), line) for build, line in SHEETS]
    workbook = Workbook()
    workbook.remove(workbook.active)
    write_sheet(workbook, _about(shop, customer, t, built), t, header=False)
    for sheet, _ in built:
        write_sheet(workbook, sheet, t)
    path = free_path(
        folder or paths.exports_folder(),
        f"customer-{customer.id}-data-{shop.today().isoformat()}",
        ".xlsx",
    )
    workbook.save(path)
    make_private(path)
    logs.action("gdpr.access_export", customer=customer.id)
    return path
