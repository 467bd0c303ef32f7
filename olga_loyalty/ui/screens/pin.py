"""The owner PIN, asked before protected actions (safety.PROTECTED: settings, adjustments,
erasure, imports, restore, personal-data exports, bulk bonuses) when one is set. It answers
with the checked PIN, which the action passes on to `safety.run_protected`."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.services import safety
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class CheckedResult(DbResult[Any]):
    """What the worker of `checked` found or did."""


class PinScreen(BaseModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        #: a PIN is being checked: an Enter typed ahead meanwhile is not a second try
        self.checking = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="pin-dialog") as box:
            box.border_title = t("Owner PIN")
            yield Label(t(safety.PROTECTED_ACTION_NAMES[self.action]), id="pin-action")
            yield Label(t("This action is protected. Enter the owner PIN and press Enter:"))
            yield Input(id="pin", password=True, compact=True, max_length=safety.PASSPHRASE_MAX)
            yield FieldError(id="pin-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """One PIN at a time: `246810` Enter `ERASE` Enter checked `246810ERASE` too, whose
        wrong answer came last, counted towards the lock-out and hid the right one."""
        if self.checking:
            return
        self.checking = True
        self.db(
            CheckedResult,
            safety.authorise,
            self.shop,
            self.action,
            event.value,
            by=self.loyalty.staff,
        )

    @result_of(CheckedResult)
    def on_checked(self, pin: safety.Pin) -> None:
        self.dismiss(pin)

    @failure_of(CheckedResult)
    def on_checked_error(self, error: LoyaltyError) -> None:
        self.checking = False
        box = self.query_one(Input)
        box.value = ""
        self.query_one(FieldError).show(error.render(self.t.gettext))

    def action_cancel(self) -> None:
        self.dismiss(None)
