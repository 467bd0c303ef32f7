"""A manual correction of points, always with a reason."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from olga_loyalty.domain.dates import parse_days
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.domain.money import parse_points
from olga_loyalty.services import points
from olga_loyalty.services.customers import CustomerCard
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError, form_field, show_field_errors
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.typed_keys import after_typed_keys
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


FIELDS = ["points", "reason", "valid_days"]


class AdjustScreen(DiscardGuard, BaseModal):
    BINDINGS = [
        Binding("enter", "confirm", "Confirm", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, card: CustomerCard, pin=None) -> None:
        super().__init__()
        self.card = card
        self.pin = pin  # the owner PIN given for this adjustment (safety.Pin)
        self.saving = False

    def compose(self) -> ComposeResult:
        t, c = self.t, self.card.customer
        with Vertical(classes="dialog", id="adjust-dialog") as box:
            box.border_title = plain(
                t("Adjust points · {name}", name=f"{c.first_name} {c.last_name}")
            )
            yield from form_field(
                t("Points (+50 adds, -50 takes away)"), "points", placeholder="+50"
            )
            yield from form_field(t("Reason (required)"), "reason")
            yield from form_field(
                t("Valid for days (added points)"),
                "valid_days",
                value=str(self.shop.programme.adjust_validity_days),
            )
            yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#points", Input).focus()
        self.update_preview()

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        # a field typed again loses its old message (it is checked again at Enter)
        for label in self.query(f"#{event.input.id}-error").results(FieldError):
            label.show("")
        self.update_preview()

    def update_preview(self) -> None:
        t = self.t
        try:
            delta = parse_points(
                self.query_one("#points", Input).value, field="points", allow_negative=True
            )
        except LoyaltyError:
            delta = 0
        self.query_one("#preview", Static).update(
            plain(
                t(
                    "Balance {before} → {after}",
                    before=t.number(self.card.balance),
                    after=t.points(self.card.balance + delta),
                )
            )
        )

    @after_typed_keys
    def action_confirm(self) -> None:
        if self.saving:
            return
        errors: dict[str, LoyaltyError] = {}
        delta = days = None
        try:
            delta = parse_points(
                self.query_one("#points", Input).value,
                field="points",
                allow_negative=True,
                allow_zero=False,
            )
        except LoyaltyError as error:
            errors["points"] = error
        reason = self.query_one("#reason", Input).value
        if not reason.strip():
            errors["reason"] = InvalidInput("An adjustment needs a reason.", field="reason")
        try:
            days = parse_days(self.query_one("#valid_days", Input).value, field="valid_days")
        except LoyaltyError as error:
            errors["valid_days"] = error
        show_field_errors(self, errors, FIELDS)
        if errors:
            return
        self.saving = True
        text = " ".join(reason.split())[:100]
        self.loyalty.protected(
            self,
            SavedResult,
            "adjust",
            self.pin,
            points.adjust,
            self.shop,
            self.card.customer.id,
            delta,
            reason=reason,
            staff=self.loyalty.staff,
            valid_days=days,
            detail=lambda r: f"customer #{r.customer_id}: {r.points:+d} ({text})",
            customer_id=lambda r: r.customer_id,
        )

    @result_of(SavedResult)
    def on_saved(self, result: points.AdjustResult) -> None:
        self.app.notify(
            self.t(
                "Adjusted by {points}; balance {balance}.",
                points=self.t.points(result.points, signed=True),
                balance=self.t.number(result.balance),
            )
        )
        self.dismiss(result)

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        show_field_errors(self, {error.field if error.field in FIELDS else "points": error}, FIELDS)

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))
