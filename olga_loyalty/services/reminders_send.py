"""Reminder mails (SPEC §12): sending the outbox through the shop's own mail account, one
row claimed (`sending` committed) before the server gets it, settled after."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import cast

from peewee import fn

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.reminders import MailSettings, ReminderSettings, Rendered, render
from olga_loyalty.services.reminders_due import (
    is_suppressed,
    mail_language,
    mail_settings,
    mail_values,
    reminder_settings,
    shop_label,
    suppressed_digests,
    tier_names,
)
from olga_loyalty.services.reminders_outbox import MailItem, counts, queue_due
from olga_loyalty.services.reminders_outbox import preview as outbox_preview
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import fetch_rows, write_action
from olga_loyalty.storage.models import BirthdayBonus, Customer, Lot, OutboxMail

# -- sending ---------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one send did: `sent`, `failed` (refused for good), `cancelled` (consent gone,
    too late), and what is left `pending` (and `unknown`) afterwards; `error` says in words
    why sending stopped early (the server cannot be reached, refused the login...)."""

    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    pending: int = 0
    unknown: int = 0
    queued: int = 0
    error: LoyaltyError | None = None
    dry_run: bool = False
    would_send: list[MailItem] = field(default_factory=list)


@dataclass(frozen=True)
class _Claim:
    row_id: int
    message: object  # email.message.EmailMessage


def _blocked(customer: Customer | None, suppressed: set[str]) -> str:
    """Why a mail may not go to this customer now (empty: it may)."""
    if customer is None or customer.erased_at is not None:
        return "erased"
    if not customer.email:
        return "no_email"
    active = fetch_rows(
        "SELECT 1 FROM consent WHERE customer_id = ? AND purpose = 'email' "
        "AND withdrawn_at IS NULL",
        (customer.id,),
    )
    if not active:
        return "no_consent"
    if is_suppressed(customer.email, suppressed):
        return "suppressed"
    return ""


def _facts(row: OutboxMail, today: date) -> tuple[int, date] | str:
    """The points and the date the mail names, read again at sending, or why it is moot."""
    if row.kind == "birthday":
        year = int(row.occasion.partition(":")[2])
        lot = (
            Lot.select()
            .join(BirthdayBonus, on=(BirthdayBonus.lot == Lot.id))
            .where((BirthdayBonus.customer == row.customer_id) & (BirthdayBonus.year == year))
            .first()
        )
        if lot is None:
            return "nothing_left"
        return (lot.points, lot.expires_on) if lot.expires_on >= today else "too_late"
    if row.kind == "expiring":
        day = date.fromisoformat(row.occasion.partition(":")[2])
        if day < today:
            return "too_late"
        points = (
            Lot.select(fn.SUM(Lot.remaining))
            .where(
                (Lot.customer == row.customer_id) & (Lot.remaining > 0) & (Lot.expires_on == day)
            )
            .scalar()
        )
        return (int(points), day) if points else "nothing_left"
    lot = Lot.select().where((Lot.customer == row.customer_id) & (Lot.kind == "welcome")).first()
    if lot is None:
        return "nothing_left"
    return (lot.points, lot.expires_on) if lot.expires_on >= today else "too_late"


def _as_sent(
    shop: Shop,
    row: OutboxMail,
    account: MailSettings,
    settings: ReminderSettings,
    suppressed: set[str],
) -> tuple[Customer, str, str, Rendered] | str:
    """A waiting mail as it would be sent now: to whom (her, her address), in which
    language, with the text written from today's facts (her points and name, the shop's
    name and texts as they are now), or why it would be cancelled (consent gone, too late,
    switched off...)."""
    customer = Customer.get_or_none(Customer.id == row.customer_id)
    reason = _blocked(customer, suppressed)
    if not reason and not settings.enabled(row.kind):
        reason = "switched_off"
    facts = reason or _facts(row, shop.today())  # the points and date, or why not
    if isinstance(facts, str) or customer is None or not customer.email:
        # (not blocked means she is there with an address: the last two only narrow types)
        return facts if isinstance(facts, str) else "erased"
    points, expires_on = facts
    language = mail_language(customer.language, shop)
    tier = tier_names(shop, [customer.id]).get(customer.id, "")
    text = render(
        settings,
        row.kind,
        language,
        mail_values(shop, account, language, customer.first_name, points, expires_on, tier),
    )
    return customer, customer.email, language, text


def preview(shop: Shop) -> list[MailItem]:
    """What the next send would send (`reminders preview`, the reminder screen, a dry run):
    the waiting mails as they would be written now, then what is due today and not queued
    yet. A waiting mail's text is written again when it is sent (the shop's name or her
    points may have changed since it was queued), so the preview writes it again too; one
    that would be cancelled is shown as it was queued."""
    account, settings = mail_settings(), reminder_settings()
    suppressed = suppressed_digests()
    items = outbox_preview(shop)
    for index, item in enumerate(items):
        row = OutboxMail.get_or_none(OutboxMail.id == item.id) if item.id is not None else None
        as_sent = None if row is None else _as_sent(shop, row, account, settings, suppressed)
        if as_sent is not None and not isinstance(as_sent, str):
            _, address, language, text = as_sent
            items[index] = replace(
                item,
                language=language,
                address=address,
                subject=text.subject,
                body=text.body,
            )
    return items


@write_action
def _claim(shop: Shop, row_id: int, account: MailSettings, settings: ReminderSettings):
    """Commit `sending` for one pending row (re-checking consent and facts first), or cancel
    it. Returns a _Claim, "cancelled", or None when another till took it."""
    # Start-up speed: the mail service (smtplib, ssl, keyring) loads when mail is sent.
    from olga_loyalty.services import mail

    row = OutboxMail.get_or_none((OutboxMail.id == row_id) & (OutboxMail.status == "pending"))
    if row is None:
        return None
    guard = (OutboxMail.id == row_id) & (OutboxMail.status == "pending")
    as_sent = _as_sent(shop, row, account, settings, suppressed_digests())
    if isinstance(as_sent, str):
        OutboxMail.update(status="cancelled", reason=as_sent).where(guard).execute()
        return "cancelled"
    customer, address, language, text = as_sent
    now = shop.now()
    message = mail.build_message(
        account,
        to_address=address,
        to_name=f"{customer.first_name} {customer.last_name}".strip(),
        subject=text.subject,
        body=text.body,
        language=language,
        now=now,
    )
    taken = (
        OutboxMail.update(
            status="sending",
            attempts=OutboxMail.attempts + 1,
            attempted_at=now,
            language=language,
            address=address,
            subject=text.subject,
            body=text.body,
            message_id=str(message["Message-ID"]),
            reason="",
        )
        .where(guard)
        .execute()
    )
    return _Claim(row_id, message) if taken else None


@write_action
def _settle(shop: Shop, row_id: int, outcome: str, answer: str) -> None:
    guard = (OutboxMail.id == row_id) & (OutboxMail.status == "sending")
    if outcome == "sent":
        OutboxMail.update(status="sent", sent_at=shop.now(), server_answer=answer).where(
            guard
        ).execute()
    elif outcome == "failed":
        OutboxMail.update(status="failed", reason="refused", server_answer=answer).where(
            guard
        ).execute()
    elif outcome in ("pending", "lost"):
        OutboxMail.update(status="pending", server_answer=answer).where(guard).execute()
    # "unknown": left in `sending`, never sent again by itself


def _pending_ids() -> list[int]:
    query = (
        OutboxMail.select(OutboxMail.id)
        .where(OutboxMail.status == "pending")
        .order_by(OutboxMail.queued_at, OutboxMail.id)
        .tuples()
    )
    # peewee's stubs type the rows of `.tuples()` as models; they are tuples
    return [row_id for (row_id,) in cast("list[tuple[int]]", list(query))]


def _wait(seconds: float, should_stop: Callable[[], bool]) -> bool:
    """Sleep for the rate limit; False when asked to stop meanwhile."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if should_stop():
            return False
        time.sleep(min(left, 0.1))
    return not should_stop()


def send(
    shop: Shop,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Queue what is due, then send the waiting mails, at most `mail.rate_per_minute`.
    Stops at the first problem with the server itself (it cannot be reached, refuses the
    login or the sender): everything not sent stays pending for the next send. `dry_run`
    only says what would be sent and writes nothing."""
    # Start-up speed: the mail service (smtplib, ssl, keyring) loads when mail is sent.
    from olga_loyalty.services import mail

    should_stop = should_stop or (lambda: False)
    account, settings = mail_settings(), reminder_settings()
    if dry_run:
        items = preview(shop)
        return SendReport(pending=len(items), dry_run=True, would_send=items)
    report = SendReport()
    secret = mail.check_ready(account)
    report.queued = queue_due(shop).queued
    interval = 60.0 / max(account.rate_per_minute, 1)
    last_start: float | None = None
    connection = None
    try:
        for row_id in _pending_ids():
            if should_stop():
                break
            if connection is None:
                connection = mail.connect(account, secret)
            claim = _claim(shop, row_id, account, settings)
            if claim == "cancelled":
                report.cancelled += 1
                continue
            if claim is None:
                continue
            if last_start is not None and not _wait(
                last_start + interval - time.monotonic(), should_stop
            ):
                _settle(shop, row_id, "pending", "")
                break
            last_start = time.monotonic()
            delivery = mail.deliver(connection, claim.message, account)
            _settle(shop, row_id, delivery.outcome, delivery.answer)
            if delivery.outcome == "sent":
                report.sent += 1
            elif delivery.outcome == "failed":
                report.failed += 1
            if delivery.error is not None:
                report.error = delivery.error
                break
    except LoyaltyError as error:  # the server (or the database) said no: stop, lose nothing
        report.error = error
    finally:
        if connection is not None:
            mail.close(connection)
    left = counts(shop)
    report.pending, report.unknown = left.pending, left.unknown
    return report


def send_test(shop: Shop, address: str) -> str:
    """A test mail to `address` with the current settings; the server's answer."""
    # Start-up speed: the mail service (smtplib, ssl, keyring) loads when mail is sent.
    from olga_loyalty.services import mail

    account = mail_settings()
    return mail.send_test(
        account,
        address,
        shop_name=shop_label(shop, account),
        language=shop.settings.language,
        now=shop.now(),
    )
