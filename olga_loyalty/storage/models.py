"""The tables. Money is whole cents, times are UTC, the ledger is append-only.

Search keys are stored at write time and indexed, so a look-up at the till is always
an index range scan, never a table scan:
- `last_key`/`first_key`: case- and accent-folded (`Müller` → `muller`),
- `last_key_de`/`first_key_de`: German transliteration (`Müller` → `mueller`),
- `phone_rev`: the national digits reversed ("ends with 5678" = prefix `8765`).

Beside each foreign key `customer` peewee adds the id `customer_id` (the plain number, no
query); it is declared as `customer_id: ClassVar[IntegerField[int]]` (an annotation only,
nothing at run time) so that mypy knows it: an int on a row, the column on the class.
"""

from __future__ import annotations

from typing import ClassVar

from peewee import (
    SQL,
    AutoField,
    CharField,
    DatabaseProxy,
    DateField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from olga_loyalty.storage.fields import MoneyField, UtcDateTimeField

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    name = CharField(max_length=200)
    applied_at = UtcDateTimeField()


class Setting(BaseModel):
    key = CharField(max_length=100, primary_key=True)
    value = TextField()  # JSON


class ConsentText(BaseModel):
    """The wording a customer agreed to. Never edited: a change is a new version."""

    id = AutoField()
    purpose = CharField(max_length=30)  # data_processing, email, sms
    version = IntegerField()
    text = TextField()
    created_at = UtcDateTimeField()

    class Meta:
        indexes = ((("purpose", "version"), True),)


class Customer(BaseModel):
    id = AutoField()
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    salutation = CharField(max_length=10, default="")
    phone = CharField(max_length=20, null=True, unique=True)  # E.164; NULL once erased
    email = CharField(max_length=254, null=True)
    email_key = CharField(max_length=254, null=True, unique=True)  # lower-cased, for uniqueness
    birthday = DateField(null=True)
    birthday_md = SmallIntegerField(null=True, index=True)  # month*100 + day, for the daily run
    notes = TextField(default="")
    language = CharField(max_length=5, default="de")
    referred_by = ForeignKeyField("self", null=True, backref="referrals", on_delete="SET NULL")
    referred_by_id: ClassVar[IntegerField[int | None]]
    registered_at = UtcDateTimeField()
    registered_by = CharField(max_length=80, default="")
    erased_at = UtcDateTimeField(null=True)
    first_key = CharField(max_length=100, default="", index=True)
    first_key_de = CharField(max_length=100, default="", index=True)
    last_key = CharField(max_length=100, default="", index=True)
    last_key_de = CharField(max_length=100, default="", index=True)
    phone_rev = CharField(max_length=20, default="", index=True)


class Consent(BaseModel):
    """One consent given; withdrawal fills withdrawn_* and nothing else is ever changed."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="consents", on_delete="CASCADE")
    customer_id: ClassVar[IntegerField[int]]
    purpose = CharField(max_length=30)
    given_at = UtcDateTimeField()
    method = CharField(max_length=20)
    text = ForeignKeyField(ConsentText, backref="consents")
    text_id: ClassVar[IntegerField[int]]
    text_version = IntegerField()
    recorded_by = CharField(max_length=80, default="")
    source = CharField(max_length=200, default="")
    withdrawn_at = UtcDateTimeField(null=True)
    withdrawn_method = CharField(max_length=20, null=True)
    withdrawn_by = CharField(max_length=80, null=True)
    withdrawn_source = CharField(max_length=200, null=True)

    class Meta:
        indexes = ((("customer", "purpose"), False),)


class CustomerChange(BaseModel):
    """The edit history: who changed which field when, old → new."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="changes", on_delete="CASCADE")
    customer_id: ClassVar[IntegerField[int]]
    field = CharField(max_length=40)
    old_value = TextField(default="")
    new_value = TextField(default="")
    changed_at = UtcDateTimeField()
    changed_by = CharField(max_length=80, default="")


class Purchase(BaseModel):
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="purchases")
    customer_id: ClassVar[IntegerField[int]]
    created_at = UtcDateTimeField()
    amount = MoneyField()
    redeemed_points = IntegerField(default=0)
    redeemed_value = MoneyField(default=0)
    paid = MoneyField()
    earned_points = IntegerField(default=0)
    tier = CharField(max_length=40)
    rate = CharField(max_length=12)
    staff = CharField(max_length=80, default="")

    class Meta:
        indexes = ((("customer", "created_at"), False), (("created_at",), False))


class Refund(BaseModel):
    id = AutoField()
    purchase = ForeignKeyField(Purchase, backref="refunds")
    purchase_id: ClassVar[IntegerField[int]]
    customer = ForeignKeyField(Customer, backref="refunds")
    customer_id: ClassVar[IntegerField[int]]
    created_at = UtcDateTimeField()
    amount = MoneyField()
    paid_back = MoneyField()  # the share of what was paid, before the shortfall is kept back
    take_back_due = IntegerField(default=0)
    taken_back = IntegerField(default=0)
    restored = IntegerField(default=0)
    shortfall_points = IntegerField(default=0)
    shortfall_value = MoneyField(default=0)
    cash_refund = MoneyField()
    staff = CharField(max_length=80, default="")

    class Meta:
        indexes = ((("customer", "created_at"), False),)


class Lot(BaseModel):
    """An award of points with its own expiry. `remaining` is what the ledger leaves in it."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="lots")
    customer_id: ClassVar[IntegerField[int]]
    kind = CharField(max_length=20)
    points = IntegerField()
    remaining = IntegerField()
    awarded_on = DateField()
    expires_on = DateField()
    purchase = ForeignKeyField(Purchase, null=True, backref="lots")
    purchase_id: ClassVar[IntegerField[int | None]]
    created_at = UtcDateTimeField()


class LedgerEntry(BaseModel):
    """Append-only: every change of points, signed, with the lot it touches."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="ledger")
    customer_id: ClassVar[IntegerField[int]]
    kind = CharField(max_length=20)
    points = IntegerField()
    lot = ForeignKeyField(Lot, null=True, backref="entries")
    lot_id: ClassVar[IntegerField[int | None]]
    purchase = ForeignKeyField(Purchase, null=True, backref="ledger")
    purchase_id: ClassVar[IntegerField[int | None]]
    refund = ForeignKeyField(Refund, null=True, backref="ledger")
    refund_id: ClassVar[IntegerField[int | None]]
    created_at = UtcDateTimeField()
    staff = CharField(max_length=80, default="")
    reason = TextField(default="")

    class Meta:
        table_name = "ledger_entry"
        indexes = ((("customer", "created_at"), False),)


class BirthdayBonus(BaseModel):
    """One birthday bonus per customer and year: the daily run's idempotence key."""

    customer = ForeignKeyField(Customer, backref="birthday_bonuses")
    customer_id: ClassVar[IntegerField[int]]
    year = IntegerField()
    lot = ForeignKeyField(Lot)
    lot_id: ClassVar[IntegerField[int]]

    class Meta:
        primary_key = False
        indexes = ((("customer", "year"), True),)


class Suppression(BaseModel):
    """Contacts that unsubscribed: kept only as a hash, so no import or export brings them back."""

    id = AutoField()
    kind = CharField(max_length=10)  # email or phone
    digest = CharField(max_length=64, unique=True)
    created_at = UtcDateTimeField()
    source = CharField(max_length=200, default="")


class AuditEntry(BaseModel):
    """Who did which protected action when (PIN-protected actions, backups, restores).
    An action about one customer names her number in `customer_id` (since the migration
    "shop secret, erasure journal, import origins"; migration 3 made the table without it),
    so her erasure can scrub what the detail says about her."""

    id = AutoField()
    at = UtcDateTimeField(index=True)
    staff = CharField(max_length=80, default="")
    action = CharField(max_length=40)
    detail = TextField(default="")
    customer_id = IntegerField(null=True, index=True)

    class Meta:
        table_name = "audit_log"


class Feedback(BaseModel):
    """What a customer said (praise, wish, complaint) or a call to make, with an optional
    follow-up date; done when the follow-up happened, with its outcome. A complaint can be
    answered with an apology bonus (an adjustment; its ledger entry is linked here)."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="feedback")
    customer_id: ClassVar[IntegerField[int]]
    kind = CharField(max_length=12)  # praise, wish, complaint, call
    note = TextField(default="")
    created_at = UtcDateTimeField()
    staff = CharField(max_length=80, default="")
    purchase = ForeignKeyField(Purchase, null=True)
    purchase_id: ClassVar[IntegerField[int | None]]
    follow_up_on = DateField(null=True)
    done_at = UtcDateTimeField(null=True)
    done_by = CharField(max_length=80, default="")
    outcome = TextField(default="")
    apology_entry = ForeignKeyField(LedgerEntry, null=True)
    apology_entry_id: ClassVar[IntegerField[int | None]]


class OutboxMail(BaseModel):
    """A reminder mail (SPEC §12), queued once per customer and occasion (`birthday:2026`,
    `expiring:2026-06-25`, `welcome`), then pending → sending → sent, or failed (the server
    refused it for good) or cancelled (no consent any more, erased, too late). `sending` is
    committed before the server gets the mail; a row left there by a crash is never sent
    again by itself. Erasure blanks address, subject, body and the server's answer."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="mails")
    customer_id: ClassVar[IntegerField[int]]
    kind = CharField(max_length=20)
    occasion = CharField(max_length=40)
    status = CharField(max_length=12, default="pending")
    language = CharField(max_length=5, default="de")
    address = CharField(max_length=254, default="")
    subject = TextField(default="")
    body = TextField(default="")
    queued_at = UtcDateTimeField()
    attempts = IntegerField(default=0)
    attempted_at = UtcDateTimeField(null=True)
    sent_at = UtcDateTimeField(null=True)
    reason = CharField(max_length=20, default="")  # why it was cancelled or failed, a code
    server_answer = TextField(default="")
    message_id = CharField(max_length=250, default="")

    class Meta:
        table_name = "outbox"
        indexes = ((("customer", "occasion"), True), (("status", "queued_at"), False))


class ImportRun(BaseModel):
    """An import on its way in (SPEC §7: all good rows or nothing, in short batches). Its rows
    are staged first, out of sight; `ready` is the moment the import is decided (with the
    PIN check and the audit entry); then the rows are moved into the shop in batches, and
    a till that finds a `ready` run left by a crash finishes it."""

    id = AutoField()
    kind = CharField(max_length=20)  # customers, unsubscribes
    file = CharField(max_length=200)
    staff = CharField(max_length=80, default="")
    created_at = UtcDateTimeField()
    # real clock, seconds: a staging run that stopped long ago is dropped (a double: a
    # PostgreSQL REAL holds today's epoch seconds only to 128 s)
    heartbeat = DoubleField()
    state = CharField(max_length=10)  # staging, ready
    counts = TextField(default="{}")  # JSON: what the batches did so far


class StagedRow(BaseModel):
    """One row of an import run, checked and waiting to be written (JSON)."""

    id = AutoField()
    run = ForeignKeyField(ImportRun, backref="rows", on_delete="CASCADE")
    run_id: ClassVar[IntegerField[int]]
    payload = TextField()

    class Meta:
        table_name = "import_stage"


class ErasureJournal(BaseModel):
    """One row per erased customer: her number, when, and keyed hashes (HMAC with the shop's
    secret) of her phone and email, never the values. A restore, a move and an import read
    it, so that no one erased comes back."""

    customer_number = IntegerField(primary_key=True)
    erased_at = UtcDateTimeField()
    phone_hash = CharField(max_length=64, null=True, index=True)
    email_hash = CharField(max_length=64, null=True, index=True)

    class Meta:
        table_name = "erasure_journal"


class ImportOrigin(BaseModel):
    """The phone and email an imported customer had in the file (keyed hashes), so that the
    same file imported again finds her even after her phone or email was edited."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="import_origins", on_delete="CASCADE")
    customer_id: ClassVar[IntegerField[int]]
    digest = CharField(max_length=64, index=True)
    source = CharField(max_length=200, default="")

    class Meta:
        table_name = "import_origin"


def _partial_indexes() -> None:
    # Only lots with points left matter for balances and the daily expiry run.
    Lot.add_index(
        Lot.index(Lot.customer, Lot.expires_on, name="lot_open_by_customer").where(
            SQL("remaining > 0")
        )
    )
    Lot.add_index(Lot.index(Lot.expires_on, name="lot_open_by_expiry").where(SQL("remaining > 0")))


_partial_indexes()

SCHEMA_V1 = [
    SchemaVersion,
    Setting,
    ConsentText,
    Customer,
    Consent,
    CustomerChange,
    Purchase,
    Refund,
    Lot,
    LedgerEntry,
    BirthdayBonus,
]
