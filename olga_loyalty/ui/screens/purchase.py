"""A purchase at the counter: amount, points to redeem, what to charge in big figures as
it is typed; Enter saves, and the dialog then keeps what to charge on screen until Enter
(the next customer, on an empty search box) or Esc (back to the card).

The counter story is: the phone's digits, Enter (the card), `p`, the amount, F4 (the most
points allowed), Enter (saved: "To pay: …"), Enter (the next customer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Footer, Input, Label, Static

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.points import Programme, PurchasePlan, max_redeemable, plan_purchase
from olga_loyalty.services import customers, points
from olga_loyalty.services.customers import CustomerCard
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import marked, plain
from olga_loyalty.ui.typed_keys import after_typed_keys
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class RefreshedResult(DbResult[Any]):
    """What the worker of `refreshed` found or did."""


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


class CardAgainResult(DbResult[Any]):
    """Her card read again after a save was refused for her points (another till used them)."""


FIELDS = ["amount", "redeem", "follow_up"]


def charge_summary(t, plan: PurchasePlan) -> str:
    """`To pay: €84.90 · 100 points redeemed · 84 points earned`."""
    return t(
        "To pay: {paid} · {redeemed} redeemed · {earned} earned",
        paid=t.money(plan.paid),
        redeemed=t.points(plan.redeemed_points),
        earned=t.points(plan.earned_points),
    )


class PurchaseScreen(DiscardGuard, BaseModal):
    BINDINGS = [
        Binding("f4", "take_max", "Max points"),
        Binding("enter", "confirm", "Confirm", priority=True),
        Binding("enter", "next_customer", "Next customer", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "back_to_card", "Back to the card"),
    ]

    def __init__(self, card: CustomerCard) -> None:
        super().__init__()
        self.card = card
        self.plan: PurchasePlan | None = None
        self.shown_programme: Programme | None = None  # what the preview was computed with
        self.saving = False
        self.result: points.PurchaseResult | None = None

    def compose(self) -> ComposeResult:
        t, c = self.t, self.card.customer
        with Vertical(classes="dialog", id="purchase-dialog") as box:
            box.border_title = plain(t("Purchase · {name}", name=f"{c.first_name} {c.last_name}"))
            with Horizontal(classes="row"):
                yield Label(
                    t("Amount ({currency})", currency=self.shop.settings.currency),
                    classes="field-label wide",
                )
                yield Input(
                    placeholder=t("e.g. {amount}", amount=t.decimal(Decimal("89.90"), 2)),
                    id="amount",
                    compact=True,
                )
            yield FieldError(id="amount-error")
            with Horizontal(classes="row"):
                yield Label(t("Points to redeem"), classes="field-label wide")
                yield Input(value="0", id="redeem", compact=True)
            yield Label("", id="redeem-label", classes="hint")
            yield FieldError(id="redeem-error")
            with Horizontal(classes="row"):
                yield Label(t("Follow-up call in days"), classes="field-label wide")
                yield Input(id="follow_up", placeholder=t("empty: none"), compact=True)
            yield FieldError(id="follow_up-error")
            with Vertical(id="charge"):
                yield Label(t("To pay"), id="to-pay-label")
                yield Digits("", id="to-pay")
                yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()
        self.update_preview()
        # the programme may have been changed on another till or the command line
        self.db(RefreshedResult, self.shop.refresh)

    @result_of(RefreshedResult)
    def on_refreshed(self, changed: bool) -> None:
        if changed:
            self.update_preview()

    def check_action(self, action: str, parameters) -> bool | None:
        """Before saving: confirm, F4, cancel; after: the next customer, or back."""
        if action in ("next_customer", "back_to_card"):
            return self.result is not None
        if action in ("confirm", "take_max", "cancel"):
            return self.result is None
        return True

    # -- the live preview: pure rules over the card's figures, no database ---------------
    @on(Input.Changed)
    def changed(self) -> None:
        if self.result is None:
            self.update_preview()

    def _amount(self) -> Decimal | None:
        try:
            return parse_amount(self.query_one("#amount", Input).value)
        except LoyaltyError:
            return None

    def update_preview(self) -> None:
        t, card, programme = self.t, self.card, self.shop.programme
        self.shown_programme = programme
        amount = self._amount()
        most = max_redeemable(amount, card.balance, programme) if amount else 0
        self.query_one("#redeem-label", Label).update(
            plain(
                t(
                    "F4 takes the most: {most} (balance {balance})",
                    balance=t.points(card.balance),
                    most=t.number(most),
                )
            )
        )
        preview = self.query_one("#preview", Static)
        digits = self.query_one("#to-pay", Digits)
        self.plan = None
        if amount is None:
            digits.update("")
            preview.update(plain(t("Type the amount to see what to charge.")))
            return
        try:
            redeem = parse_points(self.query_one("#redeem", Input).value or "0", field="redeem")
            plan = plan_purchase(
                amount,
                redeem,
                balance=card.balance,
                spent_in_window=card.spent_in_window,
                programme=programme,
                today=self.shop.today(),
            )
        except LoyaltyError as error:
            digits.update("")
            preview.update(marked("[b]{message}[/b]", message=error.render(t.gettext)))
            return
        self.plan = plan
        digits.update(t.money(plan.paid))
        preview.update(
            text_lines(
                t(
                    "{amount} − {points} ({value}) · earned: {earned} ({tier})",
                    amount=t.money(plan.amount),
                    points=t.points(plan.redeemed_points),
                    value=t.money(plan.redeemed_value),
                    earned=t.points(plan.earned_points),
                    tier=plan.tier.name,
                ),
                t("New balance: {points}", points=t.points(plan.balance_after)),
                t("Enter saves · Esc cancels"),
            )
        )

    def action_take_max(self) -> None:
        amount = self._amount()
        most = max_redeemable(amount, self.card.balance, self.shop.programme) if amount else 0
        self.query_one("#redeem", Input).value = str(most)

    # -- confirming ----------------------------------------------------------------------
    @after_typed_keys
    def action_confirm(self) -> None:
        if self.saving or self.result is not None:
            return
        errors: dict[str, LoyaltyError] = {}
        amount = redeem = None
        try:
            amount = parse_amount(self.query_one("#amount", Input).value)
        except LoyaltyError as error:
            errors["amount"] = error
        try:
            redeem = parse_points(self.query_one("#redeem", Input).value or "0", field="redeem")
        except LoyaltyError as error:
            errors["redeem"] = error
        if not errors and self.plan is None and amount is not None and redeem is not None:
            try:
                plan_purchase(
                    amount,
                    redeem,
                    balance=self.card.balance,
                    spent_in_window=self.card.spent_in_window,
                    programme=self.shop.programme,
                    today=self.shop.today(),
                )
            except LoyaltyError as error:
                errors["redeem"] = error
        show_field_errors(self, errors, FIELDS)
        if errors:
            return
        self.saving = True
        self.db(
            SavedResult,
            points.record_purchase,
            self.shop,
            self.card.customer.id,
            amount,
            redeem=redeem,
            staff=self.loyalty.staff,
            follow_up=self.query_one("#follow_up", Input).value,
            programme_shown=self.shown_programme,
        )

    @result_of(SavedResult)
    def on_saved(self, result: points.PurchaseResult) -> None:
        """Saved: what to charge stays in big figures until Enter or Esc."""
        t, plan = self.t, result.plan
        self.result = result
        for box in self.query(Input):
            box.disabled = True
        self.query_one("#redeem-label", Label).display = False  # F4 is over
        self.query_one("#purchase-dialog").border_title = plain(
            t(
                "Purchase #{id} saved · {name}",
                id=result.purchase_id,
                name=f"{self.card.customer.first_name} {self.card.customer.last_name}",
            )
        )
        self.query_one("#to-pay", Digits).update(t.money(plan.paid))
        shown = [
            marked("[b]{summary}[/b]", summary=charge_summary(t, plan)),
            t("New balance: {points}", points=t.points(result.balance)),
        ]
        if result.follow_up_id:
            shown.append(t("Follow-up call #{id} scheduled.", id=result.follow_up_id))
        shown.append(t("Enter: the next customer · Esc: back to the card"))
        self.query_one("#preview", Static).update(text_lines(*shown))
        self.refresh_bindings()
        # an Enter pressed twice must not hide what to charge before it was seen
        self.loyalty.guard_keys()

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        self.update_preview()  # with the programme as the service found it
        field = error.field if error.field in FIELDS else "redeem"
        show_field_errors(self, {field: error}, FIELDS)
        if error.field == "redeem":
            # her balance may have changed at another till since the card was read: F4 and
            # the preview take it as it is now (they kept offering the points she no longer
            # had, and Enter was refused again)
            self.db(CardAgainResult, customers.card, self.shop, self.card.customer.id, 0)

    @result_of(CardAgainResult)
    def on_card_again(self, card: CustomerCard) -> None:
        self.card = card
        self.update_preview()

    @failure_of(CardAgainResult)
    def on_card_again_error(self, error: LoyaltyError) -> None:
        pass  # the refusal is shown; the card behind reads her again when it is back

    def action_next_customer(self) -> None:
        """Back to an empty search box; what to charge stands above it until she is typed."""
        result = self.result
        if result is None:
            return
        c, t = self.card.customer, self.t
        self.loyalty.go_home(
            t(
                "Last purchase: {name} · to pay {paid}",
                name=f"{c.first_name} {c.last_name}",
                paid=t.money(result.plan.paid),
            )
        )

    def action_back_to_card(self) -> None:
        self.dismiss(self.result)

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))
