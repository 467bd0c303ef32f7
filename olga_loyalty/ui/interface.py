"""What the screens may ask of the app, as a Protocol: screens reach the app through
`self.app` (typed as this by `ScreenMixin.loyalty`), never by importing ui/app.py, which
imports the screens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.widgets import Static

    from olga_loyalty.i18n import Translator
    from olga_loyalty.services.shop import Shop
    from olga_loyalty.ui.workers import DbMixin, DbResult


class LoyaltyShell(Protocol):
    """The app's own part that screens use (Textual's App gives the rest)."""

    t: Translator
    shop: Shop
    staff: str
    last_folder: Path | None

    def with_pin(
        self,
        action: str,
        then: Callable[[Any], object],
        on_cancel: Callable[[], object] | None = None,
    ) -> None: ...

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
    ) -> None: ...

    def open_card(self, customer_id: int) -> None: ...

    def go_home(self, notice: str = "") -> None: ...

    def language_changed(self) -> None: ...

    def after_first_paint(self) -> None: ...

    def guard_keys(self) -> None: ...

    def announce_file(self, text: str, path: Path, *, into: Static | None = None) -> None: ...

    def action_register(self, prefill: dict[str, str] | None = None) -> None: ...

    def choose_theme(self, name: str) -> None: ...

    # the app's actions, offered in the palette
    def action_help(self) -> None: ...

    def action_settings(self) -> None: ...

    def action_export(self) -> None: ...

    def action_import(self) -> None: ...

    def action_reports(self) -> None: ...

    def action_follow_ups(self) -> None: ...

    def action_reminders(self) -> None: ...

    def action_bonus(self) -> None: ...

    def action_open_folder(self) -> None: ...

    def action_change_theme(self) -> None: ...

    def blank_consent_form(self) -> None: ...

    def make_shortcut(self) -> None: ...
