"""The owner PIN, asked before protected actions (settings, adjustments, erasure, imports,
restore, personal-data exports) when one is set."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.services import safety
from olga_loyalty.ui.base import BaseModal, FieldError


class PinScreen(BaseModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="pin-dialog") as box:
            box.border_title = t("Owner PIN")
            yield Label(t("This action is protected. Enter the owner PIN and press Enter:"))
            yield Input(id="pin", password=True, compact=True, max_length=12)
            yield FieldError(id="pin-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.db(
            "checked",
            safety.check_pin,
            self.shop,
            event.value,
            self.action,
            staff=self.loyalty.staff,
        )

    def on_checked(self, _) -> None:
        self.dismiss(True)

    def on_checked_error(self, error: LoyaltyError) -> None:
        box = self.query_one(Input)
        box.value = ""
        self.query_one(FieldError).show(error.render(self.t.gettext))

    def action_cancel(self) -> None:
        self.dismiss(False)
