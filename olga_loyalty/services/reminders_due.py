"""Reminder mails (SPEC §12), the lower half: the settings, what is due today and the text
each mail would have. Reads only; the outbox and the sending are services/reminders.py and
services/reminders_send.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from olga_loyalty.domain.reminders import (
    BIRTHDAY_CATCH_UP_DAYS,
    KINDS,
    LANGUAGES,
    MailSettings,
    ReminderSettings,
    address_of,
    change_mail,
    change_reminders,
    name_of,
    occasion_key,
    render,
)
from olga_loyalty.i18n import Translator
from olga_loyalty.services.erasure import keyed_digest
from olga_loyalty.services.shop import Shop, read_setting, write_setting
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import fetch_rows, placeholders
from olga_loyalty.storage.models import Customer, LedgerEntry, Lot

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
    # Start-up speed: the mail service (smtplib, ssl, keyring) loads when it is used.
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


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def day_start(day: date) -> datetime:
    """The start of a local day, as the stored (UTC) times compare."""
    return datetime.combine(day, datetime.min.time()).astimezone()


def suppressed_digests() -> set[str]:
    return {digest for (digest,) in fetch_rows("SELECT digest FROM suppression", ())}


def is_suppressed(address: str, suppressed: set[str]) -> bool:
    return bool(suppressed) and keyed_digest("email", address) in suppressed


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
            day_start(today - timedelta(days=BIRTHDAY_CATCH_UP_DAYS))
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
                    as_date(expires),
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
            day = as_date(expires)
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
            day_start(today - timedelta(days=settings.welcome_days))
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
                    as_date(expires),
                )
            )
    if not candidates:
        return []
    existing = _existing(sorted({d.customer_id for d in candidates}))
    suppressed = suppressed_digests()
    found = [
        d
        for d in candidates
        if (d.customer_id, d.occasion) not in existing and not is_suppressed(d.address, suppressed)
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda d: (order[d.kind], d.customer_id, d.occasion))


# -- the texts -------------------------------------------------------------------------


def shop_label(shop: Shop, account: MailSettings) -> str:
    """How the shop names itself in a mail."""
    return shop.settings.name or name_of(account.sender) or address_of(account.sender)


def tier_names(shop: Shop, ids: list[int]) -> dict[int, str]:
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


def mail_values(
    shop: Shop,
    account: MailSettings,
    language: str,
    first_name: str,
    points: int,
    expires_on: date,
    tier: str,
) -> dict[str, str]:
    t = Translator(language, shop.settings.currency)
    return {
        "first_name": first_name,
        "points": t.number(points),
        "value": t.money(shop.programme.value_of(points)),
        "expires_on": t.date(expires_on),
        "shop": shop_label(shop, account),
        "tier": tier,
    }


def mail_language(language: str | None, shop: Shop) -> str:
    return language if language in ("de", "en") else shop.settings.language


def rendered(shop: Shop, account: MailSettings, settings: ReminderSettings, found: list[Due]):
    """Each due reminder with its language and its text, as it would be written now."""
    tiers = tier_names(shop, sorted({d.customer_id for d in found}))
    for d in found:
        language = mail_language(d.language, shop)
        values = mail_values(
            shop,
            account,
            language,
            d.first_name,
            d.points,
            d.expires_on,
            tiers.get(d.customer_id, ""),
        )
        yield d, language, render(settings, d.kind, language, values)
