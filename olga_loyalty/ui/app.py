"""The Textual app. `make_app` builds it the same way for the command line and the tests.

Start-up speed: the app imports the search screen and what its first paint needs; every other
screen, the services it calls and the command palette are imported in the methods that open
or call them (the function-level imports below)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from textual import events
from textual._time import get_time
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen

from olga_loyalty import logs
from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.text import visible
from olga_loyalty.i18n import Translator
from olga_loyalty.services.shop import Shop, open_shop
from olga_loyalty.ui.daily import DailyBackupResult, DailyRun
from olga_loyalty.ui.keys import AppKeys, app_bindings
from olga_loyalty.ui.navigation import Navigation
from olga_loyalty.ui.themes import THEMES
from olga_loyalty.ui.workers import DbMixin, DbResult, failure_of, result_of


def _load_libraries() -> None:
    """After the first paint: the libraries the first look-up or registration needs, so the
    search screen is ready for typing sooner and the first key does not wait for them."""
    import email_validator  # noqa: F401
    import phonenumbers

    import olga_loyalty.services.customers  # noqa: F401  # the search's (ui/screens/search.py)

    phonenumbers.parse("+4915112345678", None)  # its region metadata loads on first use


def _customer_commands():
    # Loaded when the palette opens: textual.command is not needed for the first paint.
    from olga_loyalty.ui.commands import CustomerCommands

    return CustomerCommands


class ThemeKeptResult(DbResult[object]):
    """The theme chosen in the palette, kept in the settings."""


class PinNeededResult(DbResult[bool]):
    """Whether an owner PIN is set (asked before a protected action)."""


class FileWrittenResult(DbResult[Path]):
    """A file written for the user (the blank consent form)."""


class ShortcutWrittenResult(DbResult[Path]):
    """The desktop shortcut written."""


class LoyaltyApp(Navigation, DailyRun):
    CSS_PATH = "app.tcss"
    TITLE = "Olga Loyalty"
    #: Seconds after a screen opened or closed on its own (a save finished, say) in which
    #: keys are not passed on: they were meant for the screen that was there a moment ago
    #: (`guard_keys`). None: 0.4 s, and 0 in headless tests, which set it when they test it.
    key_guard: float | None = None
    COMMANDS = App.COMMANDS | {_customer_commands}
    BINDINGS = AppKeys.BINDINGS

    def __init__(self, shop: Shop, *, language: str | None = None, run_daily: bool = True) -> None:
        self.shop = shop
        self.language_override = language
        self.t = self._translator()
        self.run_daily = run_daily
        #: the start-up's work after the first paint has begun (`after_first_paint`)
        self.after_paint_begun = False
        self.last_daily: date | None = None
        self.staff = (shop.staff_names() or [""])[-1]
        #: the folder of the last file written (ctrl+o opens it), else the exports folder
        self.last_folder: Path | None = None
        #: what to tell the user after the screen has closed (an unexpected error)
        self.exit_line = ""
        #: keys made before this moment are not passed on (see `guard_keys`)
        self.keys_quiet_until = 0.0
        super().__init__()
        self.theme = THEMES.get(shop.settings.theme, THEMES["dark"])

    def get_driver_class(self):
        from olga_loyalty.ui.terminal import hangup_safe

        return hangup_safe(super().get_driver_class())

    def _translator(self) -> Translator:
        """`--lang`, else the shop's language; before the shop is set up (it has none yet)
        `OLGA_LOYALTY_LANG`, else the system's, as on the command line (docs/rules.md)."""
        from olga_loyalty.config import system_language

        settings = self.shop.settings
        stored = settings.language if settings.setup_done else system_language()
        return Translator(self.language_override or stored, settings.currency)

    def on_mount(self) -> None:
        from olga_loyalty.ui.screens.search import SearchScreen

        self.sub_title = visible(self.shop.settings.name)
        if not self.is_headless:
            from olga_loyalty.ui.terminal import TerminalWatch

            TerminalWatch(self, on_gone=lambda why: logs.LOGGER.info("ui ended: %s", why)).start()
        self.push_screen(SearchScreen())
        if not self.shop.settings.named:
            from olga_loyalty.ui.screens.setup import SetupScreen

            self.push_screen(SetupScreen())

    def after_first_paint(self) -> None:
        """The search screen has been painted (it calls this): the start-up's other work
        begins, in threads, once per run (a change of language paints a new search screen).
        Before the paint it would hold the screen up (docs/benchmarks.md, start-up)."""
        if self.after_paint_begun:
            return
        self.after_paint_begun = True
        self.run_worker(_load_libraries, thread=True, group="warm-up")
        if self.run_daily:
            self.check_new_day()
            self.set_interval(60, self.check_new_day)
            from olga_loyalty.services import safety

            self.db(DailyBackupResult, safety.backup_if_first_today, self.shop)

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

    # -- keys -------------------------------------------------------------------------------
    def get_key_display(self, binding: Binding) -> str:
        """Keys in the footer as the keyboard names them: F1, Esc, ^n, ^Entf."""
        from olga_loyalty.ui.keys import key_label

        return binding.key_display or key_label(binding.key, self.t, short=True)

    def guard_keys(self) -> None:
        """A screen opened or closed on its own (a save or a check finished in a worker):
        the keys pressed just before and in the moment after were meant for the screen that
        was there (a stray `e` opened Edit on the card below a closing dialog). They are not
        passed on, except letters typed into a text field, where they do no harm."""
        guard = self.key_guard if self.key_guard is not None else (0.0 if self.is_headless else 0.4)
        self.keys_quiet_until = get_time() + guard

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and event.time < self.keys_quiet_until
            and not self._typing(event)
        ):
            logs.LOGGER.debug("key %s dropped: the screen had just changed", event.key)
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            from olga_loyalty.ui.typed_keys import (
                enter_submitted_in_order,
                field_key_in_order,
                tab_moved_the_focus,
            )

            if tab_moved_the_focus(self, event):
                return  # the keys after it go to the next field (docs/ui.md)
            if enter_submitted_in_order(self, event):
                return  # the field is submitted with the keys before it only
            if field_key_in_order(self, event):
                return  # Backspace takes the character before it, not one typed after
        await super().on_event(event)

    def _typing(self, event: events.Key) -> bool:
        from textual.widgets import Input, TextArea

        return event.is_printable and isinstance(self.focused, (Input, TextArea))

    def action_help_quit(self) -> None:
        """ctrl+c copies in a text field and quits nowhere: say how to quit, in words."""
        self.notify(
            self.t("Press {key} to quit Olga Loyalty.", key=self.get_key_display(self._quit_key())),
            title=self.t("Quit?"),
        )

    def _quit_key(self) -> Binding:
        return next(b for bs in app_bindings(self).values() for b in bs if b.action == "quit")

    # -- the command palette, and Textual's own words in it ---------------------------------
    def action_command_palette(self) -> None:
        from olga_loyalty.ui.commands import Palette

        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def action_change_theme(self) -> None:
        from olga_loyalty.ui.commands import Palette, ThemeCommands

        self.push_screen(Palette(providers=[ThemeCommands], placeholder="Search for themes…"))

    def choose_theme(self, name: str) -> None:
        """A theme from the palette: shown at once and kept in the settings (`theme`), which
        the owner PIN protects like every setting."""
        from olga_loyalty.services import settings as settings_service

        previous = self.theme
        self.theme = THEMES[name]

        def keep(pin) -> None:
            self.protected(
                self,
                ThemeKeptResult,
                "settings",
                pin,
                settings_service.set_value,
                self.shop,
                "theme",
                name,
                detail="theme",
            )

        def cancelled() -> None:
            self.theme = previous

        self._theme_cancelled = cancelled
        self.with_pin("settings", keep, on_cancel=cancelled)

    @result_of(ThemeKeptResult)
    def on_theme_kept(self, _: object) -> None:
        self.notify(self.t("The theme is kept in the settings."))

    @failure_of(ThemeKeptResult)
    def on_theme_kept_error(self, error: LoyaltyError) -> None:
        self._theme_cancelled()
        self.show_error(error)

    def notify(self, message: str, *, markup: bool = False, **options) -> None:
        """Every notification is plain text: it may quote a name, a path or a note, which
        must never be read as markup (ui/text.py)."""
        super().notify(message, markup=False, **options)

    # -- the owner PIN and the audit log ----------------------------------------------
    def with_pin(self, action: str, then, on_cancel=None) -> None:
        """Ask for the owner PIN (when one is set) before a protected action, then call
        `then(pin)` (or `on_cancel()` when the dialog is cancelled). The screen passes that
        PIN on to `safety.run_protected`, which checks it again in the transaction that does
        the action and writes its audit entry."""
        from olga_loyalty.services import safety

        self._after_pin = (action, then, on_cancel)
        self.db(PinNeededResult, safety.pin_is_set)

    @result_of(PinNeededResult)
    def on_pin_needed(self, needed: bool) -> None:
        from olga_loyalty.services import safety
        from olga_loyalty.ui.screens.pin import PinScreen

        action, then, on_cancel = self._after_pin

        def given(pin) -> None:
            if pin:
                then(pin)
            elif on_cancel is not None:
                on_cancel()

        if not needed:
            then(safety.NO_PIN)
            return
        self.push_screen(PinScreen(action), given)

    def protected(
        self,
        screen: DbMixin,
        kind: type[DbResult[Any]],
        action: str,
        pin: Any,
        work: Callable[..., Any],
        *args: Any,
        detail: str | Callable[[Any], str] = "",
        customer_id: int | Callable[[Any], int | None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Run a protected action in `screen`'s worker (its value to `screen`'s
        `@result_of(kind)` method): the
        same service entry point as the command line's. An action on one customer passes
        `customer_id` (or a function of the result), so that her erasure scrubs the entry."""
        from olga_loyalty.services import safety

        screen.db(
            kind,
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

    # -- actions available everywhere ------------------------------------------------
    def action_help(self) -> None:
        from olga_loyalty.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.screen, _screens()))

    def blank_consent_form(self) -> None:
        from olga_loyalty.services import gdpr

        self.db(FileWrittenResult, gdpr.consent_form, self.shop, None)

    @result_of(FileWrittenResult)
    def on_file_written(self, path: Path) -> None:
        self.announce_file(self.t("Written: {path}", path=path), path)

    # -- files written: where they are, and the folder opened on request -----------------
    def announce_file(self, text: str, path: Path, *, into=None) -> None:
        """A result that names a file (by its absolute path): shown as plain text, since a
        folder may be called `[b]`; its folder is remembered and, where the platform has a
        file manager, ctrl+o offered to open it. `into`: a Static that shows it too."""
        from olga_loyalty import paths  # not before the first paint: start-up speed

        self.last_folder = Path(path).parent
        if paths.file_manager() is not None:
            text += "\n" + self.t("ctrl+o opens the folder.")
        if into is not None:
            into.update(Content(text))
        self.notify(text, timeout=10, markup=False)

    def action_open_folder(self) -> None:
        from olga_loyalty import paths  # not before the first paint: start-up speed

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

        self.db(ShortcutWrittenResult, shortcut.write, self.shop.location)

    @result_of(ShortcutWrittenResult)
    def on_shortcut_written(self, path: Path) -> None:
        self.notify(self.t("Wrote the shortcut {path}.", path=str(path)), timeout=10, markup=False)

    def go_home(self, notice: str = "") -> None:
        """Back to the search screen with an empty box, ready for the next customer; `notice`
        (what to charge, say) stands above the list until something is typed."""
        from olga_loyalty.ui.screens.search import SearchScreen

        while len(self.screen_stack) > 2 or not isinstance(self.screen, SearchScreen):
            if len(self.screen_stack) <= 1:
                break
            self.pop_screen()
        if isinstance(self.screen, SearchScreen):
            self.screen.start_over(notice)

    def language_changed(self) -> None:
        """Settings changed the language or currency: rebuild every screen in it."""
        from olga_loyalty.ui.screens.search import SearchScreen

        self.t = self._translator()  # the footer, the help and the palette translate with it
        self.sub_title = visible(self.shop.settings.name)
        self.theme = THEMES.get(self.shop.settings.theme, THEMES["dark"])
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(SearchScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Loaded when the palette opens: not needed for the first paint.
        from olga_loyalty.ui.commands import system_commands

        return system_commands(self, screen)


def _screens() -> list[tuple[str, type, list[tuple[str, str]]]]:
    """F1's help: a title, the class whose keys it lists, and lines of keys beyond those.
    (Loaded when F1 is pressed, like every screen but the search: start-up speed.)"""
    from olga_loyalty.ui.screens.adjust import AdjustScreen
    from olga_loyalty.ui.screens.bonus import BonusScreen
    from olga_loyalty.ui.screens.card import CardScreen
    from olga_loyalty.ui.screens.consents import ConsentsScreen
    from olga_loyalty.ui.screens.exports import ExportScreen
    from olga_loyalty.ui.screens.followups import FeedbackScreen, FollowUpsScreen
    from olga_loyalty.ui.screens.imports import ImportScreen
    from olga_loyalty.ui.screens.purchase import PurchaseScreen
    from olga_loyalty.ui.screens.refund import RefundScreen
    from olga_loyalty.ui.screens.register import CustomerForm
    from olga_loyalty.ui.screens.reminders import RemindersScreen
    from olga_loyalty.ui.screens.reports import ReportsScreen
    from olga_loyalty.ui.screens.search import SearchScreen
    from olga_loyalty.ui.screens.settings import SettingsScreen

    return [
        (
            "Everywhere",
            LoyaltyApp,
            [("ctrl+p", "Command palette: every action, customers by name or phone")],
        ),
        ("Search", SearchScreen, [("↑ ↓", "Choose a customer")]),
        ("Customer card", CardScreen, []),
        ("Purchase", PurchaseScreen, []),
        ("Refund", RefundScreen, [("↑ ↓", "Choose the purchase")]),
        ("Adjust points", AdjustScreen, []),
        ("New customer / Edit customer", CustomerForm, [("tab / enter", "Next field")]),
        ("Consents", ConsentsScreen, [("↑ ↓", "Choose the consent")]),
        ("Settings", SettingsScreen, [("← →", "Switch tabs")]),
        ("Export", ExportScreen, []),
        ("Import", ImportScreen, []),
        ("Reports", ReportsScreen, [("1 2 3 4", "Choose a list")]),
        ("Follow-ups", FollowUpsScreen, [("↑ ↓", "Choose the follow-up")]),
        ("Feedback", FeedbackScreen, []),
        ("Bonus for a segment", BonusScreen, []),
        ("Reminders", RemindersScreen, [("↑ ↓", "Choose a mail: its text is shown below")]),
    ]


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
