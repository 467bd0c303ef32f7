"""Reminder mails (SPEC §12): what is due, the outbox that lets each occasion go out once,
and sending it through the shop's own mail account.

The outbox's states: a due reminder is queued as `pending` (unique per customer and
occasion, so any till, any time, either database, queues it once). Sending claims a row by
committing `sending` before the server gets the mail, then writes `sent` when the server
accepted it. No connection, or a refusal for now (4xx), returns it to `pending`; a refusal
for good (5xx) makes it `failed`. A row left in `sending` (the process died, the connection
broke after the mail was handed over) is never sent again by itself: the screen shows it as
"unknown — check the mail account". At the moment of sending the consent is read again: a
withdrawal (or erasure, or the suppression list) cancels the mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, NotFound, Refused
from olga_loyalty.domain.reminders import STATUS_LABELS
from olga_loyalty.domain.text import is_digits
from olga_loyalty.services.reminders_due import (
    CHUNK,
    ELIGIBLE,
    SENDING_STALE,
    Due,
    due,
    mail_settings,
    reminder_settings,
    save_mail_settings,
    save_reminder_settings,
    set_setting,
    settings_view,
    shop_label,
)
from olga_loyalty.services.reminders_outbox import (
    HISTORY_ORDER,
    Counts,
    MailItem,
    QueueResult,
    counts,
    history,
    pending_count,
    queue_due,
    status_of,
)
from olga_loyalty.services.reminders_send import SendReport, preview, send, send_test
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import write_action
from olga_loyalty.storage.models import OutboxMail

#: The public face of reminder mails, as before issue 18 split it into reminders_due (settings,
#: what is due, the texts), reminders_outbox (queueing, the outbox shown) and reminders_send.
__all__ = [
    "CHUNK",
    "ELIGIBLE",
    "HISTORY_ORDER",
    "SENDING_STALE",
    "Counts",
    "DailyReminders",
    "Due",
    "MailItem",
    "QueueResult",
    "SendReport",
    "after_daily",
    "counts",
    "due",
    "history",
    "mail_settings",
    "mails_of",
    "mark_sent",
    "preview",
    "queue_due",
    "reminder_settings",
    "retry",
    "save_mail_settings",
    "save_reminder_settings",
    "send",
    "send_test",
    "set_setting",
    "settings_view",
    "shop_label",
]


# -- the daily run ---------------------------------------------------------------------


@dataclass(frozen=True)
class DailyReminders:
    """What the daily run did with reminders; it never fails the daily run."""

    queued: int = 0
    pending: int = 0
    configured: bool = True
    automatic: bool = False
    report: SendReport | None = None
    error: LoyaltyError | None = None


def after_daily(shop: Shop, *, should_stop: Callable[[], bool] | None = None) -> DailyReminders:
    """Queue what is due (one step after the daily run); when automatic sending is on, send
    the queue. Any problem is returned, never raised: the daily run has done its work."""
    try:
        account, settings = mail_settings(), reminder_settings()
        if not account.configured:
            return DailyReminders(configured=False)
        queued = queue_due(shop)
        if not settings.send:
            return DailyReminders(queued.queued, queued.pending)
        report = send(shop, should_stop=should_stop)
        return DailyReminders(
            queued.queued, report.pending, automatic=True, report=report, error=report.error
        )
    except LoyaltyError as error:
        return DailyReminders(error=error, pending=_safe_pending())


def _safe_pending() -> int:
    try:
        return pending_count("pending")
    except Exception:  # the database itself is the problem; the count is not worth a crash
        return 0


# -- the owner's actions on one row -----------------------------------------------------


def _row(row_id: int | str) -> OutboxMail:
    text = str(row_id).strip().lstrip("#")
    if not is_digits(text) or len(text) > 12:
        raise InvalidInput("'{ref}' is not a mail number.", field="mail", ref=str(row_id)[:40])
    row = OutboxMail.get_or_none(OutboxMail.id == int(text))
    if row is None:
        raise NotFound("There is no mail #{id}.", field="mail", id=text)
    return row


@write_action
def retry(shop: Shop, row_id: int | str) -> OutboxMail:
    """Send a refused mail, or one whose fate is unknown, again with the next send (the
    owner has checked the mail account)."""
    row = _row(row_id)
    if status_of(row, shop.now()) not in ("failed", "unknown"):
        raise Refused(
            "Only a refused mail or one whose fate is unknown can be sent again; mail #{id} is "
            "{status}.",
            id=row.id,
            status=STATUS_LABELS[status_of(row, shop.now())],
        )
    OutboxMail.update(status="pending", reason="").where(OutboxMail.id == row.id).execute()
    return OutboxMail.get_by_id(row.id)


@write_action
def mark_sent(shop: Shop, row_id: int | str) -> OutboxMail:
    """The owner found a mail whose fate was unknown in the account's sent folder."""
    row = _row(row_id)
    if status_of(row, shop.now()) != "unknown":
        raise Refused(
            "Only a mail whose fate is unknown can be marked as sent; mail #{id} is {status}.",
            id=row.id,
            status=STATUS_LABELS[status_of(row, shop.now())],
        )
    OutboxMail.update(status="sent", sent_at=row.attempted_at).where(
        OutboxMail.id == row.id
    ).execute()
    return OutboxMail.get_by_id(row.id)


# -- GDPR --------------------------------------------------------------------------------


def mails_of(customer_id: int) -> list[OutboxMail]:
    """Every reminder mail of hers, oldest first (the access export's sheet, Art. 15)."""
    return list(
        OutboxMail.select()
        .where(OutboxMail.customer == customer_id)
        .order_by(OutboxMail.queued_at, OutboxMail.id)
    )
