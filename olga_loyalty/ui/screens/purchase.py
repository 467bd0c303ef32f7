"""A purchase at the counter: amount, points to redeem, a live preview, Enter to confirm."""

from __future__ import annotations

from decimal import Decimal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, Static

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.points import Programme, PurchasePlan, max_redeemable, plan_purchase
from olga_loyalty.services import points
from olga_loyalty.services.customers import CustomerCard
from olga_loyalty.ui.base import BaseModal, FieldError, show_field_errors
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import marked, plain

FIELDS = ["amount", "redeem", "follow_up"]


class PurchaseScreen(BaseModal):
    BINDINGS = [
        Binding("f4", "take_max", "Max points"),
        Binding("enter", "confirm", "Confirm", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, card: CustomerCard) -> None:
        super().__init__()
        self.card = card
        self.plan: PurchasePlan | None = None
        self.shown_programme: Programme | None = None  # what the preview was computed with
        self.saving = False

    def compose(self) -> ComposeResult:
        t, c = self.t, self.card.customer
        with Vertical(classes="dialog", id="purchase-dialog") as box:
            box.border_title = plain(t("Purchase · {name}", name=f"{c.first_name} {c.last_name}"))
            yield Label(t("Amount ({currency})", currency=self.shop.settings.currency))
            yield Input(placeholder="0,00", id="amount")
            yield FieldError(id="amount-error")
            yield Label("", id="redeem-label")
            yield Input(value="0", id="redeem")
            yield FieldError(id="redeem-error")
            with Horizontal(classes="inline"):
                yield Label(t("Follow-up call in days (empty: none)") + " ")
                yield Input(id="follow_up", placeholder="14", compact=True)
            yield FieldError(id="follow_up-error")
            yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()
        self.update_preview()
        # the programme may have been changed on another till or the command line
        self.db("refreshed", self.shop.refresh)

    def on_refreshed(self, changed: bool) -> None:
        if changed:
            self.update_preview()

    # -- the live preview: pure rules over the card's figures, no database ---------------
    @on(Input.Changed)
    def changed(self) -> None:
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
                    "Points to redeem (balance {balance}, at most {most} now; F4 takes it)",
                    balance=t.number(card.balance),
                    most=t.number(most),
                )
            )
        )
        preview = self.query_one("#preview", Static)
        self.plan = None
        if amount is None:
            preview.update(plain(t("Type the amount to see the preview.")))
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
            preview.update(marked("[b]{message}[/b]", message=error.render(t.gettext)))
            return
        self.plan = plan
        lines = [
            t("Amount: {amount}", amount=t.money(plan.amount)),
            t(
                "Redeemed: {points} = −{value}",
                points=t.points(plan.redeemed_points),
                value=t.money(plan.redeemed_value),
            ),
            marked(t.gettext("[b]To pay: {paid}[/b]"), paid=t.money(plan.paid)),
            t(
                "Earned: {points} ({tier})",
                points=t.points(plan.earned_points),
                tier=plan.tier.name,
            ),
            t("New balance: {points}", points=t.points(plan.balance_after)),
            t("Enter confirms · Esc cancels"),
        ]
        preview.update(text_lines(*lines))

    def action_take_max(self) -> None:
        amount = self._amount()
        most = max_redeemable(amount, self.card.balance, self.shop.programme) if amount else 0
        self.query_one("#redeem", Input).value = str(most)

    # -- confirming ----------------------------------------------------------------------
    def action_confirm(self) -> None:
        if self.saving:
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
        if not errors and self.plan is None:
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
            "saved",
            points.record_purchase,
            self.shop,
            self.card.customer.id,
            amount,
            redeem=redeem,
            staff=self.loyalty.staff,
            follow_up=self.query_one("#follow_up", Input).value,
            programme_shown=self.shown_programme,
        )

    def on_saved(self, result: points.PurchaseResult) -> None:
        t = self.t
        self.app.notify(
            t(
                "Purchase #{id} saved: {points} earned, balance {balance}.",
                id=result.purchase_id,
                points=t.points(result.plan.earned_points),
                balance=t.number(result.balance),
            )
        )
        if result.follow_up_id:
            self.app.notify(t("Follow-up call #{id} scheduled.", id=result.follow_up_id))
        self.dismiss(result)

    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        self.update_preview()  # with the programme as the service found it
        field = error.field if error.field in FIELDS else "redeem"
        show_field_errors(self, {field: error}, FIELDS)

    def action_cancel(self) -> None:
        self.dismiss(None)
