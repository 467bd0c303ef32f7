"""The Textual app. `make_app` builds it the same way for the command line and the tests."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from olga_loyalty import logs, paths
from olga_loyalty.config import Clock
from olga_loyalty.i18n import Translator
from olga_loyalty.services.shop import Shop, open_shop
from olga_loyalty.ui.base import DbMixin, translate_bindings


def _load_libraries() -> None:
    """After the first paint: the libraries the first look-up or registration needs, so the
    search screen is ready for typing sooner and the first key does not wait for them."""
    import email_validator  # noqa: F401
    import phonenumbers

    phonenumbers.parse("+4915112345678", None)  # its region metadata loads on first use


def _customer_commands():
    # Loaded when the palette opens: textual.command is not needed for the first paint.
    from olga_loyalty.ui.commands import CustomerCommands

    return CustomerCommands


class LoyaltyApp(DbMixin, App):
    CSS_PATH = "app.tcss"
    TITLE = "Olga Loyalty"
    COMMANDS = App.COMMANDS | {_customer_commands}
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+n", "register", "New customer", priority=True),
        Binding("f9", "settings", "Settings"),
        Binding("f7", "export", "Export"),
        Binding("f8", "import", "Import"),
        Binding("f6", "reports", "Reports"),
        Binding("f3", "follow_ups", "Follow-ups"),
        Binding("f2", "reminders", "Reminders", show=False),
        Binding("ctrl+o", "open_folder", "Open the folder", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, shop: Shop, *, language: str | None = None, run_daily: bool = True) -> None:
        self.shop = shop
        self.language_override = language
        self.t = self._translator()
        self.run_daily = run_daily
        self.last_daily: date | None = None
        self.staff = (shop.staff_names() or [""])[-1]
        #: the folder of the last file written (ctrl+o opens it), else the exports folder
        self.last_folder: Path | None = None
        #: what to tell the user after the screen has closed (an unexpected error)
        self.exit_line = ""
        super().__init__()
        translate_bindings(self, self.t)

    def get_driver_class(self):
        from olga_loyalty.ui.terminal import hangup_safe

        return hangup_safe(super().get_driver_class())

    def _translator(self) -> Translator:
        settings = self.shop.settings
        language = self.language_override or settings.language
        return Translator(language, settings.currency)

    def on_mount(self) -> None:
        from olga_loyalty.ui.screens.search import SearchScreen

        self.sub_title = self.shop.settings.name
        if not self.is_headless:
            from olga_loyalty.ui.terminal import TerminalWatch

            TerminalWatch(self, on_gone=lambda why: logs.LOGGER.info("ui ended: %s", why)).start()
        self.push_screen(SearchScreen())
        # After the first paint, so that the thread does not hold up the screen.
        self.call_after_refresh(self.run_worker, _load_libraries, thread=True, group="warm-up")
        if not self.shop.settings.setup_done:
            from olga_loyalty.ui.screens.setup import SetupScreen

            self.push_screen(SetupScreen())
        if self.run_daily:
            self.check_new_day()
            self.set_interval(60, self.check_new_day)
            from olga_loyalty.services import safety

            self.db("daily_backup", safety.backup_if_first_today, self.shop)

    def _handle_exception(self, error: Exception) -> None:
        """An error no screen expected: its traceback goes to the log, and the user reads one
        line that names the log instead of Textual's traceback (tests keep Textual's way, which
        hands the error to the test)."""
        logs.unexpected(error, "the screen")
        message = logs.unexpected_message(self.t)
        if self.is_headless or message is None:
            super()._handle_exception(error)
            return
        self.exit_line = message  # printed whole once the screen is gone (`run`)
        self.exit(None, 1)

    def notify(self, message: str, *, markup: bool = False, **options) -> None:  # type: ignore[override]
        """Every notification is plain text: it may quote a name, a path or a note, which
        must never be read as markup (ui/text.py)."""
        super().notify(message, markup=False, **options)

    def on_daily_backup(self, path) -> None:
        if path is not None:
            self.notify(self.t("Backup of the day written: {path}", path=str(path)), markup=False)

    # -- the daily run: at start and at each new day while the app runs -------------
    def check_new_day(self) -> None:
        from olga_loyalty.services import points

        today = self.shop.today()
        if self.last_daily != today:
            self.last_daily = today
            self.db("daily", points.daily, self.shop)
        elif self.reminders_retry_at is not None and self.shop.now() >= self.reminders_retry_at:
            self.reminders_after_daily()

    # -- the owner PIN and the audit log ----------------------------------------------
    def with_pin(self, action: str, then) -> None:
        """Ask for the owner PIN (when one is set) before a protected action, then call
        `then(pin)`. The screen passes that PIN on to `safety.run_protected`, which checks it
        again in the transaction that does the action and writes its audit entry."""
        from olga_loyalty.services import safety

        self._after_pin = (action, then)
        self.db("pin_needed", safety.pin_is_set)

    def on_pin_needed(self, needed: bool) -> None:
        from olga_loyalty.services import safety
        from olga_loyalty.ui.screens.pin import PinScreen

        action, then = self._after_pin
        if not needed:
            then(safety.NO_PIN)
            return
        self.push_screen(PinScreen(action), lambda pin: then(pin) if pin else None)

    def protected(
        self, screen, tag: str, action: str, pin, work, *args, detail="", customer_id=None, **kwargs
    ):
        """Run a protected action in `screen`'s worker (result to `screen.on_<tag>`): the
        same service entry point as the command line's. An action on one customer passes
        `customer_id` (or a function of the result), so that her erasure scrubs the entry."""
        from olga_loyalty.services import safety

        screen.db(
            tag,
            safety.run_protected,
            self.shop,
            action,
            pin,
            work,
            *args,
            by=self.staff,
            detail=detail,
            customer_id=customer_id,
            **kwargs,
        )

    def on_daily(self, result) -> None:
        if result.expired_points or result.birthday_bonuses:
            self.notify(
                self.t(
                    "Daily run: {points} expired; {bonuses} given.",
                    points=self.t.points(result.expired_points),
                    bonuses=self.t.ngettext(
                        "{count} birthday bonus",
                        "{count} birthday bonuses",
                        result.birthday_bonuses,
                        count=result.birthday_bonuses,
                    ),
                )
            )
        self.reminders_after_daily()

    # -- reminder mails: queued after the daily run, sent in the background when automatic
    reminders_retry_at = None

    def reminders_after_daily(self) -> None:
        from olga_loyalty.ui.screens.reminders import after_daily_in_background

        self.reminders_retry_at = None
        self.db("reminders_daily", after_daily_in_background, self.shop)

    def on_reminders_daily(self, result) -> None:
        from olga_loyalty.ui.screens.reminders import daily_reminders_notice

        text, retry = daily_reminders_notice(self.t, result)
        if text:
            self.notify(
                text,
                severity="warning" if result.error else "information",
                timeout=10,
                markup=False,
            )
        if retry:  # the server could not be reached: try again in half an hour
            self.reminders_retry_at = self.shop.now() + retry

    # -- actions available everywhere ------------------------------------------------
    def action_help(self) -> None:
        from olga_loyalty.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_register(self, prefill: dict | None = None) -> None:
        from olga_loyalty.ui.screens.register import RegisterScreen

        if prefill is None:
            prefill = getattr(self.screen, "register_prefill", dict)()
        if not isinstance(self.screen, RegisterScreen):
            self.push_screen(RegisterScreen(prefill))

    def action_settings(self) -> None:
        from olga_loyalty.ui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.with_pin("settings", lambda pin: self.push_screen(SettingsScreen(pin)))

    def action_export(self) -> None:
        from olga_loyalty.ui.screens.exports import ExportScreen

        if not isinstance(self.screen, ExportScreen):
            self.with_pin("export", lambda pin: self.push_screen(ExportScreen(pin)))

    def action_import(self) -> None:
        from olga_loyalty.ui.screens.imports import ImportScreen

        if not isinstance(self.screen, ImportScreen):
            self.with_pin("import", lambda pin: self.push_screen(ImportScreen(pin)))

    def action_reports(self) -> None:
        from olga_loyalty.ui.screens.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def action_follow_ups(self) -> None:
        from olga_loyalty.ui.screens.followups import FollowUpsScreen

        if not isinstance(self.screen, FollowUpsScreen):
            self.push_screen(FollowUpsScreen())

    def action_reminders(self) -> None:
        from olga_loyalty.ui.screens.reminders import RemindersScreen

        if not isinstance(self.screen, RemindersScreen):
            self.push_screen(RemindersScreen())

    def action_bonus(self) -> None:
        from olga_loyalty.ui.screens.bonus import BonusScreen

        if not isinstance(self.screen, BonusScreen):
            self.push_screen(BonusScreen())

    def blank_consent_form(self) -> None:
        from olga_loyalty.services import gdpr

        self.db("file_written", gdpr.consent_form, self.shop, None)

    def on_file_written(self, path) -> None:
        self.announce_file(self.t("Written: {path}", path=path), path)

    # -- files written: where they are, and the folder opened on request -----------------
    def announce_file(self, text: str, path: Path, *, into=None) -> None:
        """A result that names a file (by its absolute path): shown as plain text, since a
        folder may be called `[b]`; its folder is remembered and, where the platform has a
        file manager, ctrl+o offered to open it. `into`: a Static that shows it too."""
        from textual.content import Content

        self.last_folder = Path(path).parent
        if paths.file_manager() is not None:
            text += "\n" + self.t("ctrl+o opens the folder.")
        if into is not None:
            into.update(Content(text))
        self.notify(text, timeout=10, markup=False)

    def action_open_folder(self) -> None:
        folder = self.last_folder or paths.exports_folder()
        if folder == paths.exports_folder():
            try:
                folder.mkdir(parents=True, exist_ok=True)  # the place to put lists to import
            except OSError:
                pass
        if not paths.open_folder(folder):
            self.notify(self.t("The folder is {path}", path=str(folder)), timeout=10, markup=False)

    def make_shortcut(self) -> None:
        from olga_loyalty import shortcut

        self.db("shortcut_written", shortcut.write, self.shop.location)

    def on_shortcut_written(self, path: Path) -> None:
        self.notify(self.t("Wrote the shortcut {path}.", path=str(path)), timeout=10, markup=False)

    def open_card(self, customer_id: int) -> None:
        from olga_loyalty.ui.screens.card import CardScreen

        self.push_screen(CardScreen(customer_id))

    def go_home(self) -> None:
        from olga_loyalty.ui.screens.search import SearchScreen

        while len(self.screen_stack) > 2 or not isinstance(self.screen, SearchScreen):
            if len(self.screen_stack) <= 1:
                break
            self.pop_screen()

    def language_changed(self) -> None:
        """Settings changed the language or currency: rebuild every screen in it."""
        from olga_loyalty.ui.screens.search import SearchScreen

        self.t = self._translator()
        # The English originals again, to translate; Textual adds ctrl+p (the palette) at
        # start, not to the class's bindings: keep it, or the palette is gone after set-up.
        palette = [b for _, b in self._bindings if b.action == "command_palette"]
        self._bindings = self._merged_bindings.copy()
        for binding in palette:
            self._bindings._add_binding(binding)
        translate_bindings(self, self.t)
        self.sub_title = self.shop.settings.name
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(SearchScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        t = self.t
        yield SystemCommand(t("New customer"), t("Register a customer"), self.action_register)
        yield SystemCommand(t("Search"), t("Back to the search screen"), self.go_home)
        yield SystemCommand(
            t("Settings"), t("Shop, programme, consent texts, staff"), self.action_settings
        )
        yield SystemCommand(
            t("Export"), t("Newsletter lists for mailing tools"), self.action_export
        )
        yield SystemCommand(
            t("Import"), t("Customer lists and unsubscribe lists"), self.action_import
        )
        yield SystemCommand(
            t("Reports"),
            t("Members, revenue, loyalty, points; lists to act on"),
            self.action_reports,
        )
        yield SystemCommand(
            t("Follow-ups"), t("The calls due today, complaints to answer"), self.action_follow_ups
        )
        yield SystemCommand(
            t("Reminders"),
            t("Birthday, expiring points, welcome: the mails waiting and sent (F2)"),
            self.action_reminders,
        )
        yield SystemCommand(
            t("Bonus for a segment"),
            t("Points for every customer of a segment, after a preview"),
            self.action_bonus,
        )
        yield SystemCommand(
            t("Blank consent form"),
            t("A printable form to fill in by hand"),
            self.blank_consent_form,
        )
        yield SystemCommand(
            t("Open the folder"),
            t("The folder of the last file written, else the exports folder (ctrl+o)"),
            self.action_open_folder,
        )
        yield SystemCommand(
            t("Desktop shortcut"),
            t("A shortcut on the desktop that starts Olga Loyalty"),
            self.make_shortcut,
        )
        yield SystemCommand(t("Help"), t("Every key on every screen"), self.action_help)
        for binding in screen._bindings.key_to_bindings.values():
            for b in binding:
                if b.show and b.description and not b.action.startswith("app."):
                    yield SystemCommand(
                        b.description,
                        t("On this screen ({key})", key=b.key),
                        lambda action=b.action: self.run_action(action, screen),
                    )
        yield SystemCommand(t("Quit"), t("Close Olga Loyalty"), self.exit)


def make_app(location: str, clock: Clock, language: str | None = None, **options) -> LoyaltyApp:
    shop = open_shop(location, clock)
    return LoyaltyApp(shop, language=language, **options)


def run(location: str, clock: Clock, language: str | None = None) -> int:
    app = make_app(location, clock, language)
    logs.LOGGER.info("ui started")
    try:
        app.run()
    finally:
        app.shop.close()
    if app.exit_line:
        print(app.exit_line, file=sys.stderr)  # one line, not wrapped: the path can be copied
    return app.return_code or 0
