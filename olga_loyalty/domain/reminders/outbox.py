"""A reminder on its way: the occasion that lets it go out once per customer, its states
and their labels, the mail as rendered for the customer, and what a server's answer means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from olga_loyalty.domain.reminders.settings import ReminderSettings
from olga_loyalty.domain.reminders.texts import FOOTERS, LANGUAGES, PLACEHOLDERS
from olga_loyalty.domain.text import visible

#: The states of an outbox row. `sending` is committed before the server gets the mail; a
#: row left there by a crash is never retried by itself (the server may have it).
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
#: A birthday bonus given this many days ago or less still gets its mail (a till that was
#: closed, a daily run that could not queue); older bonuses are not mailed late.
BIRTHDAY_CATCH_UP_DAYS = 2


#: What the states and reasons are called when printed (and on the Reminders screen).
STATUS_LABELS = {
    "due": "due",
    "pending": "waiting",
    "sending": "being sent",
    "unknown": "unknown — check the mail account",
    "sent": "sent",
    "failed": "refused",
    "cancelled": "cancelled",
}
REASON_LABELS = {
    "no_consent": "no email consent",
    "erased": "customer erased",
    "suppressed": "on the suppression list",
    "no_email": "no email address",
    "too_late": "too late: the points are no longer valid",
    "nothing_left": "no points left to remind of",
    "switched_off": "this reminder is switched off",
    "refused": "refused by the mail server",
}
KIND_LABELS = {"birthday": "Birthday", "expiring": "Points expiring", "welcome": "Welcome"}


def occasion_key(kind: str, *, year: int | None = None, expires_on: date | None = None) -> str:
    """What makes a reminder unique per customer: `birthday:2026`, `expiring:2026-06-25`,
    `welcome`."""
    if kind == "birthday":
        return f"birthday:{year}"
    if kind == "expiring" and expires_on is not None:
        return f"expiring:{expires_on.isoformat()}"
    if kind == "welcome":
        return "welcome"
    raise ValueError(kind)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(
    settings: ReminderSettings, kind: str, language: str, values: dict[str, str]
) -> Rendered:
    """The mail's subject and body in the customer's language, with the footer that says
    how to stop these mails. `values` are already formatted for that language."""
    language = language if language in LANGUAGES else "de"
    subject, body = settings.text(kind, language)
    filled = {name: str(values.get(name, "")) for name in PLACEHOLDERS}
    footer = FOOTERS[language].format(shop=filled["shop"])
    return Rendered(
        " ".join(subject.format(**filled).split()),
        f"{body.format(**filled)}\n\n{footer}\n",
    )


def is_permanent(code: int | None) -> bool:
    """5xx: the server will never take this mail (unknown mailbox, rejected content)."""
    return code is not None and 500 <= code <= 599


def answer_text(code: int | None, message: bytes | str | None) -> str:
    """A server's answer as one printable line (it may quote the address: never logged)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    text = " ".join(str(message or "").split())
    text = visible(text)
    line = f"{code} {text}".strip() if code else text
    return line[:300]
