"""Reminder mails (SPEC §12) as pure rules: the mail and reminder settings, the texts with
their placeholders, the occasion key that lets each reminder go out once, and what a mail
server's answer means. No database, no network: the services fill in and send.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field, replace
from email.utils import parseaddr

from olga_loyalty.domain.customers import normalize_email
from olga_loyalty.domain.errors import Count, InvalidInput, Plural

KINDS = ("birthday", "expiring", "welcome")
LANGUAGES = ("de", "en")
SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
PLACEHOLDERS = ("first_name", "points", "value", "expires_on", "shop", "tier")
#: The states of an outbox row. `sending` is committed before the server gets the mail; a
#: row left there by a crash is never retried by itself (the server may have it).
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
#: A birthday bonus given this many days ago or less still gets its mail (a till that was
#: closed, a daily run that could not queue); older bonuses are not mailed late.
BIRTHDAY_CATCH_UP_DAYS = 2
SUBJECT_MAX = 200
BODY_MAX = 5000

_TRUE = {"on", "yes", "true", "1", "ja", "an", "ein"}
_FALSE = {"off", "no", "false", "0", "nein", "aus"}

DEFAULT_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "de": {
        "birthday": (
            "Alles Gute zum Geburtstag, {first_name}!",
            "Hallo {first_name},\n\n"
            "herzlichen Glückwunsch zum Geburtstag! Zu Ihrem Ehrentag schenken wir Ihnen "
            "{points} Bonuspunkte im Wert von {value}, gültig bis zum {expires_on}. "
            "Nennen Sie beim nächsten Einkauf einfach Ihre Telefonnummer an der Kasse.\n\n"
            "Wir freuen uns auf Ihren Besuch!\n"
            "Ihr Team von {shop}",
        ),
        "expiring": (
            "Ihre Bonuspunkte verfallen am {expires_on}",
            "Hallo {first_name},\n\n"
            "am {expires_on} verfallen {points} Ihrer Bonuspunkte im Wert von {value}. "
            "Lösen Sie sie bis dahin bei Ihrem nächsten Einkauf ein: Nennen Sie an der Kasse "
            "einfach Ihre Telefonnummer.\n\n"
            "Wir freuen uns auf Ihren Besuch!\n"
            "Ihr Team von {shop}",
        ),
        "welcome": (
            "Willkommen im Bonusprogramm von {shop}",
            "Hallo {first_name},\n\n"
            "schön, dass Sie dabei sind! Zur Begrüßung haben wir Ihnen {points} Bonuspunkte "
            "im Wert von {value} gutgeschrieben, gültig bis zum {expires_on}.\n\n"
            "So funktioniert es: Bei jedem Einkauf sammeln Sie Punkte, die Sie bei einem "
            "späteren Einkauf einlösen. Eine Karte brauchen Sie nicht, nennen Sie an der Kasse "
            "einfach Ihre Telefonnummer. Je mehr Sie im Jahr einkaufen, desto höher Ihre Stufe "
            "und desto mehr Punkte sammeln Sie; Ihre Stufe jetzt: {tier}.\n\n"
            "Bis bald!\n"
            "Ihr Team von {shop}",
        ),
    },
    "en": {
        "birthday": (
            "Happy birthday, {first_name}!",
            "Hello {first_name},\n\n"
            "happy birthday! For your special day we give you {points} bonus points worth "
            "{value}, valid until {expires_on}. Just give your phone number at the till on "
            "your next visit.\n\n"
            "We look forward to seeing you!\n"
            "The team of {shop}",
        ),
        "expiring": (
            "Your bonus points expire on {expires_on}",
            "Hello {first_name},\n\n"
            "{points} of your bonus points, worth {value}, expire on {expires_on}. Use them "
            "on your next purchase before then: just give your phone number at the till.\n\n"
            "We look forward to seeing you!\n"
            "The team of {shop}",
        ),
        "welcome": (
            "Welcome to the bonus programme of {shop}",
            "Hello {first_name},\n\n"
            "welcome! As a thank-you for joining we have given you {points} bonus points "
            "worth {value}, valid until {expires_on}.\n\n"
            "How it works: every purchase earns points that you use on a later purchase. You "
            "need no card, just give your phone number at the till. The more you buy in a "
            "year, the higher your tier and the more points you earn; your tier now: {tier}.\n\n"
            "See you soon!\n"
            "The team of {shop}",
        ),
    },
}

#: Always added under a reminder, whatever the owner's text says (UWG §7: every mail says
#: how to stop them). The reply word is also the subject of the List-Unsubscribe address.
FOOTERS = {
    "de": (
        "-- \n"
        "Sie erhalten diese E-Mail, weil Sie zugestimmt haben, E-Mails von {shop} zu "
        "erhalten. Keine E-Mails mehr? Antworten Sie einfach mit „Abmelden“ oder sagen Sie "
        "es uns im Laden."
    ),
    "en": (
        "-- \n"
        "You receive this email because you agreed to receive emails from {shop}. No more "
        "emails? Just reply with “Unsubscribe” or tell us in the shop."
    ),
}
UNSUBSCRIBE_WORD = {"de": "Abmelden", "en": "Unsubscribe"}

TEST_TEXTS = {
    "de": (
        "Testnachricht von Olga Loyalty",
        "Diese Testnachricht zeigt, dass {shop} Erinnerungen über den Mailserver {host} "
        "versenden kann.\n\nAbsender: {sender}\nAntworten an: {reply_to}",
    ),
    "en": (
        "Test message from Olga Loyalty",
        "This test message shows that {shop} can send reminders through the mail server "
        "{host}.\n\nSender: {sender}\nReplies to: {reply_to}",
    ),
}


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


def occasion_key(kind: str, *, year: int | None = None, expires_on=None) -> str:
    """What makes a reminder unique per customer: `birthday:2026`, `expiring:2026-06-25`,
    `welcome`."""
    if kind == "birthday":
        return f"birthday:{year}"
    if kind == "expiring":
        return f"expiring:{expires_on.isoformat()}"
    if kind == "welcome":
        return "welcome"
    raise ValueError(kind)


# -- settings ------------------------------------------------------------------------


def parse_switch(value: str, *, field: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput("'{text}' is neither on nor off.", field=field, text=value[:20])


def _whole(value: str, *, field: str, low: int, high: int, plain: bool = False) -> int:
    """A whole number in its range. `plain` bounds (a port number) are shown without the
    language's digit grouping: 65535, never 65,535."""
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        shown = int if plain else Count
        raise InvalidInput(
            "{name} must be a whole number from {low} to {high}, not '{text}'.",
            field=field,
            name=field,
            low=shown(low),
            high=shown(high),
            text=value[:20],
        )
    return int(text)


def _has_control(text: str) -> bool:
    return any(not ch.isprintable() for ch in text)


def parse_mailbox(value: str, *, field: str) -> str:
    """`Boutique Olga <olga@example.de>` or a bare address; empty stays empty."""
    text = " ".join(value.split())
    if not text:
        return ""
    if len(text) > 300 or _has_control(value.replace("\n", " ")):
        raise InvalidInput("'{text}' is not an email address.", field=field, text=text[:40])
    name, address = parseaddr(text)
    if not address or ("<" in text and not text.endswith(">")):
        raise InvalidInput(
            "'{text}' is not a sender like Boutique Olga <olga@example.de>.",
            field=field,
            text=text[:40],
        )
    address = normalize_email(address, field=field)
    name = name.strip()
    return f"{name} <{address}>" if name else address


def address_of(mailbox: str) -> str:
    return parseaddr(mailbox)[1]


def name_of(mailbox: str) -> str:
    return parseaddr(mailbox)[0]


@dataclass(frozen=True)
class MailSettings:
    """The shop's own mail account. The password is never here (keyring or environment)."""

    host: str = ""
    port: int | None = None  # None: the usual port of the security setting
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    reply_to: str = ""
    rate_per_minute: int = 30

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def configured(self) -> bool:
        """Nothing is queued or sent before the server and the sender are set."""
        return bool(self.host and self.sender)

    @property
    def reply_address(self) -> str:
        return address_of(self.reply_to or self.sender)

    def to_dict(self) -> dict:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "user": self.user,
            "sender": self.sender,
            "reply_to": self.reply_to,
            "rate_per_minute": self.rate_per_minute,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> MailSettings:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


MAIL_KEYS = ("host", "port", "security", "user", "sender", "reply_to", "rate_per_minute")


def change_mail(settings: MailSettings, key: str, value: str) -> MailSettings:
    """One mail setting from text (the command line and the settings tab), checked."""
    field_name = f"mail.{key}"
    if key == "host":
        host = value.strip().lower()
        if len(host) > 253 or any(ch.isspace() or not ch.isprintable() for ch in host):
            raise InvalidInput(
                "'{text}' is not a server name like smtp.example.de.",
                field=field_name,
                text=value[:40],
            )
        return replace(settings, host=host)
    if key == "port":
        text = value.strip()
        return replace(
            settings,
            port=_whole(text, field=field_name, low=1, high=65535, plain=True) if text else None,
        )
    if key == "security":
        text = value.strip().lower()
        if text not in SECURITY:
            raise InvalidInput(
                "The security setting must be none, starttls or ssl.", field=field_name
            )
        return replace(settings, security=text)
    if key == "user":
        text = value.strip()
        if len(text) > 254 or _has_control(text):
            raise InvalidInput(
                "'{text}' is not a user name for the mail account.",
                field=field_name,
                text=text[:40],
            )
        return replace(settings, user=text)
    if key in ("sender", "reply_to"):
        return replace(settings, **{key: parse_mailbox(value, field=field_name)})
    if key == "rate_per_minute":
        return replace(settings, rate_per_minute=_whole(value, field=field_name, low=1, high=1000))
    raise unknown_setting(f"mail.{key}")


def unknown_setting(key: str) -> InvalidInput:
    known = ", ".join(
        [f"mail.{k}" for k in MAIL_KEYS]
        + ["reminders.send"]
        + [f"reminders.{k}.enabled" for k in KINDS]
        + ["reminders.expiring.days", "reminders.welcome.days"]
        + ["reminders.KIND.subject.LANG", "reminders.KIND.body.LANG"]
    )
    return InvalidInput(
        "Unknown setting '{key}'. Known: {known}.", field="key", key=key[:60], known=known
    )


@dataclass(frozen=True)
class ReminderSettings:
    """Which reminders go out, when, with which texts (only the owner's changes are kept;
    the defaults come from DEFAULT_TEXTS)."""

    send: bool = False  # automatic sending after the daily run; off until the owner says
    birthday_enabled: bool = True
    expiring_enabled: bool = True
    expiring_days: int = 14
    welcome_enabled: bool = True
    welcome_days: int = 2
    texts: dict = field(default_factory=dict)  # {"de": {"birthday": [subject, body]}}

    def enabled(self, kind: str) -> bool:
        return bool(getattr(self, f"{kind}_enabled"))

    def text(self, kind: str, language: str) -> tuple[str, str]:
        language = language if language in LANGUAGES else "de"
        own = self.texts.get(language, {}).get(kind)
        default = DEFAULT_TEXTS[language][kind]
        if not own:
            return default
        return (own[0] or default[0], own[1] or default[1])

    def is_default(self, kind: str, language: str) -> bool:
        return self.text(kind, language) == DEFAULT_TEXTS[language][kind]

    def to_dict(self) -> dict:
        return {
            "send": self.send,
            "birthday": {"enabled": self.birthday_enabled},
            "expiring": {"enabled": self.expiring_enabled, "days": self.expiring_days},
            "welcome": {"enabled": self.welcome_enabled, "days": self.welcome_days},
            "texts": {
                lang: {kind: list(pair) for kind, pair in kinds.items()}
                for lang, kinds in self.texts.items()
                if kinds
            },
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> ReminderSettings:
        data = data or {}
        default = cls()
        return cls(
            send=bool(data.get("send", default.send)),
            birthday_enabled=bool(data.get("birthday", {}).get("enabled", True)),
            expiring_enabled=bool(data.get("expiring", {}).get("enabled", True)),
            expiring_days=int(data.get("expiring", {}).get("days", default.expiring_days)),
            welcome_enabled=bool(data.get("welcome", {}).get("enabled", True)),
            welcome_days=int(data.get("welcome", {}).get("days", default.welcome_days)),
            texts={
                lang: {kind: tuple(pair) for kind, pair in kinds.items() if kind in KINDS}
                for lang, kinds in (data.get("texts") or {}).items()
                if lang in LANGUAGES
            },
        )

    def with_text(self, kind: str, language: str, subject: str, body: str) -> ReminderSettings:
        """A changed text; a text equal to the default (or empty) goes back to the default."""
        subject = check_subject(subject) if subject.strip() else ""
        body = check_body(body) if body.strip() else ""
        default_subject, default_body = DEFAULT_TEXTS[language][kind]
        if subject == default_subject:
            subject = ""
        if body == default_body:
            body = ""
        texts = {lang: dict(kinds) for lang, kinds in self.texts.items()}
        mine = texts.setdefault(language, {})
        if subject or body:
            mine[kind] = (subject, body)
        else:
            mine.pop(kind, None)
        return replace(self, texts={lang: kinds for lang, kinds in texts.items() if kinds})


def change_reminders(settings: ReminderSettings, key: str, value: str) -> ReminderSettings:
    """`send`, `KIND.enabled`, `expiring.days`, `welcome.days`, `KIND.subject.LANG`,
    `KIND.body.LANG` from text."""
    parts = key.split(".")
    field_name = f"reminders.{key}"
    if parts == ["send"]:
        return replace(settings, send=parse_switch(value, field=field_name))
    if len(parts) == 2 and parts[0] in KINDS and parts[1] == "enabled":
        return replace(settings, **{f"{parts[0]}_enabled": parse_switch(value, field=field_name)})
    if parts == ["expiring", "days"]:
        return replace(settings, expiring_days=_whole(value, field=field_name, low=1, high=180))
    if parts == ["welcome", "days"]:
        return replace(settings, welcome_days=_whole(value, field=field_name, low=0, high=30))
    if len(parts) == 3 and parts[0] in KINDS and parts[1] in ("subject", "body"):
        kind, which, language = parts
        if language not in LANGUAGES:
            raise InvalidInput("The language must be de or en.", field=field_name)
        subject, body = settings.text(kind, language)
        if which == "subject":
            subject = value
        else:
            body = value
        return settings.with_text(kind, language, subject, body)
    raise unknown_setting(f"reminders.{key}")


# -- texts ---------------------------------------------------------------------------


def check_template(text: str, *, field: str) -> str:
    """Every `{...}` must be one of the placeholders; a literal brace is `{{` or `}}`."""
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            "The text has a brace that is not part of a placeholder; the placeholders are "
            "{known} (write {{{{ or }}}} for a brace itself).",
            field=field,
            known=known,
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise InvalidInput(
                "'{name}' is not a placeholder; the placeholders are {known}.",
                field=field,
                # exactly as typed: `{first_name!r}` and `{name:>10}` are named so
                name="{"
                + (name or "")
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}",
                known=known,
            )
    return text


def _control_in(text: str, allowed: str = "") -> bool:
    """Control characters (a bell, an escape); other unusual letters and spaces are text."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def check_subject(text: str) -> str:
    text = " ".join(text.split())
    if _control_in(text):
        raise InvalidInput("The subject contains control characters.", field="subject")
    if len(text) > SUBJECT_MAX:
        raise InvalidInput(
            Plural(
                "A subject has at most {maximum} character.",
                "A subject has at most {maximum} characters.",
                SUBJECT_MAX,
            ),
            field="subject",
            maximum=Count(SUBJECT_MAX),
        )
    return check_template(text, field="subject")


def check_body(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if len(text) > BODY_MAX:
        raise InvalidInput(
            Plural(
                "A mail text has at most {maximum} character.",
                "A mail text has at most {maximum} characters.",
                BODY_MAX,
            ),
            field="body",
            maximum=Count(BODY_MAX),
        )
    if _control_in(text, allowed="\n\t"):
        raise InvalidInput("The mail text contains control characters.", field="body")
    return check_template(text, field="body")


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


# -- what a server's answer means ----------------------------------------------------


def is_permanent(code: int | None) -> bool:
    """5xx: the server will never take this mail (unknown mailbox, rejected content)."""
    return code is not None and 500 <= code <= 599


def answer_text(code: int | None, message: bytes | str | None) -> str:
    """A server's answer as one printable line (it may quote the address: never logged)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    text = " ".join(str(message or "").split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    line = f"{code} {text}".strip() if code else text
    return line[:300]
