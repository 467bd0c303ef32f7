"""Erasure that stays erased (GDPR Art. 17, SPEC §4).

The customers service replaces her fields; this module does the rest, in the same
transaction: every free text about her is scrubbed (audit details, ledger reasons of
adjustments and apology bonuses, import origins), and a row goes into the erasure journal:
her number, the time, and keyed hashes of her phone and email. A keyed hash is
HMAC-SHA256 with the shop's own secret (setting `shop_secret`, made by the migration
"shop secret, erasure journal, import origins"), so nobody without the database can
confirm a guess ("was anna@example.com a customer?").

The journal keeps her erased:
- `restore` reads the live database's journal before it replaces the file, and after the
  restore merges it with the restored one and erases again everyone on it; it carries the
  other things a customer asked for that an older backup would undo the same way: consent
  withdrawals, the suppression list, and the reminder mails sent (or being sent), so that
  none of them is queued or sent again;
- `move-to` copies it with every other table;
- an import skips a row whose phone or email hash is on it, and says so.

After the transaction, `checkpoint` folds the write-ahead log into the database file and
truncates it: with `secure_delete` the old pages are overwritten, so no byte of her stays in
the .db or the -wal file, even while another till keeps a connection open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from olga_loyalty.files import FILE_MODE
from olga_loyalty.storage import ledger, migrations
from olga_loyalty.storage.db import after_commit, fetch_rows, is_sqlite, write_action
from olga_loyalty.storage.models import (
    AuditEntry,
    Consent,
    Customer,
    CustomerChange,
    ErasureJournal,
    Feedback,
    ImportOrigin,
    LedgerEntry,
    OutboxMail,
    Setting,
    Suppression,
    database,
)

SECRET_KEY = "shop_secret"
#: Ledger entries whose reason a person typed (an adjustment, an apology bonus with the
#: complaint in it). The program's own reasons ("welcome bonus", "refund of purchase #12")
#: say nothing about her and stay for the books.
TYPED_REASON_KINDS = ("adjust",)


# -- the shop's secret and keyed hashes --------------------------------------------------


def new_secret() -> str:
    return secrets.token_hex(32)


def shop_secret() -> bytes:
    """The shop's secret, read once per open database (it never changes)."""
    db = database.obj
    cached = getattr(db, "_olga_shop_secret", None)
    if cached is None:
        row = Setting.get_or_none(Setting.key == SECRET_KEY)
        if row is None:  # an older database is migrated before any use
            raise LookupError("the shop has no secret yet")
        cached = bytes.fromhex(json.loads(row.value))
        db._olga_shop_secret = cached
    return cached


def forget_secret() -> None:
    """After a restore: read the secret again."""
    if database.obj is not None and hasattr(database.obj, "_olga_shop_secret"):
        del database.obj._olga_shop_secret


def plain_digest(kind: str, value: str) -> str:
    """The unkeyed hash the suppression list used before the erasure journal's migration."""
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


def rekey(secret: bytes, old_digest: str) -> str:
    return hmac.new(secret, old_digest.encode(), hashlib.sha256).hexdigest()


def keyed_digest(kind: str, value: str, secret: bytes | None = None) -> str:
    """HMAC-SHA256(shop secret, SHA-256 of `kind:value`) of a normalised email or E.164
    phone: what the suppression list, the journal and the import origins keep."""
    return rekey(secret or shop_secret(), plain_digest(kind, value))


# -- erasing -------------------------------------------------------------------------------


def erase_customer(shop, customer: Customer, staff: str, erased_at: datetime | None = None) -> None:
    """Inside the caller's transaction (services/customers.erase, a withdrawal of consent to
    data processing, the restore erasing again): her open points are forfeited, her personal
    data replaced for good (amounts stay for the books), free texts scrubbed, the journal
    written; after the commit the write-ahead log is checkpointed. `staff` as cleaned."""
    now, today = shop.now(), shop.today()
    open_points = ledger.balance(customer.id, today)
    if open_points:
        ledger.take(
            customer.id,
            open_points,
            "forfeit",
            today=today,
            now=now,
            staff=staff,
            reason="erasure",
        )
    label = f"Erased #{customer.id}"
    Customer.update(
        first_name=label,
        last_name="",
        salutation="",
        phone=None,
        email=None,
        email_key=None,
        birthday=None,
        birthday_md=None,
        notes="",
        first_key="",
        first_key_de="",
        last_key="",
        last_key_de="",
        phone_rev="",
        erased_at=erased_at or now,
    ).where(Customer.id == customer.id).execute()
    CustomerChange.update(old_value="", new_value="").where(
        CustomerChange.customer == customer.id
    ).execute()
    Consent.update(source="", withdrawn_source="").where(Consent.customer == customer.id).execute()
    Feedback.update(note="", outcome="").where(Feedback.customer == customer.id).execute()
    forget_mails(customer.id)
    scrub_and_journal(customer, erased_at or now)
    after_commit(checkpoint)


def reerase(shop, customer: Customer, erased_at: datetime) -> None:
    """Erase again a customer the erasure journal names (after a restore brought her back)."""
    erase_customer(shop, customer, "", erased_at=erased_at)


def forget_mails(customer_id: int) -> None:
    """Erasure (Art. 17): the outbox keeps kind, occasion, state and times (so nothing is
    sent twice), never her address, the texts or the server's answers. Runs inside the
    erasure's transaction."""
    OutboxMail.update(status="cancelled", reason="erased").where(
        (OutboxMail.customer == customer_id) & (OutboxMail.status == "pending")
    ).execute()
    OutboxMail.update(address="", subject="", body="", server_answer="", message_id="").where(
        OutboxMail.customer == customer_id
    ).execute()


def scrub_and_journal(customer: Customer, erased_at: datetime) -> None:
    """Inside the erasure's transaction, with `customer` as read before her fields were
    emptied: scrub every free text about her and write her journal row."""
    cid = customer.id
    LedgerEntry.update(reason="").where(
        (LedgerEntry.customer == cid) & LedgerEntry.kind.in_(TYPED_REASON_KINDS)
    ).execute()
    scrub_audit(cid)
    ImportOrigin.delete().where(ImportOrigin.customer == cid).execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
    journal(
        cid,
        erased_at,
        keyed_digest("phone", customer.phone) if customer.phone else None,
        keyed_digest("email", customer.email) if customer.email else None,
    )


def scrub_audit(customer_id: int) -> None:
    """The audit log keeps that something was done to customer #N, not what was said."""
    AuditEntry.update(detail=f"customer #{customer_id}").where(
        AuditEntry.customer_id == customer_id
    ).execute()


def journal(
    customer_id: int, erased_at: datetime, phone_hash: str | None, email_hash: str | None
) -> None:
    existing = ErasureJournal.get_or_none(ErasureJournal.customer_number == customer_id)
    if existing is None:
        ErasureJournal.create(
            customer_number=customer_id,
            erased_at=erased_at,
            phone_hash=phone_hash,
            email_hash=email_hash,
        )
    elif (phone_hash and not existing.phone_hash) or (email_hash and not existing.email_hash):
        ErasureJournal.update(
            phone_hash=existing.phone_hash or phone_hash,
            email_hash=existing.email_hash or email_hash,
        ).where(ErasureJournal.customer_number == customer_id).execute()


def erased_hashes() -> set[str]:
    """Every phone and email hash on the journal (an import checks each row against it)."""
    found: set[str] = set()
    for phone_hash, email_hash in fetch_rows("SELECT phone_hash, email_hash FROM erasure_journal"):
        found.update(h for h in (phone_hash, email_hash) if h)
    return found


def checkpoint() -> bool:
    """Fold the write-ahead log into the file and truncate it (SQLite). With secure_delete
    the erased values were overwritten in the pages; this takes the old page images out of
    the -wal file too. True when it completed (a reader in the middle of a transaction on
    another till can hold it up; the next checkpoint then finishes the job)."""
    if not is_sqlite():
        return True  # PostgreSQL: the server's (auto)vacuum removes old row versions
    busy, _, _ = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


# -- restore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarriedJournal:
    """What a restore of this shop's backup must not lose: the live database's secret and
    journal, and what customers asked for or were sent, which an older backup would undo:
    consent withdrawals (customer, purpose, when, method, by whom, source), the suppression
    list (kind, keyed digest, when, source) and the reminder mails sent or being sent (their
    customer, occasion, state and times: `_mail_columns`)."""

    secret: str | None
    entries: list[tuple[int, datetime, str | None, str | None]]
    withdrawals: list[tuple[int, str, datetime, str | None, str | None, str | None]] = field(
        default_factory=list
    )
    suppressions: list[tuple[str, str, datetime | None, str]] = field(default_factory=list)
    mails: list[dict] = field(default_factory=list)


#: The reminder mails a restore keeps: sent, or handed to the server when the backup was
#: replaced (`sending` is never sent again by itself; see OutboxMail).
CARRIED_MAIL_STATES = ("sent", "sending")
_MAIL_TIMES = ("queued_at", "attempted_at", "sent_at")


def journal_before_restore() -> CarriedJournal:
    """Read the live database's secret and journal, before its file is replaced. They are
    also kept in a file next to the database until `reapply_after_restore` is done, so that
    a crash between the two (a power cut) is finished by the next start (`resume`)."""
    row = Setting.get_or_none(Setting.key == SECRET_KEY)
    secret = json.loads(row.value) if row else None
    entries = [
        (e.customer_number, e.erased_at, e.phone_hash, e.email_hash)
        for e in ErasureJournal.select().order_by(ErasureJournal.customer_number)
    ]
    withdrawals = [
        (
            c.customer_id,
            c.purpose,
            c.withdrawn_at,
            c.withdrawn_method,
            c.withdrawn_by,
            c.withdrawn_source,
        )
        for c in Consent.select()
        .where(Consent.withdrawn_at.is_null(False) & (Consent.purpose != "data_processing"))
        .order_by(Consent.id)
    ]
    suppressions = [
        (s.kind, s.digest, s.created_at, s.source)
        for s in Suppression.select().order_by(Suppression.id)
    ]
    mails = [
        {name: m.__data__.get(name) for name in _mail_columns()}
        for m in OutboxMail.select()
        .where(OutboxMail.status.in_(CARRIED_MAIL_STATES))
        .order_by(OutboxMail.id)
    ]
    carried = CarriedJournal(secret, entries, withdrawals, suppressions, mails)
    _save_carried(carried)
    return carried


def _mail_columns() -> tuple[str, ...]:
    """What a restore carries of a mail: no address, subject, body or server answer (the
    carry file beside the database holds numbers, times and hashes, nothing about her)."""
    return (
        "customer",
        "kind",
        "occasion",
        "status",
        "language",
        "queued_at",
        "attempts",
        "attempted_at",
        "sent_at",
        "reason",
        "message_id",
    )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _carry_file() -> Path | None:
    """`loyalty.db.restore-journal` beside a SQLite database (PostgreSQL has no restore)."""
    if not is_sqlite():
        return None
    path = Path(database.obj.database)
    return path.with_name(path.name + ".restore-journal")


def _save_carried(carried: CarriedJournal) -> None:
    target = _carry_file()
    if target is None:
        return
    data = {
        "secret": carried.secret,
        "entries": [[n, at.isoformat(), p, e] for n, at, p, e in carried.entries],
        "withdrawals": [
            [cid, purpose, _iso(at), *rest] for cid, purpose, at, *rest in carried.withdrawals
        ],
        "suppressions": [[k, d, _iso(at), src] for k, d, at, src in carried.suppressions],
        "mails": [
            {k: _iso(v) if k in _MAIL_TIMES else v for k, v in m.items()} for m in carried.mails
        ],
    }
    temporary = target.with_name(target.name + ".new")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def resume(shop) -> list[int]:
    """At start: a restore that stopped between replacing the file and re-applying the
    journal (the file beside the database is still there) is finished now."""
    target = _carry_file()
    if target is None or not target.exists():
        return []
    data = json.loads(target.read_text("utf-8"))
    carried = CarriedJournal(
        data.get("secret"),
        [(n, datetime.fromisoformat(at), p, e) for n, at, p, e in data.get("entries", [])],
        [
            (cid, purpose, _when(at), *rest)
            for cid, purpose, at, *rest in data.get("withdrawals", [])
        ],
        [(k, d, _when(at), src) for k, d, at, src in data.get("suppressions", [])],
        [
            {k: _when(v) if k in _MAIL_TIMES else v for k, v in m.items()}
            for m in data.get("mails", [])
        ],
    )
    return reapply_after_restore(shop, carried)


def reapply_after_restore(shop, carried: CarriedJournal) -> list[int]:
    """After the file was replaced: the restored database keeps the shop's secret (a backup
    from before the erasure journal's migration gets it before it is migrated), the two
    journals are merged, and every customer on the merged journal who is not erased in the
    restored data is erased again. Returns their numbers. Only for a backup of this shop
    (services/safety.restore): in another shop's data the numbers name other people."""
    forget_secret()

    @write_action
    def seed_secret() -> None:
        if carried.secret and Setting.get_or_none(Setting.key == SECRET_KEY) is None:
            Setting.create(key=SECRET_KEY, value=json.dumps(carried.secret))

    seed_secret()
    migrations.migrate(shop.clock)
    forget_secret()

    @write_action
    def merge_and_erase() -> list[int]:
        for number, erased_at, phone_hash, email_hash in carried.entries:
            journal(number, erased_at, phone_hash, email_hash)
        carry_over(carried)
        again = []
        for entry in ErasureJournal.select().order_by(ErasureJournal.customer_number):
            customer = Customer.get_or_none(Customer.id == entry.customer_number)
            if customer is not None and customer.erased_at is None:
                reerase(shop, customer, entry.erased_at)
                AuditEntry.create(
                    at=shop.now(),
                    action="erase",
                    detail=f"customer #{customer.id} (again, after the restore)",
                    customer_id=customer.id,
                )
                again.append(customer.id)
        return again

    again = merge_and_erase()
    checkpoint()
    target = _carry_file()
    if target is not None:
        target.unlink(missing_ok=True)
    return again


def carry_over(carried: CarriedJournal) -> None:
    """Inside the restore's merge (before anyone is erased again): what customers asked for
    and were sent after the backup was made stays done.
    - A withdrawal withdraws every record of that customer and purpose given before it that
      the restored data holds active (one given later stays: it was given anew).
    - The suppression list is the union of both: nobody who unsubscribed is mailed again.
    - A mail sent or being sent is marked so in the restored outbox (queued there while it
      was still pending) or added to it without its text (queued after the backup), so the
      unique key keeps that occasion from being queued or sent again. For a customer the restored data does
      not hold (registered after the backup) there is nothing to mail and nothing is added."""
    for cid, purpose, at, method, by, source in carried.withdrawals:
        Consent.update(
            withdrawn_at=at, withdrawn_method=method, withdrawn_by=by, withdrawn_source=source
        ).where(
            (Consent.customer == cid)
            & (Consent.purpose == purpose)
            & Consent.withdrawn_at.is_null()
            & (Consent.given_at <= at)
        ).execute()
    for kind, digest, created, source in carried.suppressions:
        Suppression.insert(
            kind=kind, digest=digest, created_at=created, source=source
        ).on_conflict_ignore().execute()
    # peewee's stubs type the rows of `.tuples()` as models; they are tuples
    known = {
        cid for (cid,) in cast("list[tuple[int]]", list(Customer.select(Customer.id).tuples()))
    }
    for mail in carried.mails:
        if mail["customer"] not in known:
            continue
        updated = (
            OutboxMail.update(**{k: v for k, v in mail.items() if k != "customer"})
            .where(
                (OutboxMail.customer == mail["customer"])
                & (OutboxMail.occasion == mail["occasion"])
            )
            .execute()
        )
        if not updated:
            OutboxMail.insert(**mail).execute()
