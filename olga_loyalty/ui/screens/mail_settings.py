"""The settings screen's tab "E-Mail": the shop's mail account (the password goes to the
system keyring, never the database; the tab says where it comes from), which reminders go
out and when, automatic sending, and the reminder texts per kind and language."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.domain.reminders import (
    KIND_LABELS,
    KINDS,
    LANGUAGES,
    MAIL_KEYS,
    PLACEHOLDERS,
    SECURITY,
    change_mail,
    change_reminders,
)
from olga_loyalty.services import mail, reminders
from olga_loyalty.ui.base import ScreenMixin
from olga_loyalty.ui.forms import FieldError, TickBox, show_field_errors
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class LoadedResult(DbResult[Any]):
    """What the worker of `loaded` found or did."""


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


MAIL_FIELD_NAMES = {
    "host": "Mail server (e.g. smtp.ionos.de)",
    "port": "Port (empty: the usual one)",
    "user": "User name (usually the address)",
    "sender": "Sender (Name <address>)",
    "reply_to": "Replies to (empty: the sender)",
    "rate_per_minute": "At most mails per minute",
}
PASSWORD_NAMES = {
    "not_needed": "Password: none needed (no user name).",
    "keyring": "Password: kept in the system keyring.",
    "environment": "Password: from the environment variable OLGA_LOYALTY_SMTP_PASSWORD.",
    "none": "Password: none yet. Type it below to keep it in the system keyring, or set "
    "OLGA_LOYALTY_SMTP_PASSWORD.",
    "no_keyring": "Password: none yet. This computer has no system keyring: set "
    "OLGA_LOYALTY_SMTP_PASSWORD in the till's environment.",
}
LANGUAGE_NAMES = {"de": "German", "en": "English"}
FIELDS = [
    *MAIL_KEYS,
    "security",
    "password",
    "expiring_days",
    "welcome_days",
    "subject",
    "body",
]


def load_mail_settings() -> dict:
    account = reminders.mail_settings()
    source = mail.password_source(account)
    if source == "none" and not mail.keyring_available():
        source = "no_keyring"
    return {
        "mail": account,
        "reminders": reminders.reminder_settings(),
        "password": source,
        "keyring": mail.keyring_available(),
    }


def save_mail_settings(account, settings, password: str | None) -> dict:
    reminders.save_mail_settings(account)
    reminders.save_reminder_settings(settings)
    if password:
        mail.store_password(account, password)
    return load_mail_settings()


class MailSettings(VerticalScroll, ScreenMixin):
    """The tab's content; the settings screen calls `save()` on ctrl+s."""

    def __init__(self) -> None:
        super().__init__(id="mail-settings")
        self.loaded: dict | None = None
        self.texts: dict[tuple[str, str], tuple[str, str]] = {}
        self.shown: tuple[str, str] = ("birthday", "de")

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(t("Mail account"), classes="section")
        for key in ("host", "port"):
            yield from self._row(key, t(MAIL_FIELD_NAMES[key]))
        with Horizontal(classes="row"):
            yield Label(t("Security"), classes="field-label wide")
            yield Select(
                [(name, name) for name in SECURITY],
                value="starttls",
                allow_blank=False,
                id="security",
                compact=True,
            )
        yield FieldError(id="security-error")
        for key in ("user", "sender", "reply_to", "rate_per_minute"):
            yield from self._row(key, t(MAIL_FIELD_NAMES[key]))
        yield Static("", id="password-source", markup=False)
        yield from self._row("password", t("New password (kept in the keyring)"))
        yield Static(
            t("Send a test mail on the Reminders screen (F2, then t)."), classes="consent-text"
        )
        yield Static(t("Reminders"), classes="section")
        yield TickBox(t("Send automatically after the daily run"), id="send", compact=True)
        yield TickBox(t("Birthday (with the birthday bonus)"), id="birthday", compact=True)
        yield TickBox(t("Points about to expire"), id="expiring", compact=True)
        yield from self._row("expiring_days", t("… expiring within (days)"))
        yield TickBox(t("Welcome (after registration)"), id="welcome", compact=True)
        yield from self._row("welcome_days", t("… registered up to (days ago)"))
        yield Static(t("Texts"), classes="section")
        yield Select(
            [
                (f"{t(KIND_LABELS[kind])} · {t(LANGUAGE_NAMES[lang])}", f"{kind}:{lang}")
                for kind in KINDS
                for lang in LANGUAGES
            ],
            value="birthday:de",
            allow_blank=False,
            id="text-choice",
            compact=True,
        )
        yield from self._row("subject", t("Subject"))
        yield TextArea("", id="body", classes="mail-body")
        yield FieldError(id="body-error")
        yield Static(
            t(
                "Placeholders: {names}. A line on how to stop these mails is always added.",
                names=", ".join("{" + name + "}" for name in PLACEHOLDERS),
            ),
            classes="consent-text",
            markup=False,
        )

    def _row(self, name: str, label: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label, classes="field-label wide")
            yield Input("", id=name, compact=True)
        yield FieldError(id=f"{name}-error")

    def on_mount(self) -> None:
        self.query_one("#password", Input).password = True
        self.db(LoadedResult, load_mail_settings)

    @result_of(LoadedResult)
    def on_loaded(self, data: dict) -> None:
        self.loaded = data
        account, settings = data["mail"], data["reminders"]
        values = {
            "host": account.host,
            "port": str(account.port or ""),
            "user": account.user,
            "sender": account.sender,
            "reply_to": account.reply_to,
            "rate_per_minute": str(account.rate_per_minute),
            "password": "",
            "expiring_days": str(settings.expiring_days),
            "welcome_days": str(settings.welcome_days),
        }
        for name, value in values.items():
            self.query_one(f"#{name}", Input).value = value
        self.query_one("#security", Select).value = account.security
        for name in ("send", "birthday", "expiring", "welcome"):
            on = settings.send if name == "send" else settings.enabled(name)
            self.query_one(f"#{name}", Checkbox).value = on
        self.texts = {
            (kind, lang): settings.text(kind, lang) for kind in KINDS for lang in LANGUAGES
        }
        self.show_text(self.shown)
        self.query_one("#password-source", Static).update(self.t(PASSWORD_NAMES[data["password"]]))

    # -- the texts: one kind and language at a time, edits kept until saved -------------
    def keep_text(self) -> None:
        self.texts[self.shown] = (
            self.query_one("#subject", Input).value,
            self.query_one("#body", TextArea).text,
        )

    def show_text(self, which: tuple[str, str]) -> None:
        self.shown = which
        subject, body = self.texts.get(which, ("", ""))
        self.query_one("#subject", Input).value = subject
        self.query_one("#body", TextArea).text = body

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "text-choice" or not self.texts:
            return
        event.stop()
        kind, _, lang = str(event.value).partition(":")
        self.keep_text()
        self.show_text((kind, lang))

    # -- saving -------------------------------------------------------------------------
    def read(self):
        """The account and the reminder settings from the form, each field checked."""
        assert self.loaded is not None
        account = self.loaded["mail"]
        for key in MAIL_KEYS:
            if key == "security":
                continue
            account = change_mail(account, key, self.query_one(f"#{key}", Input).value)
        account = change_mail(account, "security", str(self.query_one("#security", Select).value))
        settings = self.loaded["reminders"]
        settings = replace(
            settings,
            send=self.query_one("#send", Checkbox).value,
            birthday_enabled=self.query_one("#birthday", Checkbox).value,
            expiring_enabled=self.query_one("#expiring", Checkbox).value,
            welcome_enabled=self.query_one("#welcome", Checkbox).value,
        )
        for key in ("expiring.days", "welcome.days"):
            name = key.replace(".", "_")
            try:
                settings = change_reminders(settings, key, self.query_one(f"#{name}", Input).value)
            except InvalidInput as error:
                raise InvalidInput(error.template, field=name, **error.params) from None
        self.keep_text()
        for (kind, lang), (subject, body) in self.texts.items():
            try:
                settings = settings.with_text(kind, lang, subject, body)
            except InvalidInput:
                if (kind, lang) != self.shown:
                    self.query_one("#text-choice", Select).value = f"{kind}:{lang}"
                raise
        return account, settings

    def save(self) -> None:
        if self.loaded is None:
            return
        try:
            account, settings = self.read()
        except InvalidInput as error:
            field = (error.field or "host").removeprefix("mail.").removeprefix("reminders.")
            show_field_errors(self.screen, {field if field in FIELDS else "host": error}, FIELDS)
            return
        show_field_errors(self.screen, {}, FIELDS)
        secret = self.query_one("#password", Input).value or None
        self.loyalty.protected(
            self,
            SavedResult,
            "settings",
            self.screen.pin,  # type: ignore[attr-defined]  # the settings screen's PIN
            save_mail_settings,
            account,
            settings,
            secret,
            detail="mail",
        )

    @result_of(SavedResult)
    def on_saved(self, data: dict) -> None:
        self.on_loaded(data)
        self.app.notify(self.t("Mail settings saved."))

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        show_field_errors(self.screen, {"password": error}, FIELDS)
