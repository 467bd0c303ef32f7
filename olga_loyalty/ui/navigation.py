"""The screens the app's keys open (F1, ctrl+n, F2–F9; the card from the palette), each
loaded when it is first opened: the start-up loads only the search screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import App

from olga_loyalty.ui.typed_keys import after_typed_keys

if TYPE_CHECKING:
    from olga_loyalty.ui.interface import LoyaltyShell


class Navigation(App[Any]):
    """The app's actions that open a screen (a part of `LoyaltyApp`). The screens are
    imported in the actions: start-up speed."""

    @after_typed_keys  # ctrl+n after a name typed in the same burst: the name whole
    def action_register(self, prefill: dict | None = None) -> None:
        from olga_loyalty.ui.screens.register import RegisterScreen

        if prefill is None:
            prefill = getattr(self.screen, "register_prefill", dict)()
        if not isinstance(self.screen, RegisterScreen):
            self.push_screen(RegisterScreen(prefill))

    def action_settings(self) -> None:
        from olga_loyalty.ui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            cast("LoyaltyShell", self).with_pin(
                "settings", lambda pin: self.push_screen(SettingsScreen(pin))
            )

    def action_export(self) -> None:
        from olga_loyalty.ui.screens.exports import ExportScreen

        if not isinstance(self.screen, ExportScreen):
            cast("LoyaltyShell", self).with_pin(
                "export", lambda pin: self.push_screen(ExportScreen(pin))
            )

    def action_import(self) -> None:
        from olga_loyalty.ui.screens.imports import ImportScreen

        if not isinstance(self.screen, ImportScreen):
            cast("LoyaltyShell", self).with_pin(
                "import", lambda pin: self.push_screen(ImportScreen(pin))
            )

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

    def open_card(self, customer_id: int) -> None:
        from olga_loyalty.ui.screens.card import CardScreen

        self.push_screen(CardScreen(customer_id))
