"""The daily run's writing steps (services/points.daily runs them): expiry in short
batches, and the birthday bonuses due. Each step is its own transaction that takes the
daily-run lock first, so two tills running it at once do it once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from olga_loyalty.domain.points import birthday_bonus_year, birthday_in, expiry_date
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import serialise, write_action
from olga_loyalty.storage.models import BirthdayBonus, Customer, LedgerEntry, Lot

EXPIRY_BATCH = 2000


def expire_lots(shop: Shop, today: date) -> tuple[int, int]:
    """Expire every lot past its date, batch by batch, each committed on its own (a long
    first run never holds up the tills). Returns the lots and the points expired."""
    expired_lots = expired_points = 0
    while True:
        lots, points = _expire_batch(shop, today)
        if not lots:
            return expired_lots, expired_points
        expired_lots += lots
        expired_points += points


def give_birthday_bonuses(shop: Shop, today: date) -> int:
    """The birthday bonuses due today (and in the grace days before); how many were given."""
    return _birthday_bonuses(shop, today)


@write_action
def _expire_batch(shop: Shop, today: date) -> tuple[int, int]:
    """Up to EXPIRY_BATCH lots past their date: an `expire` entry each, remainder set to 0."""
    serialise("daily")
    query = (
        Lot.select(Lot.id, Lot.customer_id, Lot.remaining)
        .where((Lot.remaining > 0) & (Lot.expires_on < today))
        .order_by(Lot.id)
        .limit(EXPIRY_BATCH)
        .tuples()
    )
    # peewee's stubs type the rows of `.tuples()` as models; they are (lot, customer, remaining)
    batch = cast("list[tuple[int, int, int]]", list(query))
    if not batch:
        return 0, 0
    now = shop.now()
    LedgerEntry.insert_many(
        [
            {
                "customer": cid,
                "kind": "expire",
                "points": -remaining,
                "lot": lot_id,
                "created_at": now,
                "reason": "expired",
            }
            for lot_id, cid, remaining in batch
        ]
    ).execute()
    Lot.update(remaining=0).where(Lot.id.in_([row[0] for row in batch])).execute()
    return len(batch), sum(row[2] for row in batch)


@write_action
def _birthday_bonuses(shop: Shop, today: date) -> int:
    serialise("daily")
    programme, now = shop.programme, shop.now()
    grace = programme.birthday_grace_days
    month_days = set()
    for back in range(grace + 1):
        day = today - timedelta(days=back)
        month_days.add(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28:
            month_days.add(229)  # 29 February is celebrated on the 28th in other years
    candidates = (
        Customer.select(Customer.id, Customer.birthday, Customer.registered_at)
        .where(Customer.birthday_md.in_(sorted(month_days)) & Customer.erased_at.is_null())
        .order_by(Customer.id)
    )
    due: dict[int, int] = {}
    for customer in candidates:
        year = birthday_bonus_year(customer.birthday, today, grace)
        if year is None or customer.birthday is None:
            continue
        if birthday_in(year, customer.birthday) < customer.registered_at.date():
            continue  # only birthdays that fall on or after the day of registration
        if (
            BirthdayBonus.select()
            .where((BirthdayBonus.customer == customer.id) & (BirthdayBonus.year == year))
            .exists()
        ):
            continue
        due[customer.id] = year
    # An erasure at this moment must not leave an erased customer a bonus.
    active = ledger.lock_customers(due)
    given = 0
    for customer_id, year in due.items():
        if customer_id not in active:
            continue
        lot = ledger.award(
            customer_id,
            "birthday",
            programme.birthday_points,
            today=today,
            expires_on=expiry_date(today, programme.birthday_validity_days),
            now=now,
            reason=f"birthday {year}",
        )
        BirthdayBonus.create(customer=customer_id, year=year, lot=lot.id)
        given += 1
    return given
