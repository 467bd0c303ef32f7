"""Bulk bonus (§7): points for every customer of a segment, after a preview; owner PIN."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from olga_loyalty.domain.dates import parse_days
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.domain.money import parse_points
from olga_loyalty.services import campaigns, wording
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError, form_field, show_field_errors
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class AwardedResult(DbResult[Any]):
    """What the worker of `awarded` found or did."""


class PreviewedResult(DbResult[Any]):
    """What the worker of `previewed` found or did."""


FIELDS = ["segment", "points", "reason", "valid_days"]


class BonusScreen(DiscardGuard, BaseModal):
    BINDINGS = [
        Binding("ctrl+s", "award", "Award"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, segment: str = "all") -> None:
        super().__init__()
        self.segment = segment
        self.saving = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="bonus-dialog") as box:
            box.border_title = t("Bonus for a segment")
            yield Label(t("Segment (all, tier:Gold, birthday:12, lapsed:90, expiring:30, top:20)"))
            yield Input(value=self.segment, id="segment", compact=True)
            yield FieldError(id="segment-error")
            yield from form_field(t("Points per customer"), "points", placeholder="100")
            yield from form_field(t("Reason (required)"), "reason")
            yield from form_field(
                t("Valid for days"),
                "valid_days",
                value=str(self.shop.programme.adjust_validity_days),
            )
            yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#points", Input).focus()

    def values(self) -> tuple[str, int, int]:
        segment = self.query_one("#segment", Input).value
        amount = parse_points(self.query_one("#points", Input).value, field="points")
        days = parse_days(self.query_one("#valid_days", Input).value, field="valid_days")
        return segment, amount, days

    @on(Input.Changed, "#segment, #points, #valid_days")
    def update_preview(self) -> None:
        try:
            segment, amount, days = self.values()
        except LoyaltyError:
            self.query_one("#preview", Static).update("")
            return
        self.db(PreviewedResult, campaigns.preview, self.shop, segment, amount, valid_days=days)

    @result_of(PreviewedResult)
    def on_previewed(self, result: campaigns.BonusPreview) -> None:
        t = self.t
        self.query_one("#preview", Static).update(plain(wording.bonus_preview_text(t, result)))
        show_field_errors(self, {}, FIELDS)

    @failure_of(PreviewedResult)
    def on_previewed_error(self, error: LoyaltyError) -> None:
        self.query_one("#preview", Static).update("")
        field = error.field if error.field in FIELDS else "segment"
        show_field_errors(self, {field: error}, FIELDS)

    def action_award(self) -> None:
        if self.saving:
            return
        try:
            segment, amount, days = self.values()
        except LoyaltyError as error:
            show_field_errors(self, {error.field or "points": error}, FIELDS)
            return
        reason = self.query_one("#reason", Input).value
        if not reason.strip():
            missing = InvalidInput("An adjustment needs a reason.", field="reason")
            show_field_errors(self, {"reason": missing}, FIELDS)
            return

        def award(pin) -> None:
            self.saving = True
            text = " ".join(reason.split())[:100]
            self.loyalty.protected(
                self,
                AwardedResult,
                "bonus",
                pin,
                campaigns.award,
                self.shop,
                segment,
                amount,
                reason=reason,
                valid_days=days,
                staff=self.loyalty.staff,
                detail=lambda r: f"{r.segment}: {r.customers} × +{r.points} ({text})",
            )

        self.loyalty.with_pin("bonus", award)

    @result_of(AwardedResult)
    def on_awarded(self, result: campaigns.BonusPreview) -> None:
        t = self.t
        self.app.notify(
            t(
                "Bonus given: {customers} × {points}.",
                customers=t.customers(result.customers),
                points=t.points(result.points),
            )
        )
        self.dismiss(result)

    @failure_of(AwardedResult)
    def on_awarded_error(self, error: LoyaltyError) -> None:
        self.saving = False
        field = error.field if error.field in FIELDS else "segment"
        show_field_errors(self, {field: error}, FIELDS)

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))
