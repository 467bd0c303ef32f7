"""The schema version table and an ordered migration runner.

Each migration is a function of the database, run once, in order, inside one
transaction together with the row that records it. Migration 1 creates the schema.
A later migration must spell out its own changes (playhouse.migrate or SQL) and never
call `create_tables` on today's models, so that an old database upgrades exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import peewee

from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.storage.fields import UtcDateTimeField
from olga_loyalty.storage.models import (
    SCHEMA_V1,
    AuditEntry,
    Consent,
    ConsentText,
    Customer,
    CustomerChange,
    ErasureJournal,
    Feedback,
    ImportOrigin,
    ImportRun,
    LedgerEntry,
    OutboxMail,
    SchemaVersion,
    Setting,
    StagedRow,
    Suppression,
    database,
)

DEFAULT_CONSENT_TEXTS = {
    "data_processing": (
        "Ich willige ein, dass die Boutique meine Angaben (Name, Telefonnummer, E-Mail, "
        "Geburtstag, Einkäufe und Bonuspunkte) zur Durchführung des Bonusprogramms speichert "
        "und verarbeitet. Die Einwilligung kann ich jederzeit mit Wirkung für die Zukunft "
        "widerrufen; meine Daten werden dann gelöscht. (Art. 6 Abs. 1 lit. a DSGVO)"
    ),
    "email": (
        "Ich möchte Angebote, Neuheiten und Einladungen der Boutique per E-Mail erhalten. "
        "Die Einwilligung kann ich jederzeit widerrufen, z. B. über den Abmeldelink."
    ),
    "sms": (
        "Ich möchte Angebote, Neuheiten und Einladungen der Boutique per SMS oder Messenger "
        "erhalten. Die Einwilligung kann ich jederzeit widerrufen."
    ),
}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[peewee.Database, Clock], None]


def _create_schema(db: peewee.Database, clock: Clock) -> None:
    db.create_tables(SCHEMA_V1)
    now = clock.now()
    for purpose, text in DEFAULT_CONSENT_TEXTS.items():
        ConsentText.create(purpose=purpose, version=1, text=text, created_at=now)


def _suppression_list(db: peewee.Database, clock: Clock) -> None:
    # A new table: its model is defined once for this version and must not change later.
    db.create_tables([Suppression])


def _audit_log(db: peewee.Database, clock: Clock) -> None:
    # The audit log as this version made it. The model has grown since (`customer_id` came
    # with the migration "shop secret, erasure journal, import origins"): created from
    # today's model, a new database would hold at version 3 what an old one only gets later,
    # and a genuine older backup would not match its version's schema (storage/schema.py).
    class AuditLogAsMade(peewee.Model):
        id = peewee.AutoField()
        at = UtcDateTimeField(index=True)
        staff = peewee.CharField(max_length=80, default="")
        action = peewee.CharField(max_length=40)
        detail = peewee.TextField(default="")

        class Meta:
            database = db
            table_name = "audit_log"

    db.create_tables([AuditLogAsMade])


def _search_order_indexes(db: peewee.Database, clock: Clock) -> None:
    # The search returns a name range in name order: an index in that order means no sort.
    for name, columns in (
        ("customer_last_first", "last_key, first_key"),
        ("customer_last_de_first", "last_key_de, first_key"),
        ("customer_first_last", "first_key, last_key"),
        ("customer_first_de_last", "first_key_de, last_key"),
    ):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "customer" ({columns})')


def _covering_indexes(db: peewee.Database, clock: Clock) -> None:
    # What a customer spent in the tier window and what is open in their lots, read from the
    # index alone (no table row per purchase or lot); they replace the narrower indexes.
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "purchase_spend" ON "purchase" (customer_id, created_at, paid)'
    )
    db.execute_sql('DROP INDEX IF EXISTS "purchase_customer_id_created_at"')
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "lot_open_cover" ON "lot" (customer_id, expires_on, remaining) '
        "WHERE remaining > 0"
    )
    db.execute_sql('DROP INDEX IF EXISTS "lot_open_by_customer"')


def _binary_key_order(db: peewee.Database, clock: Clock) -> None:
    # The search compares keys as ranges (key >= 'mul' AND key < 'mul\uffff') and lists them
    # in key order. SQLite compares bytes; a PostgreSQL server compares with its locale's
    # collation, in which that range is not "starts with". The keys get the byte order there.
    if isinstance(db, peewee.SqliteDatabase):
        return
    for column, length in (
        ("first_key", 100),
        ("first_key_de", 100),
        ("last_key", 100),
        ("last_key_de", 100),
        ("phone_rev", 20),
        ("email_key", 254),
    ):
        db.execute_sql(
            f'ALTER TABLE "customer" ALTER COLUMN "{column}" TYPE VARCHAR({length}) COLLATE "C"'
        )


def _feedback(db: peewee.Database, clock: Clock) -> None:
    db.create_tables([Feedback])
    # The follow-ups still to do, by date: the search screen's "due today" list.
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "feedback_open_by_date" ON "feedback" (follow_up_on) '
        "WHERE done_at IS NULL"
    )
    # The reports sum the ledger and the purchases month by month, from the index alone.
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "ledger_entry_by_time" ON "ledger_entry" '
        "(created_at, kind, points)"
    )
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "purchase_by_time" ON "purchase" (created_at, customer_id, paid)'
    )
    db.execute_sql('DROP INDEX IF EXISTS "purchase_created_at"')
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "customer_registered_at" ON "customer" (registered_at)'
    )


def _outbox(db: peewee.Database, clock: Clock) -> None:
    # Reminder mails: unique per customer and occasion, so no occasion is queued twice by any
    # till on either database.
    db.create_tables([OutboxMail])


def _shop_id(db: peewee.Database, clock: Clock) -> None:
    # Which shop a database (and so each of its backups) belongs to: a random id made once,
    # by this migration for a database from an older release and at the first start of a
    # new one. A restore compares it; a copy (move-to) keeps it.
    if Setting.get_or_none(Setting.key == "shop_id") is None:
        Setting.create(key="shop_id", value=json.dumps(uuid.uuid4().hex))


def _import_staging(db: peewee.Database, clock: Clock) -> None:
    # Imports are staged out of sight, then written in short batches (services/imports.py).
    db.create_tables([ImportRun, StagedRow])


def _erasure_journal(db: peewee.Database, clock: Clock) -> None:
    """Erasure that stays erased (issue 13): the shop's secret (setting `shop_secret`), the
    erasure journal, the import origins, and the customer an audit entry is about; the
    suppression list re-keyed as HMAC(secret, old digest); what earlier erasures left behind
    (adjustment reasons, audit details naming the customer as typed) scrubbed."""
    db.create_tables([ErasureJournal, ImportOrigin])
    if "customer_id" not in {c.name for c in db.get_columns("audit_log")}:
        db.execute_sql('ALTER TABLE "audit_log" ADD COLUMN "customer_id" INTEGER')
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "audit_log_customer_id" ON "audit_log" ("customer_id")'
    )
    # A restore of an older backup brings the shop's secret along (services/erasure.py).
    row = Setting.get_or_none(Setting.key == "shop_secret")
    if row is None:
        row = Setting.create(key="shop_secret", value=json.dumps(secrets.token_hex(32)))
    secret = bytes.fromhex(json.loads(row.value))

    def keyed(kind: str, value: str) -> str:
        plain = hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()
        return hmac.new(secret, plain.encode(), hashlib.sha256).hexdigest()

    for item in list(Suppression.select(Suppression.id, Suppression.digest)):
        rekeyed = hmac.new(secret, item.digest.encode(), hashlib.sha256).hexdigest()
        Suppression.update(digest=rekeyed).where(Suppression.id == item.id).execute()

    # Customers erased before: on the journal (their phone and email are gone: no hashes),
    # and the adjustment reasons their erasure left behind emptied.
    erased = [c.id for c in Customer.select(Customer.id).where(Customer.erased_at.is_null(False))]
    for customer in Customer.select(Customer.id, Customer.erased_at).where(
        Customer.erased_at.is_null(False)
    ):
        ErasureJournal.insert(
            customer_number=customer.id, erased_at=customer.erased_at
        ).on_conflict_ignore().execute()
    if erased:
        LedgerEntry.update(reason="").where(
            LedgerEntry.customer.in_(erased) & (LedgerEntry.kind == "adjust")
        ).execute()

    # Audit details named the customer as typed ("customer 0151 9876 5432"): the number now.
    shop = Setting.get_or_none(Setting.key == "shop")
    region = (json.loads(shop.value) or {}).get("region", "DE") if shop else "DE"
    typed = re.compile(r"customer (?P<ref>.+?)(?P<rest>: [+-]\d+.*| \(consent withdrawn\))?$")
    for entry in list(AuditEntry.select().where(AuditEntry.detail.startswith("customer "))):
        match = typed.match(entry.detail)
        if not match:
            continue
        number = _customer_number(match.group("ref"), region)
        rest = match.group("rest") or ""
        if number is None or number in erased:
            # nobody on record, or erased since: no reference and no free text stays
            detail = "customer #" + str(number) if number else "customer (not on record)"
            detail += rest.split(" (")[0] if rest.startswith(":") else ""
        else:
            detail = f"customer #{number}{rest}"
        AuditEntry.update(detail=detail, customer_id=number).where(
            AuditEntry.id == entry.id
        ).execute()
    apology = re.compile(r"apology for feedback #?(\d{1,9})")
    for entry in list(AuditEntry.select().where(AuditEntry.detail.startswith("apology for "))):
        match = apology.match(entry.detail)
        feedback = Feedback.get_or_none(Feedback.id == int(match.group(1))) if match else None
        if feedback is not None:
            AuditEntry.update(customer_id=feedback.customer_id).where(
                AuditEntry.id == entry.id
            ).execute()

    # Customers who came from an import: the phone and email they had in the file (the
    # first value in the change history, else today's), so a second import finds them.
    imported = {
        c.customer_id
        for c in Consent.select(Consent.customer_id).where(Consent.source.startswith("import "))
    } | {
        e.customer_id
        for e in LedgerEntry.select(LedgerEntry.customer_id).where(LedgerEntry.kind == "opening")
    }
    for customer in Customer.select().where(
        Customer.id.in_(sorted(imported)) & Customer.erased_at.is_null()
    ):
        first: dict[str, str] = {}
        for change in (
            CustomerChange.select()
            .where(
                (CustomerChange.customer == customer.id)
                & CustomerChange.field.in_(("phone", "email"))
            )
            .order_by(CustomerChange.changed_at, CustomerChange.id)
        ):
            first.setdefault(change.field, change.old_value)
        for kind, field, current in (
            ("phone", "phone", customer.phone),
            ("email", "email", customer.email),
        ):
            value = first.get(field, current or "")
            if value:
                ImportOrigin.create(
                    customer=customer.id,
                    digest=keyed(kind, value),
                    source="imported before import origins were kept",
                )


def _search_keys_refolded(db: peewee.Database, clock: Clock) -> None:
    """Issue 15: the search keys fold the letters NFKD leaves alone (Yılmaz → yilmaz, Søren
    → soren/soeren, Łukasz → lukasz): the keys of names with such letters are made again,
    or a new search would not find the customers registered before. A phone start is
    searched as a range of the E.164 column: on PostgreSQL it gets the byte order too (see
    `_binary_key_order`)."""
    if not isinstance(db, peewee.SqliteDatabase):
        db.execute_sql('ALTER TABLE "customer" ALTER COLUMN "phone" TYPE VARCHAR(20) COLLATE "C"')
    rows = (
        Customer.select(
            Customer.id,
            Customer.first_name,
            Customer.last_name,
            Customer.first_key,
            Customer.first_key_de,
            Customer.last_key,
            Customer.last_key_de,
        )
        .where(Customer.erased_at.is_null())
        .tuples()
    )
    # peewee's stubs type the rows of `.tuples()` as models; they are tuples
    named = cast("list[tuple[int, str, str, str, str, str, str]]", list(rows))
    from olga_loyalty.domain.customers import name_keys  # not when only the version is read

    for cid, first, last, *stored in named:
        if (first or "").isascii() and (last or "").isascii():
            continue  # an ASCII name folds as before
        keys = [key[:100] for key in (*name_keys(first or ""), *name_keys(last or ""))]
        if keys != stored:
            Customer.update(
                first_key=keys[0], first_key_de=keys[1], last_key=keys[2], last_key_de=keys[3]
            ).where(Customer.id == cid).execute()


def _customer_number(ref: str, region: str) -> int | None:
    """A customer reference as it was typed (`12`, `#12`, a phone), as her number."""
    text = ref.strip()
    if re.fullmatch(r"#?\d{1,9}", text):
        number = int(text.lstrip("#"))
        return number if Customer.get_or_none(Customer.id == number) else None
    from olga_loyalty.domain.customers import normalize_phone  # not at start-up

    try:
        phone = normalize_phone(text, region)
    except InvalidInput:
        return None
    found = Customer.get_or_none(Customer.phone == phone)
    return found.id if found else None


MIGRATIONS: list[Migration] = [
    Migration(1, "create schema", _create_schema),
    Migration(2, "suppression list", _suppression_list),
    Migration(3, "audit log", _audit_log),
    Migration(4, "search order indexes", _search_order_indexes),
    Migration(5, "covering indexes for spend and open points", _covering_indexes),
    Migration(6, "search keys in byte order on PostgreSQL", _binary_key_order),
    Migration(7, "feedback and follow-ups", _feedback),
    Migration(8, "outbox of reminder mails", _outbox),
    Migration(9, "shop id", _shop_id),
    Migration(10, "import staging", _import_staging),
    Migration(11, "shop secret, erasure journal, import origins", _erasure_journal),
    Migration(
        12, "search keys folded again (ı, ø, ł, đ), phone in byte order", _search_keys_refolded
    ),
]

LATEST = MIGRATIONS[-1].version


def current_version(db: peewee.Database | None = None) -> int:
    db = db or database.obj
    if not db.table_exists("schema_version"):
        return 0
    value = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return int(value or 0)


def pending(db: peewee.Database | None = None) -> list[Migration]:
    version = current_version(db)
    return [m for m in MIGRATIONS if m.version > version]


def _one_at_a_time(db: peewee.Database) -> None:
    """Inside a migration's transaction: one process at a time (two tills started at the
    same moment on a new shop). SQLite's write lock is taken at BEGIN already; PostgreSQL
    takes a transaction-level advisory lock."""
    if not isinstance(db, peewee.SqliteDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", ("olga-loyalty migrate",))


def migrate(
    clock: Clock, db: peewee.Database | None = None, *, up_to: int | None = None
) -> list[Migration]:
    """Apply every pending migration (up to version `up_to`), each in its own transaction.
    Returns what ran."""
    db = db or database.obj
    ran = []
    for migration in pending(db):
        if up_to is not None and migration.version > up_to:
            break
        with db.atomic():
            _one_at_a_time(db)
            if current_version(db) >= migration.version:
                continue  # another till starting on the same new shop applied it meanwhile
            migration.apply(db, clock)
            SchemaVersion.create(
                version=migration.version, name=migration.name, applied_at=clock.now()
            )
        ran.append(migration)
    return ran
