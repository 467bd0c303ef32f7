"""Importing a shop's existing customer list, and unsubscribe lists from mailing tools.

Customers: the columns are mapped from the header (German and English names), a dry run
reports every row it would refuse with its row number and the reason, and the import
writes all good rows in one transaction, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from olga_loyalty.domain.customers import (
    CustomerInput,
    normalize_email,
    normalize_phone,
    validate_customer,
)
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, Refused
from olga_loyalty.domain.money import parse_points
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.domain.text import strip_controls
from olga_loyalty.exports.readers import as_text, read_table
from olga_loyalty.services import erasure
from olga_loyalty.services.customers import _search_columns
from olga_loyalty.services.newsletter import digest
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import bulk_insert, fetch_rows, new_ids, write_action
from olga_loyalty.storage.models import (
    Consent,
    Customer,
    ImportOrigin,
    LedgerEntry,
    Lot,
    Suppression,
)

FIELDS = (
    "first_name",
    "last_name",
    "name",
    "phone",
    "email",
    "birthday",
    "salutation",
    "notes",
    "points",
    "consent_data",
    "consent_email",
    "consent_sms",
    "ignore",
)
HEADER_WORDS = {
    "first_name": ["vorname", "firstname", "first", "givenname", "prenom", "rufname"],
    "last_name": ["nachname", "lastname", "surname", "familienname", "last", "zuname"],
    "name": ["name", "kunde", "kundin", "fullname", "kundenname", "vollstaendigername"],
    "phone": [
        "telefon",
        "tel",
        "telefonnummer",
        "handy",
        "mobil",
        "mobile",
        "mobiltelefon",
        "handynummer",
        "mobilnummer",
        "phone",
        "phonenumber",
        "telephone",
        "sms",
        "rufnummer",
    ],
    "email": ["email", "mail", "emailadresse", "emailaddress", "mailadresse"],
    "birthday": [
        "geburtstag",
        "geburtsdatum",
        "birthday",
        "dateofbirth",
        "dob",
        "geb",
        "birthdate",
    ],
    "salutation": ["anrede", "salutation", "title", "titel"],
    "notes": ["notiz", "notizen", "bemerkung", "bemerkungen", "notes", "note", "kommentar", "info"],
    "points": ["punkte", "points", "bonuspunkte", "punktestand", "bonus", "balance", "guthaben"],
    "consent_data": [
        "einwilligung",
        "datenschutz",
        "einwilligungdaten",
        "dsgvo",
        "consent",
        "dataconsent",
        "datenverarbeitung",
    ],
    "consent_email": [
        "newsletter",
        "emaileinwilligung",
        "newslettereinwilligung",
        "emailconsent",
        "emailoptin",
        "optin",
        "werbungemail",
    ],
    "consent_sms": ["smseinwilligung", "smsconsent", "whatsapp", "smsoptin", "werbungsms"],
}
TRUE_WORDS = {"ja", "j", "yes", "y", "x", "1", "true", "wahr", "✓", "✔", "ok"}
IMPORT_REASON = "opening balance from import"


def _key(header: str) -> str:
    folded = (
        header.casefold()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
    )
    return re.sub(r"[^a-z0-9]", "", folded.replace("é", "e"))


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field, from the header words; unknown columns are ignored."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = _key(str(header))
        for field_name, words in HEADER_WORDS.items():
            if field_name not in taken and key in words:
                mapping[index] = field_name
                taken.add(field_name)
                break
    if "name" in taken and "first_name" in taken and "last_name" not in taken:
        index = next(i for i, f in mapping.items() if f == "name")
        mapping[index] = "last_name"  # "Vorname" + "Name": Name is the surname
    return mapping


def apply_overrides(
    headers: list[str], mapping: dict[int, str], overrides: list[str]
) -> dict[int, str]:
    """`--map COL=FIELD`: COL is a header or a column letter/number; FIELD one of FIELDS."""
    result = dict(mapping)
    for item in overrides:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip().lower()
        if not sep or target not in FIELDS:
            raise InvalidInput(
                "Write a mapping as COLUMN=FIELD, FIELD one of {fields}; not '{item}'.",
                field="map",
                fields=", ".join(FIELDS),
                item=item[:60],
            )
        index = _column_index(headers, column)
        for other, name in list(result.items()):
            if name == target and other != index and target != "ignore":
                del result[other]
        if target == "ignore":
            result.pop(index, None)
        else:
            result[index] = target
    return result


def _column_index(headers: list[str], column: str) -> int:
    for index, header in enumerate(headers):
        if str(header).strip().casefold() == column.casefold():
            return index
    if column.isdigit() and 1 <= int(column) <= len(headers):
        return int(column) - 1
    if re.fullmatch(r"[A-Za-z]{1,2}", column):
        number = 0
        for ch in column.upper():
            number = number * 26 + ord(ch) - 64
        if number <= len(headers):
            return number - 1
    raise InvalidInput("The file has no column '{column}'.", field="map", column=column[:40])


def split_name(full: str) -> tuple[str, str]:
    """`Anna Müller` → (Anna, Müller); `Müller, Anna` → (Anna, Müller); `Anna Maria von Berg`
    → (Anna Maria, von Berg)."""
    text = " ".join(full.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    if len(words) == 1:
        return "", words[0]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in (
        "von",
        "van",
        "de",
        "der",
        "den",
        "zu",
        "da",
        "di",
        "del",
    ):
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


@dataclass
class ImportRow:
    row: int
    data: CustomerInput
    consents: set[str]
    points: int
    #: Keyed hashes of the phone and email as in the file: the customer's import origin.
    digests: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    file: str
    headers: list[str]
    mapping: dict[int, str]
    total: int = 0
    empty: int = 0
    good: list[ImportRow] = field(default_factory=list)
    refused: list[tuple[int, LoyaltyError]] = field(default_factory=list)
    notes: list[tuple[int, LoyaltyError]] = field(default_factory=list)
    imported: int = 0
    #: Cells that held control characters; they were removed (domain.text.strip_controls).
    cleaned_cells: int = 0

    def mapping_text(self) -> dict[str, str]:
        return {self.headers[i]: f for i, f in sorted(self.mapping.items())}


def check_file(
    shop: Shop,
    path: Path,
    overrides: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """The dry run: every row checked, nothing written."""
    table = read_table(path)
    while table and not any(as_text(v) for v in table[0]):
        table.pop(0)
    if not table:
        raise InvalidInput("{name} is empty.", field="file", name=path.name)
    cleaned = 0
    headers = []
    for header in table[0]:
        text = as_text(header)
        headers.append(strip_controls(text))
        cleaned += headers[-1] != text
    mapping = apply_overrides(headers, guess_mapping(headers), overrides or [])
    fields_present = set(mapping.values())
    if "phone" not in fields_present or not ({"last_name", "name"} & fields_present):
        raise InvalidInput(
            "No usable columns in {name}: it needs a phone column and a name column "
            "(found: {headers}). Map them with --map COLUMN=FIELD.",
            field="file",
            name=path.name,
            headers=", ".join(h for h in headers if h)[:200] or "-",
        )
    report = ImportReport(file_label(path), headers, mapping, cleaned_cells=cleaned)
    region, today = shop.region, shop.today()
    seen_phone: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    existing_phones = {
        p for (p,) in Customer.select(Customer.phone).where(Customer.phone.is_null(False)).tuples()
    }
    existing_emails = {
        e
        for (e,) in Customer.select(Customer.email_key)
        .where(Customer.email_key.is_null(False))
        .tuples()
    }
    suppressed = {s.digest for s in Suppression.select(Suppression.digest)}
    erased = erasure.erased_hashes()
    origins = {
        digest: customer
        for digest, customer in fetch_rows(
            "SELECT o.digest, o.customer_id FROM import_origin o "
            "JOIN customer c ON c.id = o.customer_id WHERE c.erased_at IS NULL"
        )
    }
    body = table[1:]
    for offset, raw in enumerate(body):
        number = offset + 2
        if progress and offset % 2000 == 0:
            progress(offset, len(body))
        values = {f: raw[i] if i < len(raw) else None for i, f in mapping.items()}
        if not any(as_text(v) for v in raw):
            report.empty += 1
            continue
        for name, value in values.items():
            if isinstance(value, str):
                text = strip_controls(value, multiline=name == "notes")
                if text != value:
                    values[name] = text
                    report.cleaned_cells += 1
        report.total += 1
        try:
            row = _row(values, number, region, today, path.name)
        except LoyaltyError as error:
            report.refused.append((number, error))
            continue
        phone = row.data.phone
        email = (row.data.email or "").lower()
        row.digests = [digest("phone", phone)] + ([digest("email", email)] if email else [])
        problem = None
        if any(d in erased for d in row.digests):
            problem = Refused(
                "This person was erased at her request (GDPR Art. 17); the row is not imported."
            )
        elif phone in seen_phone:
            problem = Refused(
                "The phone {phone} is already in row {row}.", phone=phone, row=seen_phone[phone]
            )
        elif email and email in seen_email:
            problem = Refused(
                "The email {email} is already in row {row}.",
                email=row.data.email,
                row=seen_email[email],
            )
        elif phone in existing_phones:
            problem = Refused("The phone {phone} is already registered.", phone=phone)
        elif email and email in existing_emails:
            problem = Refused("The email {email} is already registered.", email=row.data.email)
        elif any(d in origins for d in row.digests):
            problem = Refused(
                "Imported before as customer #{id} (her phone or email was changed since); "
                "not imported again.",
                id=next(origins[d] for d in row.digests if d in origins),
            )
        if problem is not None:
            report.refused.append((number, problem))
            continue
        if "email" in row.consents and email and digest("email", email) in suppressed:
            row.consents.discard("email")
            report.notes.append(
                (
                    number,
                    Refused(
                        "The email is on the suppression list: imported without email consent."
                    ),
                )
            )
        if "sms" in row.consents and digest("phone", phone) in suppressed:
            row.consents.discard("sms")
            report.notes.append(
                (
                    number,
                    Refused("The phone is on the suppression list: imported without SMS consent."),
                )
            )
        seen_phone[phone] = number
        if email:
            seen_email[email] = number
        report.good.append(row)
    return report


def file_label(path: Path) -> str:
    """A file's name as it is kept in records (consent sources, the audit log): without
    control characters, which a name on disk may hold."""
    return strip_controls(path.name)[:120]


def _truthy(value) -> bool:
    return as_text(value).casefold() in TRUE_WORDS


def _row(values: dict, number: int, region: str, today: date, source: str) -> ImportRow:
    first, last = as_text(values.get("first_name")), as_text(values.get("last_name"))
    if values.get("name") is not None and not (first and last):
        split_first, split_last = split_name(as_text(values.get("name")))
        first, last = first or split_first, last or split_last
    phone = as_text(values.get("phone"))
    birthday = values.get("birthday")
    if isinstance(birthday, (int, float)) and not isinstance(birthday, bool):
        raise InvalidInput(
            "'{text}' is not a date. Type the birthday like 1980-12-24 or 24.12.1980.",
            field="birthday",
            text=str(birthday),
        )
    data = CustomerInput(
        first_name=first,
        last_name=last,
        phone=phone,
        email=as_text(values.get("email")),
        salutation=as_text(values.get("salutation")),
        birthday=birthday if isinstance(birthday, date) else as_text(birthday),
        notes=as_text(values.get("notes")),
    )
    fields = validate_customer(data, region=region, today=today)
    consents = {
        p
        for p, key in (
            ("data_processing", "consent_data"),
            ("email", "consent_email"),
            ("sms", "consent_sms"),
        )
        if _truthy(values.get(key))
    }
    if "email" in consents and not fields.email:
        consents.discard("email")
    points_text = as_text(values.get("points"))
    points = parse_points(points_text, field="points") if points_text else 0
    return ImportRow(
        number,
        CustomerInput(
            fields.first_name,
            fields.last_name,
            fields.phone,
            fields.email,
            fields.salutation,
            fields.birthday,
            fields.notes,
        ),
        consents,
        points,
    )


@write_action
def import_rows(shop: Shop, report: ImportReport, *, staff: str = "") -> int:
    """Write every good row of a checked file, in one transaction: all or nothing."""
    from olga_loyalty.domain.customers import CustomerFields
    from olga_loyalty.services.shop import current_consent_text

    now, today, programme = shop.now(), shop.today(), shop.programme
    customer_ids = new_ids(Customer, len(report.good))
    lot_ids = iter(new_ids(Lot, sum(1 for row in report.good if row.points > 0)))
    texts = {p: current_consent_text(p) for p in ("data_processing", "email", "sms")}
    customers, consents, lots, entries, origins = [], [], [], [], []
    for offset, row in enumerate(report.good):
        cid = customer_ids[offset]
        d = row.data
        fields = CustomerFields(
            d.first_name,
            d.last_name,
            d.phone,
            d.email or "",
            d.salutation or "",
            d.birthday,
            d.notes or "",
        )
        customers.append(
            {
                "id": cid,
                "first_name": fields.first_name,
                "last_name": fields.last_name,
                "salutation": fields.salutation,
                "phone": fields.phone,
                "email": fields.email or None,
                "birthday": fields.birthday,
                "notes": fields.notes,
                "language": shop.settings.language,
                "registered_at": now,
                "registered_by": staff,
                **_search_columns(fields),
            }
        )
        source = f"import {report.file} row {row.row}"[:200]
        origins.extend({"customer": cid, "digest": d, "source": source} for d in row.digests)
        for purpose in sorted(row.consents):
            consents.append(
                {
                    "customer": cid,
                    "purpose": purpose,
                    "given_at": now,
                    "method": "paper_signed",
                    "text": texts[purpose].id,
                    "text_version": texts[purpose].version,
                    "recorded_by": staff,
                    "source": source,
                }
            )
        if row.points > 0:
            lot_id = next(lot_ids)
            lots.append(
                {
                    "id": lot_id,
                    "customer": cid,
                    "kind": "opening",
                    "points": row.points,
                    "remaining": row.points,
                    "awarded_on": today,
                    "expires_on": expiry_date(today, programme.purchase_validity_days),
                    "created_at": now,
                }
            )
            entries.append(
                {
                    "customer": cid,
                    "kind": "opening",
                    "points": row.points,
                    "lot": lot_id,
                    "created_at": now,
                    "staff": staff,
                    "reason": IMPORT_REASON,
                }
            )
    for model, data in (
        (Customer, customers),
        (Consent, consents),
        (Lot, lots),
        (LedgerEntry, entries),
        (ImportOrigin, origins),
    ):
        bulk_insert(model, data)
    report.imported = len(customers)
    return len(customers)


# -- unsubscribes ------------------------------------------------------------------------


@dataclass
class UnsubscribeReport:
    file: str
    contacts: int = 0
    matched: int = 0
    unmatched: int = 0
    withdrawn: int = 0


@write_action
def import_unsubscribes(shop: Shop, path: Path, *, staff: str = "") -> UnsubscribeReport:
    """Every email or phone found anywhere in the file: marketing consent withdrawn (method
    digital, the file noted as source) and the contact put on the suppression list."""
    table = read_table(path)
    emails, phones = set(), set()
    for row in table:
        for value in row:
            if isinstance(value, (date, float)) or isinstance(value, bool):
                continue  # dates and amounts are not contacts
            text = strip_controls(as_text(value))
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4}", text):
                continue
            if "@" in text:
                try:
                    emails.add(normalize_email(text).lower())
                except InvalidInput:
                    pass
            elif sum(ch.isdigit() for ch in text) >= 6:
                try:
                    phones.add(normalize_phone(text, shop.region))
                except InvalidInput:
                    pass
    report = UnsubscribeReport(file_label(path), contacts=len(emails) + len(phones))
    if not report.contacts:
        raise InvalidInput(
            "No email address or phone number found in {name}.", field="file", name=path.name
        )
    now, source = shop.now(), f"unsubscribe import {report.file}"[:200]
    matched_ids: dict[int, set[str]] = {}
    for email in emails:
        for c in Customer.select(Customer.id).where(Customer.email_key == email):
            matched_ids.setdefault(c.id, set()).add("email")
        _suppress("email", email, now, source)
    for phone in phones:
        for c in Customer.select(Customer.id).where(Customer.phone == phone):
            matched_ids.setdefault(c.id, set()).add("sms")
        _suppress("phone", phone, now, source)
    matched_contacts = 0
    for cid, purposes in matched_ids.items():
        matched_contacts += len(purposes)
        for purpose in purposes:
            report.withdrawn += (
                Consent.update(
                    withdrawn_at=now,
                    withdrawn_method="digital",
                    withdrawn_by=staff,
                    withdrawn_source=source,
                )
                .where(
                    (Consent.customer == cid)
                    & (Consent.purpose == purpose)
                    & Consent.withdrawn_at.is_null()
                )
                .execute()
            )
    report.matched = matched_contacts
    report.unmatched = report.contacts - matched_contacts
    return report


def _suppress(kind: str, value: str, now, source: str) -> None:
    (
        Suppression.insert(kind=kind, digest=digest(kind, value), created_at=now, source=source)
        .on_conflict_ignore()
        .execute()
    )


def is_suppressed(kind: str, value: str) -> bool:
    return Suppression.select().where(Suppression.digest == digest(kind, value)).exists()
