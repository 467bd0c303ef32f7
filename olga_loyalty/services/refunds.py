"""Refunds (SPEC §6): what a purchase has had back so far, and the referral bonus a refund of
a referred customer's first purchase takes back. The refund itself is points.refund."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from peewee import fn

from olga_loyalty.domain.errors import InvalidInput, NotFound
from olga_loyalty.domain.money import from_cents
from olga_loyalty.domain.points import RefundTotals, referral_take_back
from olga_loyalty.domain.text import is_digits
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Lot, Purchase, Refund


def refund_totals(purchase_id: int) -> RefundTotals:
    row = (
        Refund.select(
            fn.SUM(Refund.amount).coerce(False),
            fn.SUM(Refund.paid_back).coerce(False),
            fn.SUM(Refund.take_back_due),
            fn.SUM(Refund.restored),
        )
        .where(Refund.purchase == purchase_id)
        .tuples()
        .get()
    )
    # peewee's stubs type a `.tuples()` row as a model; it is a tuple of sums (or None)
    amount, paid, due, restored = cast("tuple[int | None, int | None, int | None, int | None]", row)
    return RefundTotals(
        amount=from_cents(int(amount or 0)),
        paid=from_cents(int(paid or 0)),
        take_back_due=int(due or 0),
        restored=int(restored or 0),
    )


def find_purchase(purchase_id: int | str) -> Purchase:
    text = str(purchase_id).strip().lstrip("#")
    if not is_digits(text) or len(text) > 12:
        raise InvalidInput(
            "'{ref}' is not a purchase number.", field="purchase", ref=str(purchase_id)[:40]
        )
    purchase = Purchase.get_or_none(Purchase.id == int(text))
    if purchase is None:
        raise NotFound("There is no purchase #{id}.", field="purchase", id=text)
    return purchase


def refundable_amount(purchase: Purchase) -> Decimal:
    return purchase.amount - refund_totals(purchase.id).amount


def take_back_referral(
    purchase: Purchase,
    refunded_before: Decimal,
    refunded: Decimal,
    refund_id: int,
    *,
    today: date,
    now: datetime,
    staff: str,
) -> tuple[int | None, int, int]:
    """A refund of a referred customer's first purchase takes back the referral bonus it
    earned, in proportion (docs/rules.md). Like other refunds it never drives the referrer's
    balance below zero: what she already spent is the shortfall, recorded in the result but
    not kept back from this customer's cash (they are not her points)."""
    lot = (
        Lot.select(Lot.id, Lot.customer, Lot.points)
        .where((Lot.purchase == purchase.id) & (Lot.kind == "referral"))
        .first()
    )
    if lot is None:
        return None, 0, 0
    due = referral_take_back(lot.points, purchase.amount, refunded_before, refunded)
    referrer = ledger.lock_customer(lot.customer_id)
    if due <= 0 or referrer.erased_at is not None:
        return referrer.id, 0, 0  # an erased referrer's points were forfeited already
    taken = min(due, ledger.balance(referrer.id, today))
    ledger.take(
        referrer.id,
        taken,
        "refund",
        today=today,
        now=now,
        staff=staff,
        purchase_id=purchase.id,
        refund_id=refund_id,
        prefer_lot_id=lot.id,
        reason=f"referral bonus back: refund of purchase #{purchase.id}",
    )
    return referrer.id, taken, due - taken
