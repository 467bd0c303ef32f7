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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import fn

from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, NotFound, Refused
from olga_loyalty.domain.reminders import (
    BIRTHDAY_CATCH_UP_DAYS,
    KINDS,
    STATUS_LABELS,
    MailSettings,
    ReminderSettings,
    address_of,
    change_mail,
    change_reminders,
    name_of,
    occasion_key,
    render,
)
from olga_loyalty.services.shop import Shop, read_setting, write_setting
from olga_loyalty.storage.db import fetch_rows, placeholders, write_action
from olga_loyalty.storage.models import BirthdayBonus, Customer, LedgerEntry, Lot, OutboxMail

#: A row in `sending` for longer than this was left by a crash or a broken connection.
SENDING_STALE = timedelta(minutes=2)
CHUNK = 500

#: Customers a reminder may go to: not erased, with an address and an active email consent.
ELIGIBLE = (
    "c.erased_at IS NULL AND c.email IS NOT NULL AND EXISTS (SELECT 1 FROM consent k "
    "WHERE k.customer_id = c.id AND k.purpose = 'email' AND k.withdrawn_at IS NULL)"
)


# -- settings ------------------------------------------------------------------------


def mail_settings() -> MailSettings:
    return MailSettings.from_dict(read_setting("mail"))


def reminder_settings() -> ReminderSettings:
    return ReminderSettings.from_dict(read_setting("reminders"))


def save_mail_settings(settings: MailSettings) -> MailSettings:
    write_setting("mail", settings.to_dict())
    return settings


def save_reminder_settings(settings: ReminderSettings) -> ReminderSettings:
    write_setting("reminders", settings.to_dict())
    return settings


def set_setting(key: str, value: str) -> None:
    """`mail.host smtp.example.de`, `reminders.expiring.days 10`, `reminders.send on`,
    `reminders.birthday.subject.de TEXT` (an empty text: back to the default)."""
    section, _, rest = key.partition(".")
    if section == "mail":
        save_mail_settings(change_mail(mail_settings(), rest, value))
    else:
        save_reminder_settings(change_reminders(reminder_settings(), rest, value))


def settings_view() -> dict:
    """For `settings show`: the mail account (where its password is, never the password)
    and the reminders with their texts."""
    from olga_loyalty.domain.reminders import LANGUAGES
    from olga_loyalty.services import mail

    account = mail_settings()
    rem = reminder_settings()
    view = {**account.to_dict(), "password": mail.password_source(account)}
    texts = {
        kind: {
            lang: {"subject": rem.text(kind, lang)[0], "body": rem.text(kind, lang)[1]}
            for lang in LANGUAGES
        }
        for kind in KINDS
    }
    return {"mail": view, "reminders": {**rem.to_dict(), "texts": texts}}


# -- what is due ---------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A reminder due for one customer, with the facts its text names."""

    customer_id: int
    kind: str
    occasion: str
    language: str
    address: str
    first_name: str
    last_name: str
    points: int
    expires_on: date


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _day_start(day: date) -> datetime:
    """The start of a local day, as the stored (UTC) times compare."""
    return datetime.combine(day, datetime.min.time()).astimezone()


def _suppressed() -> set[str]:
    return {digest for (digest,) in fetch_rows("SELECT digest FROM suppression", ())}


def _is_suppressed(address: str, suppressed: set[str]) -> bool:
    from olga_loyalty.services.newsletter import digest

    return bool(suppressed) and digest("email", address) in suppressed


def _existing(customer_ids: list[int]) -> set[tuple[int, str]]:
    """The occasions already in the outbox for these customers (any state)."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[start : start + CHUNK]
        found.update(
            (cid, occasion)
            for cid, occasion in fetch_rows(
                f"SELECT customer_id, occasion FROM outbox "
                f"WHERE customer_id IN ({placeholders(len(chunk))})",
                tuple(chunk),
            )
        )
    return found


def due(shop: Shop, settings: ReminderSettings | None = None) -> list[Due]:
    """Every reminder due today that is not in the outbox yet: only customers with an active
    email consent, not erased, not on the suppression list. Reads, writes nothing."""
    settings = settings or reminder_settings()
    today = shop.today()
    candidates: list[Due] = []
    if settings.birthday_enabled:
        since = LedgerEntry.created_at.db_value(
            _day_start(today - timedelta(days=BIRTHDAY_CATCH_UP_DAYS))
        )
        for cid, first, last, email, lang, year, points, expires in fetch_rows(
            "SELECT c.id, c.first_name, c.last_name, c.email, c.language, b.year, l.points, "
            "l.expires_on FROM ledger_entry e JOIN lot l ON l.id = e.lot_id "
            "JOIN birthday_bonus b ON b.customer_id = e.customer_id AND b.lot_id = l.id "
            "JOIN customer c ON c.id = e.customer_id "
            f"WHERE e.created_at >= ? AND e.kind = 'birthday' AND l.expires_on >= ? AND {ELIGIBLE}",
            (since, Lot.expires_on.db_value(today)),
        ):
            candidates.append(
                Due(
                    cid,
                    "birthday",
                    occasion_key("birthday", year=year),
                    lang,
                    email,
                    first,
                    last,
                    int(points),
                    _as_date(expires),
                )
            )
    if settings.expiring_enabled:
        until = today + timedelta(days=settings.expiring_days)
        for cid, first, last, email, lang, expires, points in fetch_rows(
            "SELECT c.id, c.first_name, c.last_name, c.email, c.language, l.expires_on, "
            "SUM(l.remaining) FROM lot l JOIN customer c ON c.id = l.customer_id "
            f"WHERE l.remaining > 0 AND l.expires_on >= ? AND l.expires_on <= ? AND {ELIGIBLE} "
            "GROUP BY c.id, c.first_name, c.last_name, c.email, c.language, l.expires_on",
            (Lot.expires_on.db_value(today), Lot.expires_on.db_value(until)),
        ):
            day = _as_date(expires)
            candidates.append(
                Due(
                    cid,
                    "expiring",
                    occasion_key("expiring", expires_on=day),
                    lang,
                    email,
                    first,
                    last,
                    int(points),
                    day,
                )
            )
    if settings.welcome_enabled:
        since = Customer.registered_at.db_value(
            _day_start(today - timedelta(days=settings.welcome_days))
        )
        for cid, first, last, email, lang, points, expires in fetch_rows(
            # CROSS JOIN: SQLite keeps the customers (a registration-time range) outside and
            # probes each one's lots, instead of scanning every lot for welcome lots
            "SELECT c.id, c.first_name, c.last_name, c.email, c.language, l.points, l.expires_on "
            "FROM customer c CROSS JOIN lot l "
            "WHERE l.customer_id = c.id AND l.kind = 'welcome' AND c.registered_at >= ? "
            f"AND l.expires_on >= ? AND {ELIGIBLE}",
            (since, Lot.expires_on.db_value(today)),
        ):
            candidates.append(
                Due(
                    cid,
                    "welcome",
                    "welcome",
                    lang,
                    email,
                    first,
                    last,
                    int(points),
                    _as_date(expires),
                )
            )
    if not candidates:
        return []
    existing = _existing(sorted({d.customer_id for d in candidates}))
    suppressed = _suppressed()
    found = [
        d
        for d in candidates
        if (d.customer_id, d.occasion) not in existing and not _is_suppressed(d.address, suppressed)
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda d: (order[d.kind], d.customer_id, d.occasion))


# -- the texts -------------------------------------------------------------------------


def shop_label(shop: Shop, account: MailSettings) -> str:
    """How the shop names itself in a mail."""
    return shop.settings.name or name_of(account.sender) or address_of(account.sender)


def _tier_names(shop: Shop, ids: list[int]) -> dict[int, str]:
    from olga_loyalty.services import ledger

    names: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        names.update(
            {
                cid: tier.name
                for cid, tier in ledger.tiers(chunk, shop.now(), shop.programme).items()
            }
        )
    return names


def _values(
    shop: Shop,
    account: MailSettings,
    language: str,
    first_name: str,
    points: int,
    expires_on: date,
    tier: str,
) -> dict[str, str]:
    from olga_loyalty.i18n import Translator

    t = Translator(language, shop.settings.currency)
    return {
        "first_name": first_name,
        "points": t.number(points),
        "value": t.money(shop.programme.value_of(points)),
        "expires_on": t.date(expires_on),
        "shop": shop_label(shop, account),
        "tier": tier,
    }


def _language(language: str | None, shop: Shop) -> str:
    return language if language in ("de", "en") else shop.settings.language


def _rendered(shop: Shop, account: MailSettings, settings: ReminderSettings, found: list[Due]):
    """Each due reminder with its language and its text, as it would be written now."""
    tiers = _tier_names(shop, sorted({d.customer_id for d in found}))
    for d in found:
        language = _language(d.language, shop)
        values = _values(
            shop,
            account,
            language,
            d.first_name,
            d.points,
            d.expires_on,
            tiers.get(d.customer_id, ""),
        )
        yield d, language, render(settings, d.kind, language, values)


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
        return QueueResult(0, _count("pending"))
    now = shop.now()
    rows = []
    for d, language, text in _rendered(shop, account, settings, due(shop, settings)):
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
    return QueueResult(len(rows), _count("pending"))


@write_action
def _insert(rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        OutboxMail.insert_many(rows[start : start + CHUNK]).on_conflict_ignore().execute()


def _count(status: str) -> int:
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


def _status_of(row: OutboxMail, now: datetime) -> str:
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
            _status_of(r, now),
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
    for d, language, text in _rendered(shop, account, settings, due(shop, settings)):
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
    rows = dict(
        OutboxMail.select(OutboxMail.status, fn.COUNT(OutboxMail.id))
        .group_by(OutboxMail.status)
        .tuples()
    )
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
    if _is_suppressed(customer.email, suppressed):
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


@write_action
def _claim(shop: Shop, row_id: int, account: MailSettings, settings: ReminderSettings):
    """Commit `sending` for one pending row (re-checking consent and facts first), or cancel
    it. Returns a _Claim, "cancelled", or None when another till took it."""
    from olga_loyalty.services import mail

    row = OutboxMail.get_or_none((OutboxMail.id == row_id) & (OutboxMail.status == "pending"))
    if row is None:
        return None
    customer = Customer.get_or_none(Customer.id == row.customer_id)
    reason = _blocked(customer, _suppressed())
    facts = None
    if not reason and not settings.enabled(row.kind):
        reason = "switched_off"
    if not reason:
        facts = _facts(row, shop.today())
        if isinstance(facts, str):
            reason = facts
    guard = (OutboxMail.id == row_id) & (OutboxMail.status == "pending")
    if reason:
        OutboxMail.update(status="cancelled", reason=reason).where(guard).execute()
        return "cancelled"
    points, expires_on = facts  # type: ignore[misc]
    language = _language(customer.language, shop)
    tier = _tier_names(shop, [customer.id]).get(customer.id, "")
    text = render(
        settings,
        row.kind,
        language,
        _values(shop, account, language, customer.first_name, points, expires_on, tier),
    )
    now = shop.now()
    message = mail.build_message(
        account,
        to_address=customer.email,
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
            address=customer.email,
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
    return [
        row_id
        for (row_id,) in OutboxMail.select(OutboxMail.id)
        .where(OutboxMail.status == "pending")
        .order_by(OutboxMail.queued_at, OutboxMail.id)
        .tuples()
    ]


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
    from olga_loyalty.services import mail

    account = mail_settings()
    return mail.send_test(
        account,
        address,
        shop_name=shop_label(shop, account),
        language=shop.settings.language,
        now=shop.now(),
    )


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
        return _count("pending")
    except Exception:  # the database itself is the problem; the count is not worth a crash
        return 0


# -- the owner's actions on one row -----------------------------------------------------


def _row(row_id: int | str) -> OutboxMail:
    text = str(row_id).strip().lstrip("#")
    if not text.isdigit() or len(text) > 12:
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
    if _status_of(row, shop.now()) not in ("failed", "unknown"):
        raise Refused(
            "Only a refused mail or one whose fate is unknown can be sent again; mail #{id} is "
            "{status}.",
            id=row.id,
            status=STATUS_LABELS[_status_of(row, shop.now())],
        )
    OutboxMail.update(status="pending", reason="").where(OutboxMail.id == row.id).execute()
    return OutboxMail.get_by_id(row.id)


@write_action
def mark_sent(shop: Shop, row_id: int | str) -> OutboxMail:
    """The owner found a mail whose fate was unknown in the account's sent folder."""
    row = _row(row_id)
    if _status_of(row, shop.now()) != "unknown":
        raise Refused(
            "Only a mail whose fate is unknown can be marked as sent; mail #{id} is {status}.",
            id=row.id,
            status=STATUS_LABELS[_status_of(row, shop.now())],
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
