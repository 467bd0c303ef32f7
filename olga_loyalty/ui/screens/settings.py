"""Settings: the shop, the programme (tiers, validities, bonuses, limits), consent texts, staff."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
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

from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.points import Programme, Tier
from olga_loyalty.services import safety
from olga_loyalty.services.shop import (
    PURPOSES,
    new_consent_text,
)
from olga_loyalty.storage.models import ConsentText
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.screens.consents import PURPOSE_NAMES
from olga_loyalty.ui.screens.mail_settings import MailSettings
from olga_loyalty.ui.screens.setup import FIELDS as SHOP_FIELDS
from olga_loyalty.ui.screens.setup import read_shop_form, shop_settings_form
from olga_loyalty.ui.text import lines, plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class AuditLoadedResult(DbResult[Any]):
    """What the worker of `audit_loaded` found or did."""


class BackedUpResult(DbResult[Any]):
    """What the worker of `backed_up` found or did."""


class BackupsLoadedResult(DbResult[Any]):
    """What the worker of `backups_loaded` found or did."""


class PinSavedResult(DbResult[Any]):
    """What the worker of `pin_saved` found or did."""


class PinStateResult(DbResult[Any]):
    """What the worker of `pin_state` found or did."""


class ProgrammeSavedResult(DbResult[Any]):
    """What the worker of `programme_saved` found or did."""


class RestoreCheckedResult(DbResult[Any]):
    """What the worker of `restore_checked` found or did."""


class RestoredResult(DbResult[Any]):
    """What the worker of `restored` found or did."""


class ShopSavedResult(DbResult[Any]):
    """What the worker of `shop_saved` found or did."""


class StaffSavedResult(DbResult[Any]):
    """What the worker of `staff_saved` found or did."""


class TextsSavedResult(DbResult[Any]):
    """What the worker of `texts_saved` found or did."""


class VersionsResult(DbResult[Any]):
    """What the worker of `versions` found or did."""


MAX_TIERS = 5
BACKUP_REASON_NAMES = {
    "daily": "daily",
    "manual": "by hand",
    "import": "import",
    "restore": "restore",
    "migration": "update",
}
NUMBER_FIELDS = [
    ("purchase_validity_days", "Purchase points valid (days)"),
    ("tier_window_days", "Tier looks back (days)"),
    ("welcome_points", "Welcome bonus (points)"),
    ("welcome_validity_days", "Welcome bonus valid (days)"),
    ("birthday_points", "Birthday bonus (points)"),
    ("birthday_validity_days", "Birthday bonus valid (days)"),
    ("birthday_grace_days", "Birthday bonus up to (days after)"),
    ("referral_points", "Referral bonus (points)"),
    ("referral_validity_days", "Referral bonus valid (days)"),
    ("min_redeem_points", "Redeem at least (points)"),
    ("restore_min_validity_days", "Refunded points valid at least (days)"),
    ("adjust_validity_days", "Added points valid (days)"),
]
PROGRAMME_FIELDS = ["point_value", "max_redeem_share", "tiers", "end_date"] + [
    n for n, _ in NUMBER_FIELDS
]


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


class SettingsScreen(BaseScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save this tab", priority=True),
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
                yield from self._row(
                    "point_value",
                    t("Point value ({currency})", currency=shop.settings.currency),
                    t.number(p.point_value),  # 0,05 in German; typed either way
                )
                yield from self._row(
                    "max_redeem_share",
                    t("Redeem at most (% of amount)"),
                    t.number((p.max_redeem_share * 100).normalize()),
                )
                yield Static(
                    t("Tiers: name, from (spent in the window), points per currency unit"),
                    classes="section",
                )
                for i in range(MAX_TIERS):
                    tier = p.tiers[i] if i < len(p.tiers) else None
                    with Horizontal(classes="row"):
                        yield Input(
                            tier.name if tier else "",
                            id=f"tier_name_{i}",
                            compact=True,
                            classes="tier",
                        )
                        yield Input(
                            str(tier.threshold) if tier else "",
                            id=f"tier_from_{i}",
                            compact=True,
                            classes="tier",
                        )
                        yield Input(
                            t.number(tier.rate) if tier else "",
                            id=f"tier_rate_{i}",
                            compact=True,
                            classes="tier",
                        )
                yield FieldError(id="tiers-error")
                for name, label in NUMBER_FIELDS:
                    yield from self._row(name, t(label), str(getattr(p, name)))
                yield from self._row(
                    "end_date",
                    t("Programme ends (YYYY-MM-DD, empty = never)"),
                    p.end_date.isoformat() if p.end_date else "",
                )
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
                yield from self._row("new_pin", t("New PIN (6+ digits or a passphrase)"), "")
                yield from self._row("new_pin_again", t("The same PIN again"), "")
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
        from olga_loyalty import paths

        t = self.t
        shown = paths.resolve(self.shop.location).shown()
        labels = {
            "database": t("Database"),
            "backups": t("Backups"),
            "exports": t("Exports"),
            "logs": t("Logs"),
        }
        width = max(len(label) for label in labels.values()) + 2
        server = t("(on the server: back it up with pg_dump)")
        return Content(  # plain text: a folder may be called [b]
            "\n".join(
                f"{label + ':':<{width}}{shown[key] or server}" for key, label in labels.items()
            )
        )

    def _row(self, name: str, label: str, value: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label, classes="field-label wide")
            yield Input(value, id=name, compact=True)
        yield FieldError(id=f"{name}-error")

    def on_mount(self) -> None:
        t = self.t
        self.sub_title = t("Settings")
        self.db(VersionsResult, _consent_versions)
        for widget_id in ("new_pin", "new_pin_again"):
            self.query_one(f"#{widget_id}", Input).password = True
        table = self.query_one("#backups", DataTable)
        table.add_column(t("Taken"), width=19)
        table.add_column(t("Why"), width=10)
        table.add_column(t("Size"), width=12)
        table.add_column(t("File"), width=30)
        audit = self.query_one("#audit", DataTable)
        audit.add_column(t("When"), width=16)
        audit.add_column(t("Staff"), width=10)
        audit.add_column(t("Action"), width=10)
        audit.add_column(t("Detail"), width=36)
        self.load_backups()
        self.db(AuditLoadedResult, safety.audit_log)
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

    def load_backups(self) -> None:
        self.db(BackupsLoadedResult, safety.list_backups, self.shop)

    @result_of(BackupsLoadedResult)
    def on_backups_loaded(self, found) -> None:
        self.backups = found
        table = self.query_one("#backups", DataTable)
        table.clear()
        for b in found:
            table.add_row(
                plain(f"{b.taken_at:%Y-%m-%d %H:%M:%S}"),
                plain(self.t(BACKUP_REASON_NAMES.get(b.reason, b.reason))),
                plain(self.t.number(b.size)),
                plain(b.path.name),
            )

    @result_of(AuditLoadedResult)
    def on_audit_loaded(self, entries) -> None:
        table = self.query_one("#audit", DataTable)
        table.clear()
        for e in entries:
            table.add_row(
                plain(self.t.datetime(e.at)), plain(e.staff), plain(e.action), plain(e.detail[:60])
            )

    def action_backup_now(self) -> None:
        self.db(BackedUpResult, safety.backup, self.shop, "manual", staff=self.loyalty.staff)

    @result_of(BackedUpResult)
    def on_backed_up(self, path) -> None:
        if path is None:
            self.app.notify(
                self.t(
                    "Backups here are of the SQLite database; back up PostgreSQL with its own tools."
                )
            )
            return
        self.app.notify(self.t("Backup written to {path}.", path=path), markup=False)
        self.load_backups()
        self.db(AuditLoadedResult, safety.audit_log)

    def action_restore(self) -> None:
        """The owner PIN, then the file's checks, then the question (with a warning when the
        backup is another shop's or carries no shop id), then the restore."""
        table = self.query_one("#backups", DataTable)
        found = getattr(self, "backups", [])
        if self.query_one(TabbedContent).active != "tab-backups" or not found:
            return
        chosen = found[table.cursor_row]

        def checked(pin) -> None:
            self._restoring = (chosen.path, pin)
            self.db(RestoreCheckedResult, safety.check_restore, self.shop, chosen.path)

        self.loyalty.with_pin("restore", checked)

    @result_of(RestoreCheckedResult)
    def on_restore_checked(self, check: safety.RestoreCheck) -> None:
        """The file is sound: ask, with the warning about whose backup it is."""
        from olga_loyalty.ui.screens.confirm import TypedConfirm

        t = self.t
        path, pin = self._restoring
        text = t(
            "The database is replaced by this backup; everything recorded since then is gone from "
            "it (the current state is backed up first)."
        )
        warning = check.warning
        if warning is not None:  # it quotes the file's name: data, shown as it is
            text = lines(warning.render(t.gettext), "", text)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.loyalty.protected(
                    self,
                    RestoredResult,
                    "restore",
                    pin,
                    safety.restore,
                    self.shop,
                    path,
                    staff=self.loyalty.staff,
                    other_shop=not check.this_shop,
                )

        self.app.push_screen(
            TypedConfirm(plain(t("Restore {file}", file=path.name)), text, t("RESTORE")), confirmed
        )

    @failure_of(RestoreCheckedResult)
    def on_restore_checked_error(self, error: LoyaltyError) -> None:
        self.app.notify(error.render(self.t.gettext), severity="error", timeout=10)

    @result_of(RestoredResult)
    def on_restored(self, result: safety.RestoreResult) -> None:
        self.app.notify(
            self.t(
                "Restored. The database as it was before is in {backup}.",
                backup=result.safety_copy,
            ),
            timeout=10,
            markup=False,
        )
        self.loyalty.language_changed()

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
                programme = self.read_programme()
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
                error = InvalidInput("The two PINs differ.", field="new_pin_again")
                show_field_errors(self, {"new_pin_again": error}, ["new_pin", "new_pin_again"])
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

    def save(self, tag: str, detail: str, work, *args) -> None:
        """A settings change: protected, with its audit entry in the same transaction."""
        self.loyalty.protected(self, tag, "settings", self.pin, work, *args, detail=detail)

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def read_programme(self) -> Programme:
        tiers = []
        for i in range(MAX_TIERS):
            name = " ".join(self.value(f"tier_name_{i}").split())
            if not name:
                continue
            threshold = parse_amount(
                self.value(f"tier_from_{i}") or "0",
                field="tiers",
                allow_zero=True,
                maximum=Decimal("10000000"),
            )
            try:
                rate = Decimal(self.value(f"tier_rate_{i}").replace(",", ".").strip())
            except ArithmeticError:
                raise InvalidInput(
                    "'{rate}' is not an earn rate.",
                    field="tiers",
                    rate=self.value(f"tier_rate_{i}")[:20],
                ) from None
            tiers.append(Tier(name[:40], threshold, rate))
        numbers = {name: parse_points(self.value(name), field=name) for name, _ in NUMBER_FIELDS}
        share = parse_amount(
            self.value("max_redeem_share").rstrip("% "),
            field="max_redeem_share",
            allow_zero=True,
            maximum=Decimal(100),
        )
        end_text = self.value("end_date").strip()
        try:
            end = date.fromisoformat(end_text) if end_text else None
        except ValueError:
            raise InvalidInput(
                "'{text}' is not a date like 2027-12-31.", field="end_date", text=end_text[:20]
            ) from None
        return replace(
            self.shop.programme,
            point_value=parse_amount(self.value("point_value"), field="point_value"),
            max_redeem_share=(share / 100).quantize(Decimal("0.0001")),
            tiers=tuple(tiers),
            end_date=end,
            **numbers,
        )

    @result_of(ShopSavedResult)
    def on_shop_saved(self, settings) -> None:
        self.app.notify(self.t("Shop settings saved."))
        self.loyalty.language_changed()

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
