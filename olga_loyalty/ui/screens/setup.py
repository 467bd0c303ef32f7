"""First start on an empty database: the shop's name, country, currency and language."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Select, Static

from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.services.shop import CURRENCIES, FirstStart
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.themes import THEME_LABELS
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


REGIONS = ["DE", "AT", "CH", "LU", "BE", "NL", "DK", "FR", "IT", "ES", "PL", "CZ", "GB", "IE", "US"]
FIELDS = ["name", "address", "region", "currency", "language", "theme"]


def shop_settings_form(t, settings, *, address: bool = False) -> ComposeResult:
    """The shop fields, shared by the first start and the settings screen (which also has the
    address, printed on the consent form)."""
    with Horizontal(classes="row"):
        yield Label(t("Shop name"), classes="field-label")
        yield Input(value=settings.name, id="name", compact=True)
    yield FieldError(id="name-error")
    if address:
        with Horizontal(classes="row"):
            yield Label(t("Address"), classes="field-label")
            yield Input(
                value=settings.address,
                id="address",
                compact=True,
                placeholder=t("e.g. Hauptstraße 1, 12345 Berlin"),
            )
        yield FieldError(id="address-error")
    with Horizontal(classes="row"):
        yield Label(t("Country"), classes="field-label")
        yield Select(
            [(r, r) for r in REGIONS],
            value=settings.region if settings.region in REGIONS else "DE",
            allow_blank=False,
            id="region",
            compact=True,
        )
    with Horizontal(classes="row"):
        yield Label(t("Currency"), classes="field-label")
        yield Select(
            [(c, c) for c in CURRENCIES],
            value=settings.currency,
            allow_blank=False,
            id="currency",
            compact=True,
        )
    with Horizontal(classes="row"):
        yield Label(t("Language"), classes="field-label")
        yield Select(
            [("Deutsch", "de"), ("English", "en")],
            value=settings.language,
            allow_blank=False,
            id="language",
            compact=True,
        )
    if address:  # the settings: the screen's look too (the first start keeps the default)
        with Horizontal(classes="row"):
            yield Label(t("Theme"), classes="field-label")
            yield Select(
                [(t(label), name) for name, label in THEME_LABELS.items()],
                value=settings.theme if settings.theme in THEME_LABELS else "dark",
                allow_blank=False,
                id="theme",
                compact=True,
            )


def read_shop_form(screen, settings):
    address = screen.query("#address")
    theme = screen.query("#theme")
    return replace(
        settings,
        name=screen.query_one("#name", Input).value,
        address=address.first(Input).value if address else settings.address,
        theme=str(theme.first(Select).value) if theme else settings.theme,
        region=str(screen.query_one("#region", Select).value),
        currency=str(screen.query_one("#currency", Select).value),
        language=str(screen.query_one("#language", Select).value),
        setup_done=True,
    )


class SetupScreen(BaseModal):
    #: Enter in a text field moves to the next field at once (ui/typed_keys.py)
    ENTER_MOVES_ON = True
    BINDINGS = [Binding("ctrl+s", "save", "Save")]
    #: a save is under way: a second ctrl+s must not save again (it would find the shop
    #: set up, by this till, and say another till did it)
    saving = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="setup-dialog") as box:
            box.border_title = t("Welcome to Olga Loyalty")
            yield Static(
                t(
                    "A few details about the shop first. You can change them later in the settings (F9)."
                )
            )
            settings = self.shop.settings
            if not settings.setup_done:  # the language preset is the one the screen speaks
                settings = replace(settings, language=t.language)
            yield from shop_settings_form(t, settings)
            yield Button(t("Start (ctrl+s)"), id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if not self.query_one("#name", Input).value.strip():
            show_field_errors(
                self, {"name": InvalidInput("Please enter the shop's name.", field="name")}, FIELDS
            )
            return
        if self.saving:
            return
        self.saving = True
        self.db(SavedResult, self.shop.finish_setup, read_shop_form(self, self.shop.settings))

    @result_of(SavedResult)
    def on_saved(self, result: FirstStart) -> None:
        app, shell = self.app, self.loyalty
        self.dismiss(True)
        shell.language_changed()  # the screens in the stored language, the stored name on top
        if not result.saved:
            # another till saved its first start before this one: its settings are the shop's
            app.notify(
                shell.t(
                    "This shop had already been set up at another till as “{name}”. Its "
                    "settings are used; what was typed here was not saved. Change them in "
                    "the settings (F9).",
                    name=result.settings.name,
                ),
                title=shell.t("Already set up"),
                severity="warning",
                timeout=20,
            )

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        show_field_errors(self, {error.field or "name": error}, FIELDS)
