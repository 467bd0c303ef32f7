"""The mail server and the reminders as the owner sets them: each setting read from text
(the command line and the settings tab), checked, and kept as a dict in the settings table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from typing import Any

from olga_loyalty.domain.customers import normalize_email
from olga_loyalty.domain.errors import Count, InvalidInput
from olga_loyalty.domain.reminders.texts import (
    DEFAULT_TEXTS,
    KINDS,
    LANGUAGES,
    check_body,
    check_subject,
)
from olga_loyalty.domain.text import is_digits

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}

_TRUE = {"on", "yes", "true", "1", "ja", "an", "ein"}
_FALSE = {"off", "no", "false", "0", "nein", "aus"}


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
    if not is_digits(text) or not low <= int(text) <= high:
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

    def to_dict(self) -> dict[str, Any]:
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
    def from_dict(cls, data: Mapping[str, Any] | None) -> MailSettings:
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
        mailbox: dict[str, Any] = {key: parse_mailbox(value, field=field_name)}
        return replace(settings, **mailbox)
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
    #: {"de": {"birthday": (subject, body)}}
    texts: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

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

    def to_dict(self) -> dict[str, Any]:
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
    def from_dict(cls, data: Mapping[str, Any] | None) -> ReminderSettings:
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
        switch: dict[str, Any] = {f"{parts[0]}_enabled": parse_switch(value, field=field_name)}
        return replace(settings, **switch)
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
