"""Importing a shop's existing customer list, and unsubscribe lists from mailing tools.

Customers: the columns are mapped from the header (German and English names), a dry run
reports every row it would refuse with its row number and the reason, and the import
writes all good rows or nothing: staged out of sight, decided in one transaction, then
written in short batches so that the other tills keep working (see `import_rows`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from peewee import IntegrityError

from olga_loyalty import logs
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
from olga_loyalty.domain.money import parse_points
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.domain.text import strip_controls
from olga_loyalty.exports.readers import as_text, read_table
from olga_loyalty.services import erasure, import_pool, ledger
from olga_loyalty.services.customers import _search_columns
from olga_loyalty.services.newsletter import digest
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import queue
from olga_loyalty.storage.db import (
    bulk_insert,
    execute,
    fetch_rows,
    is_sqlite,
    new_ids,
    placeholders,
    real_time,
    write_action,
)
from olga_loyalty.storage.models import (
    Consent,
    Customer,
    ImportOrigin,
    ImportRun,
    LedgerEntry,
    Lot,
    StagedRow,
    Suppression,
    database,
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
#: What a consent column says for "no": such a row has no consent, whatever else was given.
FALSE_WORDS = {"nein", "n", "no", "0", "false", "falsch", "✗", "✘", "-"}
IMPORT_REASON = "opening balance from import"
SEPARATOR_NAMES = {";": "semicolons", ",": "commas", "\t": "tabs"}


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
    #: The day her consents were given (signed on paper); None: at the import.
    consented_on: date | None = None


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

    def mapping_text(self) -> dict[str, str]:
        return {self.headers[i]: f for i, f in sorted(self.mapping.items())}

    def file_text(self, t) -> str:
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
    with import_pool.Checkers(size) as checkers:
        return _check_table(shop, path, read_table(path), checkers, overrides, progress, paper_day)


def _check_table(
    shop: Shop,
    path: Path,
    table: list,
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
        row = import_pool.unpack(ImportRow, outcome, {"data": CustomerInput})
        phone = row.data.phone
        email = (row.data.email or "").lower()
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


def _check_row(raw, number: int, context: _RowContext):
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
    try:
        consented_on = _proof_of_consent(
            values, context.has_consent_column, context.paper_day, context.today
        )
    except NoProofOfConsent as error:
        consented_on, no_proof = None, error
    else:
        no_proof = None
    try:
        row = _row(values, number, context.region, context.today, context.source)
    except LoyaltyError as error:
        return cleaned, error, no_proof
    if no_proof is not None:
        return cleaned, no_proof, no_proof
    row.consented_on = consented_on
    row.consents.add("data_processing")  # proven: by the column or by the paper day
    phone, email = row.data.phone, (row.data.email or "").lower()
    row.digests = [erasure.keyed_digest("phone", phone, context.secret)] + (
        [erasure.keyed_digest("email", email, context.secret)] if email else []
    )
    return cleaned, import_pool.pack(row), None


def file_label(path: Path) -> str:
    """A file's name as it is kept in records (consent sources, the audit log): without
    control characters, which a name on disk may hold."""
    return strip_controls(path.name)[:120]


def _truthy(value) -> bool:
    return as_text(value).casefold() in TRUE_WORDS


def _proof_of_consent(
    values: dict, has_column: bool, paper_day: date | None, today: date
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


# -- writing: staged out of sight, decided at once, then moved in short batches ---------------

#: Rows staged per transaction, and rows written into the shop per transaction: each batch
#: holds the write lock for well under a second (docs/reliability.md has the figures).
STAGE_BATCH = 5000
#: Rows written into the shop per transaction: the first batch, then as many as take about
#: BATCH_SECONDS at the pace of the one before, between MIN_BATCH and PUBLISH_BATCH.
FIRST_BATCH = 500
PUBLISH_BATCH = 2000
MIN_BATCH = 100
BATCH_SECONDS = 0.1
#: On SQLite, the pause after each batch in which a till waiting for the lock gets it. The
#: tills line up for the lock (storage/queue.py): the first in line is woken when a batch
#: commits and only needs a moment to take its turn. Without the queue (Windows) a till's
#: busy handler looks again at least every 100 ms. PostgreSQL locks rows, not the file.
QUEUE_PAUSE = 0.003
BATCH_PAUSE = 0.12
#: A run still staging whose last batch is older than this was abandoned (a crash).
STALE_SECONDS = 600


def _pause() -> None:
    if is_sqlite():
        lined_up = queue.available(database.obj.database)
        time.sleep(min(QUEUE_PAUSE, BATCH_PAUSE) if lined_up else BATCH_PAUSE)


def _customer_payload(row: ImportRow) -> str:
    d = row.data
    return json.dumps(
        {
            "row": row.row,
            "first_name": d.first_name,
            "last_name": d.last_name,
            "phone": d.phone,
            "email": d.email or "",
            "salutation": d.salutation or "",
            "birthday": d.birthday.isoformat() if d.birthday else None,
            "notes": d.notes or "",
            "consents": sorted(row.consents),
            "consented_on": row.consented_on.isoformat() if row.consented_on else None,
            "points": row.points,
            "digests": row.digests,  # her import origin (keyed hashes of phone and email)
        },
        ensure_ascii=False,
    )


@write_action
def _new_run(shop: Shop, kind: str, file: str, staff: str) -> int:
    return ImportRun.create(
        kind=kind,
        file=file[:200],
        staff=staff,
        created_at=shop.now(),
        heartbeat=real_time(),
        state="staging",
        counts="{}",
    ).id


@write_action
def _stage(run_id: int, payloads: list[str]) -> None:
    bulk_insert(StagedRow, [{"run": run_id, "payload": p} for p in payloads])
    ImportRun.update(heartbeat=real_time()).where(ImportRun.id == run_id).execute()


def _decide(run_id: int) -> int:
    """The moment the import is decided (inside the protected transaction with the PIN check
    and the audit entry): from here on every staged row will be written, even after a crash."""
    changed = (
        ImportRun.update(state="ready")
        .where((ImportRun.id == run_id) & (ImportRun.state == "staging"))
        .execute()
    )
    if changed != 1:
        raise Refused("The import was interrupted; nothing was imported. Please start it again.")
    return run_id


def _drop_run(run_id: int) -> None:
    """An import that was never decided: its staged rows go, in batches."""
    while _drop_batch(run_id):
        pass


@write_action
def _drop_batch(run_id: int) -> bool:
    ids = [
        r
        for (r,) in StagedRow.select(StagedRow.id)
        .where(StagedRow.run == run_id)
        .limit(STAGE_BATCH)
        .tuples()
    ]
    if ids:
        StagedRow.delete().where(StagedRow.id.in_(ids)).execute()
        return True
    ImportRun.delete().where(ImportRun.id == run_id).execute()
    return False


def _lock_run(run_id: int) -> ImportRun | None:
    query = ImportRun.select().where(ImportRun.id == run_id)
    if not is_sqlite():
        query = query.for_update()  # two tills finishing one run take turns, batch by batch
    return query.first()


@write_action
def _publish_batch(shop: Shop, run_id: int, rows: int = PUBLISH_BATCH) -> dict | None:
    """Write the next batch (`rows` staged rows) of a decided run into the shop; None when
    the run is done."""
    run = _lock_run(run_id)
    if run is None or run.state != "ready":
        return None
    # plain SQL: no statement with hundreds of parameters compiled per batch
    staged = fetch_rows(
        "SELECT id, payload FROM import_stage WHERE run_id = ? ORDER BY id LIMIT ?",
        (run_id, rows),
    )
    counts = json.loads(run.counts or "{}")
    if not staged:
        ImportRun.delete().where(ImportRun.id == run_id).execute()
        counts["done"] = True
        return counts
    payloads = [json.loads(payload) for _, payload in staged]
    if run.kind == "customers":
        _write_customers(shop, run, payloads, counts)
    else:
        _write_unsubscribes(shop, run, payloads, counts)
    # the rows just written: this run's first ones, up to the last id read
    execute("DELETE FROM import_stage WHERE run_id = ? AND id <= ?", (run_id, staged[-1][0]))
    ImportRun.update(counts=json.dumps(counts)).where(ImportRun.id == run_id).execute()
    return counts


def _publish(shop: Shop, run_id: int, progress: Callable[[int, int], None] | None = None) -> dict:
    """Every batch of a decided run, with a pause between batches for the other tills."""
    total = StagedRow.select().where(StagedRow.run == run_id).count()
    done, tries = 0, 0
    rows = min(PUBLISH_BATCH, FIRST_BATCH)
    while True:
        started = time.perf_counter()
        try:
            counts = _publish_batch(shop, run_id, rows)
        except IntegrityError:
            # Another till registered one of these phones between the check and the write
            # (PostgreSQL): the batch is read again and that row is left out.
            tries += 1
            if tries > 3:
                raise
            continue
        if counts is None or counts.get("done"):
            return counts or {}
        done = min(done + rows, total)
        # The next batch as long as BATCH_SECONDS allows at this one's pace (a busy or slow
        # machine writes smaller batches, so a waiting till never waits long).
        took = max(time.perf_counter() - started, 1e-3)
        rows = min(PUBLISH_BATCH, max(MIN_BATCH, int(rows * BATCH_SECONDS / took)))
        if progress:
            progress(done, total)
        _pause()


def finish_interrupted(shop: Shop) -> int:
    """Finish the imports a crash left decided but not yet written, and drop the staged
    rows of imports that were never decided. Run before every import and by the daily run.
    Returns how many interrupted imports were finished."""
    stale = real_time() - STALE_SECONDS
    for (run_id,) in (
        ImportRun.select(ImportRun.id)
        .where((ImportRun.state == "staging") & (ImportRun.heartbeat < stale))
        .tuples()
    ):
        _drop_run(run_id)
    finished = 0
    for (run_id,) in ImportRun.select(ImportRun.id).where(ImportRun.state == "ready").tuples():
        _publish(shop, run_id)
        finished += 1
    return finished


def _run_import(
    shop: Shop,
    kind: str,
    file: str,
    payloads: list[str],
    *,
    pin,
    staff: str,
    detail: str,
    progress: Callable[[int, int], None] | None,
) -> dict:
    """Stage, decide (the protected transaction), write. A failure before the decision
    leaves nothing; after it, the rest is written by the next import or daily run."""
    from olga_loyalty.services import safety

    staff = " ".join((staff or "").split())[:80]
    pin = safety.authorise(shop, "import", pin, by=staff)  # before any work: a wrong PIN counts
    finish_interrupted(shop)
    # The backup is copied while the rows are staged (out of sight, so not in it), and is
    # done before the import is decided.
    backup_done = safety.backup_meanwhile(shop, "import", staff=staff)
    run_id = None
    try:
        run_id = _new_run(shop, kind, file, staff)
        for start in range(0, len(payloads), STAGE_BATCH):
            _stage(run_id, payloads[start : start + STAGE_BATCH])
            if progress:
                progress(min(start + STAGE_BATCH, len(payloads)), 2 * len(payloads))
            _pause()
        backup_done()
        safety.run_protected(shop, "import", pin, _decide, run_id, by=staff, detail=detail)
    except BaseException:
        try:
            backup_done()  # never leave the copy half-written behind
        except BaseException:
            pass
        try:
            if run_id is not None:
                _drop_run(run_id)
        except LoyaltyError:
            pass  # the database cannot be written now; a later import drops the rows
        raise

    def written(done: int, total: int) -> None:
        if progress:
            progress(len(payloads) + done, 2 * len(payloads))

    return _publish(shop, run_id, written)


def import_rows(
    shop: Shop,
    report: ImportReport,
    *,
    staff: str = "",
    pin=None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every good row of a checked file: all of them or none (SPEC §7), in batches that
    each hold the write lock for a moment only. The rows are staged out of sight first; the
    import is decided in one transaction with the owner-PIN check and the audit entry; then
    they are written batch by batch. A row whose phone or email another till registered
    since the check is left out and reported. Returns how many customers were imported."""
    if not report.good:
        return 0
    counts = _run_import(
        shop,
        "customers",
        report.file,
        [_customer_payload(row) for row in report.good],
        pin=pin,
        staff=staff,
        detail=f"customers from {report.file}: {len(report.good)} rows",
        progress=progress,
    )
    report.imported = counts.get("imported", 0)
    for number, kind, value in counts.get("taken", []):
        report.refused.append(
            (
                number,
                Refused("The phone {phone} was registered at another till meanwhile.", phone=value)
                if kind == "phone"
                else Refused(
                    "The email {email} was registered at another till meanwhile.", email=value
                ),
            )
        )
    logs.action("imports.import_rows", imported=report.imported, refused=len(report.refused))
    return report.imported


def _write_customers(shop: Shop, run: ImportRun, payloads: list[dict], counts: dict) -> None:
    """One batch of customers, each with the consents its row proved and its opening balance.
    Rows whose phone or email is registered by now (another till) are left out."""
    from olga_loyalty.domain.customers import CustomerFields
    from olga_loyalty.services.shop import current_consent_text

    phones = [p["phone"] for p in payloads]
    emails = [p["email"].lower() for p in payloads if p["email"]]
    taken_phones = _registered("phone", phones)
    taken_emails = _registered("email_key", emails)
    good = []
    for p in payloads:
        if p["phone"] in taken_phones:
            counts.setdefault("taken", []).append([p["row"], "phone", p["phone"]])
        elif p["email"] and p["email"].lower() in taken_emails:
            counts.setdefault("taken", []).append([p["row"], "email", p["email"]])
        else:
            good.append(p)
    now, staff = run.created_at, run.staff
    shop.refresh()  # the programme as it is now, also when another till changed it
    today, programme = now.date(), shop.programme
    customer_ids = new_ids(Customer, len(good))
    lot_ids = iter(new_ids(Lot, sum(1 for p in good if p["points"] > 0)))
    texts = {p: current_consent_text(p) for p in ("data_processing", "email", "sms")}
    customers, consents, lots, entries, origins = [], [], [], [], []
    for cid, p in zip(customer_ids, good, strict=True):
        fields = CustomerFields(
            p["first_name"],
            p["last_name"],
            p["phone"],
            p["email"],
            p["salutation"],
            date.fromisoformat(p["birthday"]) if p["birthday"] else None,
            p["notes"],
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
        source = f"import {run.file} row {p['row']}"[:200]
        origins.extend(
            {"customer": cid, "digest": d, "source": source} for d in p.get("digests", [])
        )
        given_at = now
        if p.get("consented_on"):  # signed on paper that day: from the start of it
            day = date.fromisoformat(p["consented_on"])
            given_at = min(now, datetime.combine(day, datetime.min.time()).astimezone())
        for purpose in p["consents"]:
            consents.append(
                {
                    "customer": cid,
                    "purpose": purpose,
                    "given_at": given_at,
                    "method": "paper_signed",
                    "text": texts[purpose].id,
                    "text_version": texts[purpose].version,
                    "recorded_by": staff,
                    "source": source,
                }
            )
        if p["points"] > 0:
            lot_id = next(lot_ids)
            lots.append(
                {
                    "id": lot_id,
                    "customer": cid,
                    "kind": "opening",
                    "points": p["points"],
                    "remaining": p["points"],
                    "awarded_on": today,
                    "expires_on": expiry_date(today, programme.purchase_validity_days),
                    "created_at": now,
                }
            )
            entries.append(
                {
                    "customer": cid,
                    "kind": "opening",
                    "points": p["points"],
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
    counts["imported"] = counts.get("imported", 0) + len(customers)


def _registered(column: str, values: list[str]) -> set[str]:
    """Which of these phones (or email keys) are registered now (plain SQL, in chunks)."""
    found: set[str] = set()
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        found.update(
            value
            for (value,) in fetch_rows(
                f"SELECT {column} FROM customer WHERE {column} IN ({placeholders(len(chunk))})",
                chunk,
            )
        )
    return found


# -- unsubscribes ------------------------------------------------------------------------


@dataclass
class UnsubscribeReport:
    file: str
    contacts: int = 0
    matched: int = 0
    unmatched: int = 0
    withdrawn: int = 0

    def summary(self, t) -> str:
        """The result in one line, for the import screen and the command line."""
        return (
            t(
                "{contacts} read: {matched} matched, {unmatched} unknown; {withdrawn} withdrawn.",
                contacts=t.ngettext(
                    "{count} contact",
                    "{count} contacts",
                    self.contacts,
                    count=t.number(self.contacts),
                ),
                matched=t.number(self.matched),
                unmatched=t.number(self.unmatched),
                withdrawn=t.ngettext(
                    "{count} consent",
                    "{count} consents",
                    self.withdrawn,
                    count=t.number(self.withdrawn),
                ),
            )
            + " "
            + t.ngettext(
                "It is on the suppression list.", "All are on the suppression list.", self.contacts
            )
        )


def read_contacts(shop: Shop, path: Path) -> tuple[set[str], set[str]]:
    """Every email and phone found anywhere in an unsubscribe file (read and checked outside
    any transaction)."""
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
    return emails, phones


def import_unsubscribes(
    shop: Shop,
    path: Path,
    *,
    staff: str = "",
    pin=None,
    progress: Callable[[int, int], None] | None = None,
) -> UnsubscribeReport:
    """Every email or phone found anywhere in the file: marketing consent withdrawn (method
    digital, the file noted as source) and the contact put on the suppression list. Read
    outside the transaction, then staged, decided and written like a customer import."""
    emails, phones = read_contacts(shop, path)
    report = UnsubscribeReport(file_label(path), contacts=len(emails) + len(phones))
    if not report.contacts:
        raise InvalidInput(
            "No email address or phone number found in {name}.", field="file", name=path.name
        )
    contacts = [("email", e) for e in sorted(emails)] + [("phone", p) for p in sorted(phones)]
    counts = _run_import(
        shop,
        "unsubscribes",
        report.file,
        [json.dumps({"kind": k, "value": v}) for k, v in contacts],
        pin=pin,
        staff=staff,
        detail=f"unsubscribes from {path.name}: {report.contacts} contacts",  # shown visible()
        progress=progress,
    )
    report.matched = counts.get("matched", 0)
    report.withdrawn = counts.get("withdrawn", 0)
    report.unmatched = report.contacts - report.matched
    logs.action(
        "imports.import_unsubscribes",
        contacts=report.contacts,
        matched=report.matched,
        withdrawn=report.withdrawn,
    )
    return report


def _write_unsubscribes(shop: Shop, run: ImportRun, payloads: list[dict], counts: dict) -> None:
    """One batch of contacts: suppressed, and the marketing consent of each matching customer
    withdrawn (customers locked first), a few statements for the whole batch. Doing it twice
    changes nothing."""
    now, source = shop.now(), f"unsubscribe import {run.file}"[:200]
    emails = [p["value"] for p in payloads if p["kind"] == "email"]
    phones = [p["value"] for p in payloads if p["kind"] == "phone"]
    matched = {
        "email": [
            cid
            for (cid,) in Customer.select(Customer.id)
            .where(Customer.email_key.in_(emails))
            .tuples()
        ]
        if emails
        else [],
        "sms": [
            cid
            for (cid,) in Customer.select(Customer.id).where(Customer.phone.in_(phones)).tuples()
        ]
        if phones
        else [],
    }
    ledger.lock_customers(matched["email"] + matched["sms"])
    withdrawn = 0
    for purpose, ids in matched.items():
        if ids:
            withdrawn += (
                Consent.update(
                    withdrawn_at=now,
                    withdrawn_method="digital",
                    withdrawn_by=run.staff,
                    withdrawn_source=source,
                )
                .where(
                    Consent.customer.in_(ids)
                    & (Consent.purpose == purpose)
                    & Consent.withdrawn_at.is_null()
                )
                .execute()
            )
    Suppression.insert_many(
        [
            {
                "kind": p["kind"],
                "digest": digest(p["kind"], p["value"]),
                "created_at": now,
                "source": source,
            }
            for p in payloads
        ]
    ).on_conflict_ignore().execute()
    counts["matched"] = counts.get("matched", 0) + len(matched["email"]) + len(matched["sms"])
    counts["withdrawn"] = counts.get("withdrawn", 0) + withdrawn


def is_suppressed(kind: str, value: str) -> bool:
    return Suppression.select().where(Suppression.digest == digest(kind, value)).exists()
