"""Reminder mails (SPEC §12): the outbox. What is due is queued once per customer and
occasion (`pending`); the outbox as the screen and the command line show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from peewee import fn

from olga_loyalty.services.reminders_due import (
    CHUNK,
    SENDING_STALE,
    due,
    mail_settings,
    reminder_settings,
    rendered,
)
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import write_action
from olga_loyalty.storage.models import Customer, OutboxMail

# -- queueing --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueResult:
    queued: int
    pending: int


def queue_due(shop: Shop) -> QueueResult:
    """Write what is due into the outbox as `pending`; an occasion already there (queued by
    this or another till, in any state) is left alone. Nothing is queued before mail is set
    up, so a shop that never sets it up never collects a backlog. What is due is found
    before the write transaction, which then only inserts (the unique key settles a race)."""
    shop.refresh()  # the programme's values in the mails as they are now
    account, settings = mail_settings(), reminder_settings()
    if not account.configured:
        return QueueResult(0, pending_count("pending"))
    now = shop.now()
    rows = []
    for d, language, text in rendered(shop, account, settings, due(shop, settings)):
        rows.append(
            {
                "customer": d.customer_id,
                "kind": d.kind,
                "occasion": d.occasion,
                "status": "pending",
                "language": language,
                "address": d.address,
                "subject": text.subject,
                "body": text.body,
                "queued_at": now,
            }
        )
    _insert(rows)
    return QueueResult(len(rows), pending_count("pending"))


@write_action
def _insert(rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        OutboxMail.insert_many(rows[start : start + CHUNK]).on_conflict_ignore().execute()


def pending_count(status: str) -> int:
    return OutboxMail.select().where(OutboxMail.status == status).count()


# -- the outbox as the screen and the command line show it ---------------------------


@dataclass(frozen=True)
class MailItem:
    id: int | None  # None: due, not queued yet
    customer_id: int
    kind: str
    occasion: str
    status: str  # due, pending, sending, unknown, sent, failed, cancelled
    language: str
    address: str
    name: str
    subject: str
    body: str
    queued_at: datetime | None = None
    attempted_at: datetime | None = None
    sent_at: datetime | None = None
    reason: str = ""
    server_answer: str = ""


def status_of(row: OutboxMail, now: datetime) -> str:
    if row.status == "sending" and (
        row.attempted_at is None or now - row.attempted_at > SENDING_STALE
    ):
        return "unknown"
    return row.status


def _items(shop: Shop, query) -> list[MailItem]:
    rows = list(query)
    names = {
        c.id: f"{c.first_name} {c.last_name}".strip()
        for c in Customer.select(Customer.id, Customer.first_name, Customer.last_name).where(
            Customer.id.in_(sorted({r.customer_id for r in rows}) or [0])
        )
    }
    now = shop.now()
    return [
        MailItem(
            r.id,
            r.customer_id,
            r.kind,
            r.occasion,
            status_of(r, now),
            r.language,
            r.address,
            names.get(r.customer_id, ""),
            r.subject,
            r.body,
            r.queued_at,
            r.attempted_at,
            r.sent_at,
            r.reason,
            r.server_answer,
        )
        for r in rows
    ]


def preview(shop: Shop) -> list[MailItem]:
    """What the next send would send: the waiting rows of the outbox, then what is due
    today and not queued yet (as it would be written)."""
    account, settings = mail_settings(), reminder_settings()
    waiting = _items(
        shop,
        OutboxMail.select()
        .where(OutboxMail.status == "pending")
        .order_by(OutboxMail.queued_at, OutboxMail.id),
    )
    for d, language, text in rendered(shop, account, settings, due(shop, settings)):
        waiting.append(
            MailItem(
                None,
                d.customer_id,
                d.kind,
                d.occasion,
                "due",
                language,
                d.address,
                f"{d.first_name} {d.last_name}".strip(),
                text.subject,
                text.body,
            )
        )
    return waiting


HISTORY_ORDER = {"sending": 0, "pending": 1, "failed": 2, "sent": 3, "cancelled": 4}


def history(shop: Shop, limit: int = 200, status: str | None = None) -> list[MailItem]:
    """The outbox, newest first (the screen's list, `reminders list`)."""
    query = OutboxMail.select().order_by(OutboxMail.queued_at.desc(), OutboxMail.id.desc())
    if status == "unknown":
        query = query.where(OutboxMail.status == "sending")
    elif status:
        query = query.where(OutboxMail.status == status)
    items = _items(shop, query.limit(limit))
    if status == "unknown":
        items = [i for i in items if i.status == "unknown"]
    return items


@dataclass(frozen=True)
class Counts:
    pending: int
    unknown: int
    failed: int
    sent: int


def counts(shop: Shop) -> Counts:
    query = (
        OutboxMail.select(OutboxMail.status, fn.COUNT(OutboxMail.id))
        .group_by(OutboxMail.status)
        .tuples()
    )
    # peewee's stubs type the rows of `.tuples()` as models; they are (status, count)
    rows = dict(cast("list[tuple[str, int]]", list(query)))
    stale = shop.now() - SENDING_STALE
    unknown = (
        OutboxMail.select()
        .where(
            (OutboxMail.status == "sending")
            & (OutboxMail.attempted_at.is_null() | (OutboxMail.attempted_at < stale))
        )
        .count()
    )
    return Counts(rows.get("pending", 0), unknown, rows.get("failed", 0), rows.get("sent", 0))
