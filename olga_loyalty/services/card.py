"""The customer card: balance, tier, what expires, visits, consents and the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from peewee import JOIN, fn

from olga_loyalty.domain.money import ZERO, from_cents
from olga_loyalty.domain.points import Tier, expiring_within
from olga_loyalty.services.lookup import resolve
from olga_loyalty.services.shop import PURPOSES, Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, LedgerEntry, Lot, Purchase, Refund


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    active: bool
    given_at: datetime | None
    method: str | None
    text_version: int | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    kind: str  # purchase, refund, or a ledger kind
    points: int
    amount: Decimal | None
    purchase_id: int | None
    text: str
    #: the lots one redemption (or expiry, or taking back) touched: (points, lot expiry)
    lots: tuple[tuple[int, date | None], ...] = ()


#: Ledger kinds written once per lot touched, shown as one line with the lots as its detail.
SPREAD_KINDS = ("redeem", "expire", "refund")


@dataclass(frozen=True)
class CustomerCard:
    customer: Customer
    tier: Tier
    next_tier: tuple[Tier, Decimal] | None
    balance: int
    balance_value: Decimal
    expiring: list[tuple[int, date]]
    visits: int
    total_spent: Decimal
    last_visit: datetime | None
    consents: dict[str, ConsentState]
    history: list[HistoryRow] = field(default_factory=list)
    referred_by_name: str = ""
    spent_in_window: Decimal = ZERO


def card(shop: Shop, ref: str | int, history_limit: int = 20) -> CustomerCard:
    customer = resolve(shop, ref)
    today, now, programme = shop.today(), shop.now(), shop.programme
    lots = ledger.open_lots(customer.id, today)
    bal = sum(lot.remaining for lot in lots)
    spent = ledger.spent_in_window(customer.id, now, programme)
    row = (
        Purchase.select(
            fn.COUNT(Purchase.id), fn.SUM(Purchase.paid).coerce(False), fn.MAX(Purchase.created_at)
        )
        .where(Purchase.customer == customer.id)
        .tuples()
        .get()
    )
    # peewee's stubs type a `.tuples()` row as a model; it is (count, cents, raw time)
    visits, paid_cents, last_visit = cast("tuple[int | None, int | None, Any]", row)
    refunded = (
        Refund.select(fn.SUM(Refund.paid_back).coerce(False))
        .where(Refund.customer == customer.id)
        .scalar()
    )
    if last_visit is not None:  # MAX() comes back raw (text on SQLite)
        last_visit = Purchase.created_at.python_value(last_visit)
    referred_by_name = ""
    if customer.referred_by_id:
        ref_customer = Customer.get_or_none(Customer.id == customer.referred_by_id)
        if ref_customer is not None:
            referred_by_name = f"{ref_customer.first_name} {ref_customer.last_name}"
    return CustomerCard(
        customer=customer,
        tier=programme.tier_for(spent),
        next_tier=programme.next_tier(spent),
        balance=bal,
        balance_value=programme.value_of(bal),
        expiring=expiring_within(lots, today, 30),
        visits=int(visits or 0),
        total_spent=from_cents(int(paid_cents or 0)) - from_cents(int(refunded or 0)),
        last_visit=last_visit,
        consents=consent_states(customer.id),
        history=history(customer.id, history_limit),
        referred_by_name=referred_by_name,
        spent_in_window=spent,
    )


def consent_states(customer_id: int) -> dict[str, ConsentState]:
    records = list(
        Consent.select()
        .where(Consent.customer == customer_id)
        .order_by(Consent.given_at, Consent.id)
    )
    states = {}
    for purpose in PURPOSES:
        mine = [r for r in records if r.purpose == purpose]
        active = next((r for r in reversed(mine) if r.withdrawn_at is None), None)
        last = mine[-1] if mine else None
        shown = active or last
        states[purpose] = ConsentState(
            purpose=purpose,
            active=active is not None,
            given_at=shown.given_at if shown else None,
            method=shown.method if shown else None,
            text_version=shown.text_version if shown else None,
            withdrawn_at=None if active or not last else last.withdrawn_at,
        )
    return states


def consent_records(customer_id: int) -> list[Consent]:
    return list(
        Consent.select()
        .where(Consent.customer == customer_id)
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )


def history(customer_id: int, limit: int = 20, offset: int = 0) -> list[HistoryRow]:
    """Purchases, refunds and every ledger entry, newest first."""
    rows: list[HistoryRow] = []
    window = limit + offset
    for p in (
        Purchase.select()
        .where(Purchase.customer == customer_id)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
        .limit(window)
    ):
        rows.append(HistoryRow(p.created_at, "purchase", 0, p.amount, p.id, f"#{p.id}"))
    for r in (
        Refund.select()
        .where(Refund.customer == customer_id)
        .order_by(Refund.created_at.desc(), Refund.id.desc())
        .limit(window)
    ):
        rows.append(
            HistoryRow(
                r.created_at, "refund_money", 0, -r.cash_refund, r.purchase_id, f"#{r.purchase_id}"
            )
        )
    spread: dict[tuple, HistoryRow] = {}
    for e in (
        LedgerEntry.select(LedgerEntry, Lot.expires_on)
        .join(Lot, JOIN.LEFT_OUTER, on=(LedgerEntry.lot == Lot.id))
        .where(LedgerEntry.customer == customer_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(window)
        .objects()
    ):
        # `.objects()` puts the joined lot's expiry on the entry (peewee's stubs cannot know)
        expires = e.expires_on if e.lot_id is not None else None  # type: ignore[attr-defined]
        if e.kind not in SPREAD_KINDS:
            rows.append(HistoryRow(e.created_at, e.kind, e.points, None, e.purchase_id, e.reason))
            continue
        # one redemption takes from several lots: one line, the lots soonest-expiring first
        key = (e.kind, e.purchase_id, e.refund_id, e.created_at, e.reason)
        row = spread.get(key)
        lots = tuple(
            sorted(
                ((e.points, expires), *(row.lots if row else ())),
                key=lambda lot: (lot[1] is None, lot[1] or date.min),
            )
        )
        spread[key] = HistoryRow(
            e.created_at, e.kind, sum(p for p, _ in lots), None, e.purchase_id, e.reason, lots
        )
    rows.extend(spread.values())
    order = {"purchase": 0, "refund_money": 0}
    rows.sort(key=lambda r: (r.when, -order.get(r.kind, 1)), reverse=True)
    return rows[offset : offset + limit]
