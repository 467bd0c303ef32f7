"""Bulk bonus (SPEC §7): N points, with a reason and a validity, to every customer of a
segment, in one transaction. A preview says first how many customers and what it is worth.

The segment is the newsletter's (all, birthday:M, expiring:D, lapsed:D, tier:T, top:P) but
without the marketing-consent rule: a bonus is not advertising, every member of the segment
gets it (erased customers never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from olga_loyalty.domain.adjustments import adjustment_expiry, clean_reason, clean_staff
from olga_loyalty.domain.errors import Count, InvalidInput, Plural, Refused
from olga_loyalty.services.newsletter import parse_segment, segment_members
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import write_action
from olga_loyalty.storage.ledger import NewLot

BONUS_MAX = 10_000


@dataclass(frozen=True)
class BonusPreview:
    segment: str
    customers: int
    points: int
    total_points: int
    total_value: Decimal
    expires_on: date


def _check(shop: Shop, points: int, valid_days: int | None) -> date:
    if not 1 <= points <= BONUS_MAX:
        raise InvalidInput(
            Plural(
                "A bonus is 1 to {maximum} point per customer.",
                "A bonus is 1 to {maximum} points per customer.",
                BONUS_MAX,
            ),
            field="points",
            maximum=Count(BONUS_MAX),
        )
    return adjustment_expiry(shop.today(), valid_days, shop.programme.adjust_validity_days)


def preview(
    shop: Shop, segment: str, points: int, *, valid_days: int | None = None
) -> BonusPreview:
    """How many customers get it and what it costs, without writing anything."""
    expires = _check(shop, points, valid_days)
    parsed = parse_segment(segment, shop)
    count = len(segment_members(shop, parsed))
    total = count * points
    return BonusPreview(parsed.label, count, points, total, shop.programme.value_of(total), expires)


@write_action
def award(
    shop: Shop,
    segment: str,
    points: int,
    *,
    reason: str,
    valid_days: int | None = None,
    staff: str = "",
) -> BonusPreview:
    """Give every customer of the segment `points` points: one lot and one ledger entry
    each (kind "bonus", the reason on the entry), all in one transaction or none."""
    shop.refresh()
    reason = clean_reason(reason)
    expires = _check(shop, points, valid_days)
    parsed = parse_segment(segment, shop)
    members = segment_members(shop, parsed)
    # Locked before the bonus is written: a customer erased at another till this moment
    # gets nothing (her open points were just forfeited).
    active = ledger.lock_customers(members)
    members = [cid for cid in members if cid in active]
    if not members:
        raise Refused(
            "No customer is in the segment {segment}.", field="segment", segment=parsed.label
        )
    now, today, staff = shop.now(), shop.today(), clean_staff(staff)
    ledger.award_many(
        [NewLot(cid, "bonus", points, today, expires, reason) for cid in members],
        now=now,
        staff=staff,
    )
    total = len(members) * points
    return BonusPreview(
        parsed.label, len(members), points, total, shop.programme.value_of(total), expires
    )
