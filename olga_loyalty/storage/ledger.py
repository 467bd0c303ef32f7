"""Points on the database: lots, the append-only ledger, balances, tiers.

Every function here runs inside the caller's transaction. The balance is read from the
open lots (an index range), never by summing the customer's whole history, and a lot
past its expiry date never counts, whether or not the daily run has written its entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from peewee import JOIN, fn

from olga_loyalty.domain.errors import CustomerErased, Refused
from olga_loyalty.domain.money import ZERO, from_cents
from olga_loyalty.domain.points import OpenLot, Programme, Tier, take_fifo
from olga_loyalty.storage.db import (
    bulk_insert,
    execute,
    fetch_rows,
    insert_row,
    is_sqlite,
    new_ids,
    placeholders,
)
from olga_loyalty.storage.models import Customer, LedgerEntry, Lot, Purchase, database


def lock_customer(customer_id: int) -> Customer:
    """Serialise writes for one customer and read her row as it is now. Every writer calls
    this before it reads what it will change. SQLite's BEGIN IMMEDIATE already serialises
    all writers; PostgreSQL needs the row lock (`SELECT … FOR UPDATE`), so that two tills
    cannot spend the same points, answer one complaint twice, or sell to a customer that is
    being erased. What is read after the lock is what the other till committed."""
    sql = "SELECT * FROM customer WHERE id = ?"
    if not is_sqlite():
        sql += " FOR UPDATE"
    found = list(Customer.raw(sql.replace("?", database.param), customer_id))
    if not found:
        # peewee makes DoesNotExist per model at run time; its stubs do not know it
        raise Customer.DoesNotExist(f"no customer #{customer_id}")  # type: ignore[attr-defined]
    return found[0]


def lock_active_customer(customer_id: int) -> Customer:
    """`lock_customer`, refused when the customer was erased (perhaps a moment ago, by
    another till)."""
    customer = lock_customer(customer_id)
    if customer.erased_at is not None:
        raise CustomerErased(
            "Customer #{id} has been erased; nothing was saved.", field="customer", id=customer_id
        )
    return customer


def lock_customers(customer_ids: Iterable[int]) -> set[int]:
    """Lock many customers (in id order, so two tills never wait for each other in a
    circle) and return those of them not erased."""
    ids = sorted(set(customer_ids))
    active: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = (
            Customer.select(Customer.id, Customer.erased_at)
            .where(Customer.id.in_(chunk))
            .order_by(Customer.id)
        )
        if not is_sqlite():
            query = query.for_update()
        # peewee's stubs type the rows of `.tuples()` as models; they are tuples
        rows = cast("list[tuple[int, datetime | None]]", list(query.tuples()))
        active.update(cid for cid, erased in rows if erased is None)
    return active


# The statements of a purchase are plain SQL written once (`fetch_rows`, `insert_row`):
# compiling them with peewee for every purchase took half of its time, all of it while the
# till held the write lock that the other tills wait for.


def open_lots(customer_id: int, today: date) -> list[OpenLot]:
    rows = fetch_rows(
        "SELECT id, remaining, expires_on FROM lot WHERE customer_id = ? AND remaining > 0 "
        "AND expires_on >= ? ORDER BY expires_on, id",
        (customer_id, Lot.expires_on.db_value(today)),
    )
    return [
        OpenLot(lot_id, remaining, Lot.expires_on.python_value(expires))
        for lot_id, remaining, expires in rows
    ]


def balance(customer_id: int, today: date) -> int:
    value = fetch_rows(
        "SELECT SUM(remaining) FROM lot WHERE customer_id = ? AND remaining > 0 "
        "AND expires_on >= ?",
        (customer_id, Lot.expires_on.db_value(today)),
    )[0][0]
    return int(value or 0)


def balances(customer_ids: Iterable[int], today: date) -> dict[int, tuple[int, date | None]]:
    """Balance and soonest expiry of many customers in one indexed query."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = fetch_rows(
        "SELECT customer_id, SUM(remaining), MIN(expires_on) FROM lot "
        f"WHERE customer_id IN ({placeholders(len(ids))}) AND remaining > 0 AND expires_on >= ? "
        "GROUP BY customer_id",
        (*ids, today.isoformat()),
    )
    result: dict[int, tuple[int, date | None]] = {}
    for customer_id, points, soonest in rows:
        if isinstance(soonest, str):
            soonest = date.fromisoformat(soonest)
        result[customer_id] = (int(points or 0), soonest)
    return result


#: What purchase `p` counts for the tier: paid, less what was refunded of it by a moment (the
#: one parameter). Shared by the tier sums here and the search's per-row subquery.
NET_PAID = (
    "p.paid - COALESCE((SELECT SUM(r.paid_back) FROM refund r "
    "WHERE r.purchase_id = p.id AND r.created_at <= ?), 0)"
)


def spent_between(customer_ids: list[int], start: datetime, end: datetime) -> dict[int, Decimal]:
    """What each customer paid for purchases in (start, end], less what was refunded by end.

    A new purchase is not written yet when its tier is worked out, so it never counts itself."""
    if not customer_ids:
        return {}
    low, high = Purchase.created_at.db_value(start), Purchase.created_at.db_value(end)
    # One statement: each purchase in the window less what was refunded of it by `end` (an
    # index probe per purchase), read from the (customer_id, created_at, paid) index.
    rows = fetch_rows(
        f"SELECT p.customer_id, SUM({NET_PAID}) FROM purchase p "
        f"WHERE p.customer_id IN ({placeholders(len(customer_ids))}) "
        "AND p.created_at > ? AND p.created_at <= ? GROUP BY p.customer_id",
        (high, *customer_ids, low, high),
    )
    return {cid: from_cents(int(c or 0)) for cid, c in rows}


def spent_in_window(customer_id: int, moment: datetime, programme: Programme) -> Decimal:
    """Paid in the tier window that ends at `moment`: the tier of a purchase made then."""
    start = moment - timedelta(days=programme.tier_window_days)
    return spent_between([customer_id], start, moment).get(customer_id, ZERO)


def tiers(customer_ids: list[int], moment: datetime, programme: Programme) -> dict[int, Tier]:
    start = moment - timedelta(days=programme.tier_window_days)
    spent = spent_between(customer_ids, start, moment)
    return {cid: programme.tier_for(spent.get(cid, ZERO)) for cid in customer_ids}


@dataclass(frozen=True)
class NewLot:
    """Points given to one customer: the lot, and the ledger entry that creates it."""

    customer_id: int
    kind: str
    points: int
    awarded_on: date
    expires_on: date
    reason: str = ""
    purchase_id: int | None = None
    refund_id: int | None = None


def _lot_row(new: NewLot, now: datetime) -> dict[str, Any]:
    if new.points <= 0:
        raise ValueError("an award must be positive")
    return {
        "customer": new.customer_id,
        "kind": new.kind,
        "points": new.points,
        "remaining": new.points,
        "awarded_on": new.awarded_on,
        "expires_on": new.expires_on,
        "purchase": new.purchase_id,
        "created_at": now,
    }


def _entry_row(new: NewLot, lot_id: int, now: datetime, staff: str) -> dict[str, Any]:
    return {
        "customer": new.customer_id,
        "kind": new.kind,
        "points": new.points,
        "lot": lot_id,
        "purchase": new.purchase_id,
        "refund": new.refund_id,
        "created_at": now,
        "staff": staff,
        "reason": new.reason,
    }


def award(
    customer_id: int,
    kind: str,
    points: int,
    *,
    today: date,
    expires_on: date,
    now: datetime,
    staff: str = "",
    reason: str = "",
    purchase_id: int | None = None,
    refund_id: int | None = None,
) -> Lot:
    """A new lot and the ledger entry that creates it."""
    new = NewLot(customer_id, kind, points, today, expires_on, reason, purchase_id, refund_id)
    lot = _lot_row(new, now)
    lot_id = insert_row(Lot, **lot)
    insert_row(LedgerEntry, **_entry_row(new, lot_id, now, staff))
    return Lot(id=lot_id, **lot)


def award_many(lots: Sequence[NewLot], *, now: datetime, staff: str = "") -> list[int]:
    """Many lots with their ledger entries in two bulk statements (a bonus for a segment,
    the opening balances of an import). Returns the lots' ids, in the order given."""
    lot_ids = new_ids(Lot, len(lots))
    bulk_insert(
        Lot, [{"id": i, **_lot_row(new, now)} for i, new in zip(lot_ids, lots, strict=True)]
    )
    bulk_insert(
        LedgerEntry,
        [_entry_row(new, i, now, staff) for i, new in zip(lot_ids, lots, strict=True)],
    )
    return lot_ids


def take(
    customer_id: int,
    points: int,
    kind: str,
    *,
    today: date,
    now: datetime,
    staff: str = "",
    reason: str = "",
    purchase_id: int | None = None,
    refund_id: int | None = None,
    prefer_lot_id: int | None = None,
) -> list[tuple[int, int]]:
    """Take points from the soonest-expiring lots (a preferred lot first, if active)."""
    if points <= 0:
        return []
    lots = open_lots(customer_id, today)
    parts: list[tuple[int, int]] = []
    left = points
    preferred = next((lot for lot in lots if lot.id == prefer_lot_id), None)
    if preferred is not None:
        first = min(preferred.remaining, left)
        parts.append((preferred.id, first))
        left -= first
        lots = [
            OpenLot(lot.id, lot.remaining - first, lot.expires_on)
            if lot.id == preferred.id
            else lot
            for lot in lots
        ]
    parts.extend(take_fifo(lots, left, today))
    for lot_id, part in parts:
        changed = execute(
            "UPDATE lot SET remaining = remaining - ? WHERE id = ? AND remaining >= ?",
            (part, lot_id, part),
        )
        if changed != 1:  # someone else took these points meanwhile: undo the whole action
            raise Refused("The points changed while saving; nothing was saved. Please try again.")
        insert_row(
            LedgerEntry,
            customer=customer_id,
            kind=kind,
            points=-part,
            lot=lot_id,
            purchase=purchase_id,
            refund=refund_id,
            created_at=now,
            staff=staff,
            reason=reason,
        )
    return parts


def ledger_total(customer_id: int) -> int:
    """The sum of every ledger entry: equals the sum of all lot remainders (for checks)."""
    value = (
        LedgerEntry.select(fn.SUM(LedgerEntry.points))
        .where(LedgerEntry.customer == customer_id)
        .scalar()
    )
    return int(value or 0)


def expired_unentered(customer_id: int, today: date) -> int:
    """Points in lots past expiry whose expiry entry the daily run has not written yet."""
    value = (
        Lot.select(fn.SUM(Lot.remaining))
        .where((Lot.customer == customer_id) & (Lot.remaining > 0) & (Lot.expires_on < today))
        .scalar()
    )
    return int(value or 0)


def redeemed_lots_latest_expiry(purchase_id: int) -> date | None:
    value = (
        Lot.select(fn.MAX(Lot.expires_on))
        .join(LedgerEntry, JOIN.INNER, on=(LedgerEntry.lot == Lot.id))
        .where((LedgerEntry.purchase == purchase_id) & (LedgerEntry.kind == "redeem"))
        .scalar()
    )
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value
