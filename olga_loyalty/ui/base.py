"""What every screen shares: its way to the app, the translator and the shop, database
work in thread workers (`ui/workers.py`), and the footer it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.binding import ActiveBinding
from textual.screen import ModalScreen, Screen

from olga_loyalty.ui.keys import footer_bindings
from olga_loyalty.ui.workers import DbMixin

if TYPE_CHECKING:
    from olga_loyalty.i18n import Translator
    from olga_loyalty.services.shop import Shop
    from olga_loyalty.ui.interface import LoyaltyShell


class ScreenMixin(DbMixin):
    """Short ways to the app, its translator and its shop; the footer this screen shows."""

    #: The app's keys this screen shows in its footer: F1 (help) everywhere; the command
    #: palette (ctrl+p) is always shown at the right by Textual itself.
    FOOTER_APP_KEYS: tuple[str, ...] = ("f1",)

    @property
    def loyalty(self) -> LoyaltyShell:
        return cast("LoyaltyShell", self.app)

    @property
    def t(self) -> Translator:
        return self.loyalty.t

    @property
    def shop(self) -> Shop:
        return self.loyalty.shop


class BaseScreen(Screen[Any], ScreenMixin):
    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """What the footer shows: Textual's own descriptions and tooltips translated too,
        and of the app's keys only `FOOTER_APP_KEYS` (all of them stay active; F1 lists them)."""
        return footer_bindings(self, super().active_bindings)


class BaseModal(ModalScreen[Any], ScreenMixin):
    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return footer_bindings(self, super().active_bindings)
