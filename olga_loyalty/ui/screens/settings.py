"""Settings: the shop, the programme (tiers, validities, bonuses, limits), consent texts, staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from olga_loyalty import paths
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.services import safety, wording
from olga_loyalty.services.shop import (
    PURPOSES,
    new_consent_text,
)
from olga_loyalty.storage.models import ConsentText
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.forms import show_field_errors
from olga_loyalty.ui.screens.consents import PURPOSE_NAMES
from olga_loyalty.ui.screens.mail_settings import MailSettings
from olga_loyalty.ui.screens.settings_backups import AuditLoadedResult, BackupsTab
from olga_loyalty.ui.screens.settings_programme import (
    PROGRAMME_FIELDS,
    form_row,
    programme_form,
    read_programme,
)
from olga_loyalty.ui.screens.setup import FIELDS as SHOP_FIELDS
from olga_loyalty.ui.screens.setup import read_shop_form, shop_settings_form
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class PinSavedResult(DbResult[Any]):
    """What the worker of `pin_saved` found or did."""


class PinStateResult(DbResult[Any]):
    """What the worker of `pin_state` found or did."""


class ProgrammeSavedResult(DbResult[Any]):
    """What the worker of `programme_saved` found or did."""


class ShopSavedResult(DbResult[Any]):
    """What the worker of `shop_saved` found or did."""


class StaffSavedResult(DbResult[Any]):
    """What the worker of `staff_saved` found or did."""


class TextsSavedResult(DbResult[Any]):
    """What the worker of `texts_saved` found or did."""


class VersionsResult(DbResult[Any]):
    """What the worker of `versions` found or did."""


def _consent_versions():
    return {
        p: list(ConsentText.select().where(ConsentText.purpose == p).order_by(ConsentText.version))
        for p in PURPOSES
    }


def _save_texts(shop, texts: dict[str, str]):
    versions = {p: new_consent_text(shop, p, text).version for p, text in texts.items()}
    shop.warm()
    return versions


def _save_staff(shop, names: list[str]) -> list[str]:
    saved = shop.save_staff(names)
    shop.warm()
    return saved


class SettingsScreen(BaseScreen, BackupsTab):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save this tab"),
        Binding("ctrl+b", "backup_now", "Back up now"),
        Binding("ctrl+r", "restore", "Restore"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, pin=None) -> None:
        super().__init__()
        self.pin = pin  # the owner PIN given to open the settings (safety.Pin)

    def check_action(self, action: str, parameters) -> bool | None:
        """Each tab's keys only: ctrl+b and ctrl+r on the backups, ctrl+s where there is
        something to save (the footer has no room for keys that do nothing)."""
        try:
            active = self.query_one(TabbedContent).active
        except Exception:
            return True
        if action in ("backup_now", "restore"):
            return active == "tab-backups"
        if action == "save":
            return active not in ("tab-backups", "tab-audit")
        return True

    def on_tabbed_content_tab_activated(self, event) -> None:
        self.refresh_bindings()

    def compose(self) -> ComposeResult:
        t, p, shop = self.t, self.shop.programme, self.shop
        yield Header(show_clock=False)
        with TabbedContent(id="tabs"):
            with TabPane(t("Shop"), id="tab-shop"), VerticalScroll():
                yield from shop_settings_form(t, shop.settings, address=True)
            with TabPane(t("Programme"), id="tab-programme"), VerticalScroll():
                yield from programme_form(t, shop.settings.currency, p)
            with TabPane(t("Consent texts"), id="tab-texts"), VerticalScroll():
                for purpose in PURPOSES:
                    yield Label("", id=f"text-label-{purpose}", classes="section")
                    yield TextArea(
                        shop.consent_texts()[purpose].text,
                        id=f"text_{purpose}",
                        classes="consent-edit",
                    )
            with TabPane(t("E-Mail"), id="tab-mail"):
                yield MailSettings()
            with TabPane(t("Staff"), id="tab-staff"), VerticalScroll():
                yield Label(t("Staff names, one per line:"))
                yield TextArea("\n".join(shop.staff_names()), id="staff", classes="staff-edit")
            with TabPane(t("PIN"), id="tab-pin"), VerticalScroll():
                yield Static(
                    t(
                        "The owner PIN protects settings, adjustments, erasure, imports, restore "
                        "and personal-data exports. Leave both fields empty to remove it."
                    )
                )
                yield Static("", id="pin-warning")
                yield from form_row("new_pin", t("New PIN (6+ digits or a passphrase)"), "")
                yield from form_row("new_pin_again", t("The same PIN again"), "")
            with TabPane(t("Backups"), id="tab-backups"), Vertical():
                yield Static(self.folders_text(), id="folders")
                yield Static(
                    t(
                        "ctrl+b backs up now; ctrl+r restores the chosen backup (the current "
                        "database is backed up first)."
                    )
                    if safety.database_path(self.shop) is not None
                    else t(
                        "This shop's database is on a PostgreSQL server: back it up there, "
                        "e.g. every night with pg_dump (see the README)."
                    )
                )
                yield DataTable(id="backups", cursor_type="row", zebra_stripes=True)
            with TabPane(t("Audit log"), id="tab-audit"), Vertical():
                yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def folders_text(self) -> Content:
        """Where the data lives (`olga_loyalty.paths`), as `olga-loyalty paths` shows it."""
        t = self.t
        shown = paths.resolve(self.shop.location).shown()
        return Content(wording.folders_text(t, shown))  # plain text: a folder may be called [b]

    def on_mount(self) -> None:
        t = self.t
        self.sub_title = t("Settings")
        self.db(VersionsResult, _consent_versions)
        for widget_id in ("new_pin", "new_pin_again"):
            self.query_one(f"#{widget_id}", Input).password = True
        self.mount_backups()
        self.db(PinStateResult, safety.pin_needs_change)

    @result_of(PinStateResult)
    def on_pin_state(self, needs_change: bool) -> None:
        """A PIN set under the old rules still works; the settings ask for a new one."""
        text = (
            self.t(
                "The owner PIN was set under the old rules (4 digits were enough) and is "
                "easy to guess from a copy of the database. Please choose a new one."
            )
            if needs_change
            else ""
        )
        warning = self.query_one("#pin-warning", Static)
        warning.update(plain(text))
        warning.display = bool(text)
        if needs_change:
            self.query_one(TabbedContent).active = "tab-pin"
            self.app.notify(text, severity="warning", timeout=10)

    @result_of(VersionsResult)
    def on_versions(self, versions) -> None:
        t = self.t
        for purpose, rows in versions.items():
            history = ", ".join(f"v{r.version} {t.date(r.created_at.date())}" for r in rows)
            self.query_one(f"#text-label-{purpose}", Label).update(
                plain(
                    t(
                        "{purpose}: version {version} (earlier: {history})",
                        purpose=t(PURPOSE_NAMES[purpose]),
                        version=rows[-1].version,
                        history=history,
                    )
                )
            )

    # -- saving the active tab -----------------------------------------------------------
    def action_save(self) -> None:
        active = self.query_one(TabbedContent).active
        if active == "tab-shop":
            self.save(
                ShopSavedResult,
                "shop",
                self.shop.save_settings,
                read_shop_form(self, self.shop.settings),
            )
        elif active == "tab-programme":
            try:
                programme = read_programme(self, self.shop.programme)
            except InvalidInput as error:
                show_field_errors(self, {error.field or "tiers": error}, PROGRAMME_FIELDS)
                return
            show_field_errors(self, {}, PROGRAMME_FIELDS)
            self.save(ProgrammeSavedResult, "programme", self.shop.save_programme, programme)
        elif active == "tab-texts":
            texts = {p: self.query_one(f"#text_{p}", TextArea).text for p in PURPOSES}
            self.save(TextsSavedResult, "consent texts", _save_texts, self.shop, texts)
        elif active == "tab-pin":
            first = self.query_one("#new_pin", Input).value.strip()
            second = self.query_one("#new_pin_again", Input).value.strip()
            if first != second:
                differ = InvalidInput("The two PINs differ.", field="new_pin_again")
                show_field_errors(self, {"new_pin_again": differ}, ["new_pin", "new_pin_again"])
                return
            self.db(
                PinSavedResult,
                safety.change_pin,
                self.shop,
                self.pin,
                first or None,
                staff=self.loyalty.staff,
            )
        elif active == "tab-staff":
            names = self.query_one("#staff", TextArea).text.splitlines()
            self.save(StaffSavedResult, "staff", _save_staff, self.shop, names)
        elif active == "tab-mail":
            self.query_one(MailSettings).save()

    def save(
        self, kind: type[DbResult[Any]], detail: str, work: Callable[..., Any], *args: Any
    ) -> None:
        """A settings change: protected, with its audit entry in the same transaction."""
        self.loyalty.protected(self, kind, "settings", self.pin, work, *args, detail=detail)

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    @result_of(ShopSavedResult)
    def on_shop_saved(self, settings) -> None:
        app, shell = self.app, self.loyalty
        shell.language_changed()
        app.notify(shell.t("Shop settings saved."))  # in the language just chosen

    @failure_of(ShopSavedResult)
    def on_shop_saved_error(self, error: LoyaltyError) -> None:
        show_field_errors(self, {error.field or "name": error}, SHOP_FIELDS)

    @result_of(ProgrammeSavedResult)
    def on_programme_saved(self, programme) -> None:
        self.app.notify(self.t("Programme saved."))

    @failure_of(ProgrammeSavedResult)
    def on_programme_saved_error(self, error: LoyaltyError) -> None:
        show_field_errors(
            self,
            {error.field if error.field in PROGRAMME_FIELDS else "tiers": error},
            PROGRAMME_FIELDS,
        )

    @result_of(TextsSavedResult)
    def on_texts_saved(self, versions) -> None:
        self.app.notify(self.t("Consent texts saved."))
        self.db(VersionsResult, _consent_versions)

    @result_of(StaffSavedResult)
    def on_staff_saved(self, names) -> None:
        self.app.notify(self.t("Staff names saved."))

    @result_of(PinSavedResult)
    def on_pin_saved(self, pin: safety.Pin) -> None:
        self.pin = pin  # the settings go on with the new PIN
        self.on_pin_state(False)
        show_field_errors(self, {}, ["new_pin", "new_pin_again"])
        for widget_id in ("new_pin", "new_pin_again"):
            self.query_one(f"#{widget_id}", Input).value = ""
        self.app.notify(self.t("The owner PIN is saved."))
        self.db(AuditLoadedResult, safety.audit_log)

    @failure_of(PinSavedResult)
    def on_pin_saved_error(self, error: LoyaltyError) -> None:
        show_field_errors(self, {"new_pin": error}, ["new_pin", "new_pin_again"])

    def action_close(self) -> None:
        self.app.pop_screen()
