"""Checking a customer list (the dry run): every row gets the registration form's whole
check and its proof of consent, in file order, and nothing is written (SPEC §7).

A big file's rows are checked on every core (services/import_pool.py); what depends on the
rows before (the same phone twice in the file) and on the database (registered, erased,
imported before, suppressed) is decided here, row by row, in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from olga_loyalty.domain.customers import (
    CustomerInput,
    consent_problems,
    normalize_email,
    normalize_phone,
    phone_for_display,
    validate_customer,
)
from olga_loyalty.domain.dates import read_date
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, Refused
from olga_loyalty.domain.import_mapping import (
    FALSE_WORDS,
    TRUE_WORDS,
    apply_overrides,
    guess_mapping,
    split_name,
)
from olga_loyalty.domain.money import parse_points
from olga_loyalty.domain.text import strip_controls
from olga_loyalty.exports.readers import as_text, read_table
from olga_loyalty.i18n import Translator
from olga_loyalty.services import erasure, import_pool
from olga_loyalty.services.imports.counts import Completed
from olga_loyalty.services.newsletter import digest
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import fetch_rows
from olga_loyalty.storage.search import search_columns

SEPARATOR_NAMES = {";": "semicolons", ",": "commas", "\t": "tabs"}


@dataclass
class ImportRow:
    row: int
    data: CustomerInput
    consents: set[str]
    points: int
    #: Keyed hashes of the phone and email as in the file: the customer's import origin.
    digests: list[str] = field(default_factory=list)
    #: The day her consents were given (signed on paper); None: at the import.
    consented_on: date | None = None
    #: Her search columns (name keys, phone key, ...), made by the check (in a pool worker
    #: for a big file) rather than while the import holds the write lock.
    search: dict[str, Any] = field(default_factory=dict)


class NoProofOfConsent(Refused):
    """A row without proof of consent to data processing (SPEC §7): never imported."""


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
    encoding: str | None = None  # of a CSV file: UTF-16, UTF-8, UTF-8 with BOM, Windows-1252
    separator: str | None = None  # of a CSV file: ";", "," or a tab
    #: Cells that held control characters; they were removed (domain.text.strip_controls).
    cleaned_cells: int = 0
    #: The day every customer of the file signed the consent form on paper, when given.
    consented_on: date | None = None
    #: Rows without proof of consent to data processing (each also refused, or refused
    #: for another reason first).
    lacking_consent: int = 0
    #: Imports a crash had interrupted after they were decided, finished before this file
    #: was checked or imported (`imports.check`, `imports.run`).
    completed: list[Completed] = field(default_factory=list)

    def mapping_text(self) -> dict[str, str]:
        return {self.headers[i]: f for i, f in sorted(self.mapping.items())}

    def file_text(self, t: Translator) -> str:
        """How the file was read, in words: which encoding and separator were found."""
        if self.encoding is None:
            return t("File: an Excel workbook (its first sheet).")
        return t(
            "File: {encoding} text, columns separated by {separator}.",
            encoding=self.encoding,
            separator=t(SEPARATOR_NAMES.get(self.separator or "", "commas")),
        )


def paper_consent_day(value: str | date | None, today: date) -> date | None:
    """The day every customer of a file signed the consent form on paper (`--consented-on-
    paper`, the import screen's field): a real day, not after today. Empty: none."""
    if value is None or isinstance(value, date):
        day = value
    else:
        text = value.strip()
        if not text:
            return None
        day = read_date(text, today, past=False)  # 1.3.24 is 2024; 1.2.27 ahead: refused
        if day is None:
            raise InvalidInput(
                "'{text}' is not a date. Type the day the consent forms were signed like "
                "2024-03-01 or 01.03.2024.",
                field="consented_on",
                text=text[:20],
            )
    if day is not None and day > today:
        raise InvalidInput(
            "The day the consent forms were signed cannot be in the future.", field="consented_on"
        )
    return day


def check_file(
    shop: Shop,
    path: Path,
    overrides: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    consented_on: str | date | None = None,
) -> ImportReport:
    """The dry run: every row checked, nothing written. Every row needs proof of consent to
    data processing: the file's consent column, or `consented_on`, the day every customer of
    the file signed the consent form on paper. A big file's rows are checked on every core
    (services/import_pool.py); the workers start while the file is read."""
    paper_day = paper_consent_day(consented_on, shop.today())
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_table says what is wrong with the file
    with RowCheckers(size) as checkers:
        return _check_table(shop, path, read_table(path), checkers, overrides, progress, paper_day)


def warm_up_worker() -> None:
    """In a pool worker, at its start: this module (sent by reference, so imported there),
    and the libraries and data the checks load on first use."""
    normalize_phone("+4915112345678")
    normalize_email("warm@example.org")


class RowCheckers(import_pool.Checkers):
    """The pool's workers, warmed up for the row checks while the file is read."""

    warm_up = staticmethod(warm_up_worker)


def _check_table(
    shop: Shop,
    path: Path,
    table: list[list[Any]],
    checkers: import_pool.Checkers,
    overrides: list[str] | None,
    progress: Callable[[int, int], None] | None,
    paper_day: date | None,
) -> ImportReport:
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
    report = ImportReport(
        file_label(path), headers, mapping, cleaned_cells=cleaned, consented_on=paper_day
    )
    has_consent_column = "consent_data" in fields_present
    report.encoding = getattr(table, "encoding", None)
    report.separator = getattr(table, "separator", None)
    region, today = shop.region, shop.today()
    seen_phone: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    # plain SQL: every customer's phone and email, without a peewee row object each
    existing_phones = {
        p for (p,) in fetch_rows("SELECT phone FROM customer WHERE phone IS NOT NULL")
    }
    existing_emails = {
        e for (e,) in fetch_rows("SELECT email_key FROM customer WHERE email_key IS NOT NULL")
    }
    suppressed = {d for (d,) in fetch_rows("SELECT digest FROM suppression")}
    erased = erasure.erased_hashes()
    origins = {
        digest: customer
        for digest, customer in fetch_rows(
            "SELECT o.digest, o.customer_id FROM import_origin o "
            "JOIN customer c ON c.id = o.customer_id WHERE c.erased_at IS NULL"
        )
    }
    # Each row's own checks, on every core for a big file (services/import_pool.py); what
    # depends on the rows before and on the database is decided here, in file order.
    context = _RowContext(
        mapping, region, today, path.name, erasure.shop_secret(), has_consent_column, paper_day
    )
    for number, checked in checkers.map_rows(
        _check_row, table[1:], context, first_number=2, progress=progress
    ):
        if checked is None:
            report.empty += 1
            continue
        cleaned, outcome, no_proof = checked
        report.cleaned_cells += cleaned
        report.total += 1
        if no_proof is not None:
            report.lacking_consent += 1
        if isinstance(outcome, LoyaltyError):
            report.refused.append((number, outcome))
            continue
        row = _unpack(outcome)
        phone = row.data.phone or ""  # validated: never empty
        email = (row.data.email or "").lower()
        problem = None
        if not erased.isdisjoint(row.digests):
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
        elif not origins.keys().isdisjoint(row.digests):
            problem = Refused(
                "Imported before as customer #{id} (her phone or email was changed since); "
                "not imported again.",
                id=next(origins[d] for d in row.digests if d in origins),
            )
        if problem is not None:
            report.refused.append((number, problem))
            continue
        lacking = consent_problems(row.consents, email=email, phone=phone, region=region)
        if "consent_email" in lacking:
            row.consents.discard("email")
            report.notes.append(
                (number, Refused("No email address: imported without email consent."))
            )
        if "consent_sms" in lacking:
            row.consents.discard("sms")
            report.notes.append(
                (
                    number,
                    Refused(
                        "{phone} is not a mobile number: imported without SMS consent.",
                        phone=phone_for_display(phone, region),
                    ),
                )
            )
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


class _RowContext(NamedTuple):
    """What a row's own checks need besides the row (sent to the pool's workers)."""

    mapping: dict[int, str]
    region: str
    today: date
    source: str
    secret: bytes
    has_consent_column: bool
    paper_day: date | None


#: A checked row: None (empty), or (cells cleaned, the refusal or the packed ImportRow,
#: the row's lack of proof of consent or None).
CheckedRow = tuple[int, LoyaltyError | tuple[Any, ...], NoProofOfConsent | None] | None


def _check_row(raw: Sequence[Any], number: int, context: _RowContext) -> CheckedRow:
    """One row's own checks, the registration form's whole check and its keyed hashes (in a
    worker for a big file): None for an empty row, else (cells cleaned of control characters,
    the refusal or the packed row, the row's lack of proof of consent or None). A row that
    lacks proof of consent and has another fault is refused for that fault."""
    values = {f: raw[i] if i < len(raw) else None for i, f in context.mapping.items()}
    if not any(as_text(v) for v in raw):
        return None
    cleaned = 0
    for name, value in values.items():
        if isinstance(value, str):
            text = strip_controls(value, multiline=name == "notes")
            if text != value:
                values[name] = text
                cleaned += 1
    no_proof: NoProofOfConsent | None = None
    try:
        consented_on = _proof_of_consent(
            values, context.has_consent_column, context.paper_day, context.today
        )
    except NoProofOfConsent as error:
        consented_on, no_proof = None, error
    try:
        row = _row(values, number, context.region, context.today, context.source)
    except LoyaltyError as error:
        return cleaned, error, no_proof
    if no_proof is not None:
        return cleaned, no_proof, no_proof
    row.consented_on = consented_on
    row.consents.add("data_processing")  # proven: by the column or by the paper day
    phone, email = row.data.phone or "", (row.data.email or "").lower()  # phone: validated
    row.digests = [erasure.keyed_digest("phone", phone, context.secret)] + (
        [erasure.keyed_digest("email", email, context.secret)] if email else []
    )
    return cleaned, _pack(row), None


def _pack(row: ImportRow) -> tuple[Any, ...]:
    """A checked row as plain tuples, for the way back from a worker: pickle writes and
    rebuilds them in a fraction of the time two objects take."""
    d = row.data
    data = (d.first_name, d.last_name, d.phone, d.email, d.salutation, d.birthday, d.notes)
    return (row.row, data, row.consents, row.points, row.digests, row.consented_on, row.search)


def _unpack(values: tuple[Any, ...]) -> ImportRow:
    number, data, consents, points, digests, consented_on, search = values
    return ImportRow(number, CustomerInput(*data), consents, points, digests, consented_on, search)


def file_label(path: Path) -> str:
    """A file's name as it is kept in records (consent sources, the audit log): without
    control characters, which a name on disk may hold."""
    return strip_controls(path.name)[:120]


def _truthy(value: Any) -> bool:
    return as_text(value).casefold() in TRUE_WORDS


def _proof_of_consent(
    values: dict[str, Any], has_column: bool, paper_day: date | None, today: date
) -> date | None:
    """The day a row's consent to data processing was given (None: at the import), or the
    reason there is no proof of it. The consent column says yes (the paper day, when one was
    given, else the import), gives the day itself, or says no; a row without a consent
    column, or with an empty cell, has the paper day or no proof."""
    value = values.get("consent_data") if has_column else None
    if isinstance(value, datetime):
        value = value.date()
    text = as_text(value)
    if isinstance(value, date) or (text and text.casefold() not in TRUE_WORDS | FALSE_WORDS):
        day = value if isinstance(value, date) else read_date(text, today, past=False)
        if day is None:
            raise NoProofOfConsent(
                "'{text}' in the consent column is neither yes, no nor a date: "
                "no proof of consent to data processing.",
                text=text[:40],
            )
        if day > today:
            raise NoProofOfConsent("The consent column gives a day in the future.")
        return day
    if text.casefold() in FALSE_WORDS:
        raise NoProofOfConsent(
            "The consent column says '{text}': no consent to data processing.", text=text[:20]
        )
    if text or paper_day is not None:
        return paper_day
    if has_column:
        raise NoProofOfConsent(
            "The consent column is empty: no proof of consent to data processing."
        )
    raise NoProofOfConsent(
        "No proof of consent to data processing: the file has no consent column and no "
        "day of consent on paper was given."
    )


def _row(values: dict[str, Any], number: int, region: str, today: date, source: str) -> ImportRow:
    first, last = as_text(values.get("first_name")), as_text(values.get("last_name"))
    if values.get("name") is not None and not (first and last):
        split_first, split_last = split_name(as_text(values.get("name")))
        first, last = first or split_first, last or split_last
    phone = as_text(values.get("phone"))
    birthday = values.get("birthday")
    if isinstance(birthday, (int, float)) and not isinstance(birthday, bool):
        raise InvalidInput(
            "'{text}' is not a date. Type the birthday like 24/12/1980 or 1980-12-24.",
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
        search=search_columns(fields),
    )
