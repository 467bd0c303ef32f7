"""Refund one of the customer's purchases, whole or in part, with the points it moves."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Label, Static

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.money import parse_amount
from olga_loyalty.domain.points import PurchaseFacts, plan_refund, settle_refund
from olga_loyalty.services import points, wording
from olga_loyalty.services.customers import CustomerCard
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.screens.confirm import DiscardGuard, Question
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import marked, plain
from olga_loyalty.ui.typed_keys import after_typed_keys
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class PurchasesResult(DbResult[Any]):
    """What the worker of `purchases` found or did."""


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


def _purchases_with_totals(customer_id: int):
    """Her purchases that can still be refunded (something of them is left), newest first."""
    rows = []
    for purchase in points.purchases_of(customer_id, limit=100):
        totals = points.refund_totals(purchase.id)
        if purchase.amount - totals.amount > 0:
            rows.append((purchase, totals))
    return rows


class RefundScreen(DiscardGuard, BaseModal):
    BINDINGS = [
        Binding("down", "move(1)", "Next purchase", show=False),
        Binding("up", "move(-1)", "Previous purchase", show=False),
        Binding("enter", "confirm", "Confirm", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, card: CustomerCard) -> None:
        super().__init__()
        self.card = card
        self.rows: list = []
        self.saving = False

    def compose(self) -> ComposeResult:
        t, c = self.t, self.card.customer
        with Vertical(classes="dialog", id="refund-dialog") as box:
            box.border_title = plain(t("Refund · {name}", name=f"{c.first_name} {c.last_name}"))
            yield Label(t("Purchase (↑↓ to choose; only what can still be refunded)"))
            # ↑↓ choose while the amount keeps the focus: nothing typed goes astray
            table: DataTable[Any] = DataTable(id="purchases", cursor_type="row", zebra_stripes=True)
            table.can_focus = False
            yield table
            yield Label(t("Amount to refund (empty = all that is left)"))
            yield Input(id="amount", placeholder=t("empty: all that is left"), compact=True)
            yield FieldError(id="amount-error")
            yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        self.query_one("#amount", Input).focus()
        table = self.query_one(DataTable)
        table.add_column("#", width=7)
        table.add_column(t("Date"), width=16)
        table.add_column(t("Amount"), width=12)
        table.add_column(t("Refunded"), width=12)
        table.add_column(t("Points"), width=7)
        self.db(PurchasesResult, _purchases_with_totals, self.card.customer.id)

    @result_of(PurchasesResult)
    def on_purchases(self, rows) -> None:
        t = self.t
        self.rows = rows
        table = self.query_one(DataTable)
        for purchase, totals in rows:
            table.add_row(
                plain(f"#{purchase.id}"),
                plain(t.datetime(purchase.created_at)),
                plain(t.money(purchase.amount)),
                plain(t.money(totals.amount) if totals.amount else ""),
                plain(f"+{purchase.earned_points}"),
            )
        if not rows:
            self.query_one("#preview", Static).update(
                t("This customer has no purchase that can still be refunded.")
            )
        self.update_preview()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def selected(self):
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted)
    @on(Input.Changed)
    def update_preview(self) -> None:
        t = self.t
        preview = self.query_one("#preview", Static)
        chosen = self.selected()
        if chosen is None:
            return
        purchase, before = chosen
        left = purchase.amount - before.amount
        if left <= 0:
            preview.update(t("Purchase #{id} has been refunded in full.", id=purchase.id))
            return
        text = self.query_one("#amount", Input).value.strip()
        try:
            amount = parse_amount(text) if text else left
            plan = plan_refund(
                PurchaseFacts(
                    purchase.amount, purchase.paid, purchase.redeemed_points, purchase.earned_points
                ),
                before,
                amount,
            )
        except LoyaltyError as error:
            preview.update(marked("[b]{message}[/b]", message=error.render(t.gettext)))
            return
        outcome = settle_refund(plan, self.card.balance + plan.restore, self.shop.programme)
        lines: list[str | Content] = [
            t(
                "Refund {amount} of purchase #{id} (still refundable: {left})",
                amount=t.money(plan.amount),
                id=purchase.id,
                left=t.money(left),
            ),
            t("Points taken back: {points}", points=outcome.taken_back),
            t("Points given back: {points}", points=plan.restore),
        ]
        if outcome.shortfall_points:
            lines.append(
                marked(
                    t.ngettext(
                        "[b]{points} point was already spent: keep back {value}[/b]",
                        "[b]{points} points were already spent: keep back {value}[/b]",
                        outcome.shortfall_points,
                    ),
                    points=t.number(outcome.shortfall_points),
                    value=t.money(outcome.shortfall_value),
                )
            )
        lines.append(
            marked(t.gettext("[b]Cash to give back: {cash}[/b]"), cash=t.money(outcome.cash_refund))
        )
        preview.update(text_lines(*lines))

    @after_typed_keys
    def action_confirm(self) -> None:
        chosen = self.selected()
        if chosen is None or self.saving:
            return
        purchase, before = chosen
        left = purchase.amount - before.amount
        text = self.query_one("#amount", Input).value.strip()
        amount = None
        if text:
            try:
                amount = parse_amount(text)
            except LoyaltyError as error:
                show_field_errors(self, {"amount": error}, ["amount"])
                return
        if amount is not None and amount != left:
            self.save(purchase.id, amount)  # a part (more than is left: refused, in words)
            return
        # all that is left (the field empty, or all of it typed): asked once, in words
        t = self.t
        self.app.push_screen(
            Question(
                t("Refund all that is left?"),
                t(
                    "Purchase #{id} of {date}: all that is left of it, {left}, is refunded.",
                    id=purchase.id,
                    date=t.date(purchase.created_at.date()),
                    left=t.money(left),
                ),
                t("Refund all"),
                t("Back"),
            ),
            lambda yes: self.save(purchase.id, amount) if yes else None,
        )

    def save(self, purchase_id: int, amount) -> None:
        if self.saving:
            return
        self.saving = True
        self.db(
            SavedResult, points.refund, self.shop, purchase_id, amount, staff=self.loyalty.staff
        )

    @result_of(SavedResult)
    def on_saved(self, result: points.RefundResult) -> None:
        t = self.t
        message = t(
            "Refund saved: give back {cash}; balance {balance}.",
            cash=t.money(result.cash_refund),
            balance=t.points(result.balance),
        )
        if result.shortfall_points:
            message += " " + t(
                "{value} kept back for points already spent.", value=t.money(result.shortfall_value)
            )
        if referral := wording.referral_text(t, result):
            message += " " + referral
        self.app.notify(message, timeout=10)
        self.dismiss(result)

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        show_field_errors(self, {"amount": error}, ["amount"])

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))
