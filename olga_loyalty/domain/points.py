"""The bonus engine's rules (SPEC §6) as pure functions over plain values.

Points live in lots: every award is a lot with its own expiry date. A lot awarded on
2026-01-10 with 365 days' validity has `expires_on` 2027-01-10: usable through that
day, gone on 2027-01-11. The balance is the sum of the remainders of the lots that
have not expired; redemption takes from the lots that expire first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from olga_loyalty.domain.errors import Count, InvalidInput, Money, Plural, Refused
from olga_loyalty.domain.money import ZERO, floor_int, quantize
from olga_loyalty.domain.text import check_typed

#: Every kind of ledger entry (SPEC §6). The ledger is append-only.
LEDGER_KINDS = (
    "earn",
    "welcome",
    "birthday",
    "referral",
    "redeem",
    "expire",
    "refund",
    "restore",
    "adjust",
    "forfeit",
    "opening",
)


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal
    rate: Decimal


DEFAULT_TIERS = (
    Tier("Base", Decimal("0"), Decimal("1")),
    Tier("Silver", Decimal("500"), Decimal("1.5")),
    Tier("Gold", Decimal("1500"), Decimal("2")),
)


@dataclass(frozen=True)
class Programme:
    """The owner's settings of the bonus programme, with the defaults of SPEC §6."""

    point_value: Decimal = Decimal("0.05")
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    tier_window_days: int = 365
    purchase_validity_days: int = 365
    welcome_points: int = 100
    welcome_validity_days: int = 60
    birthday_points: int = 200
    birthday_validity_days: int = 30
    birthday_grace_days: int = 30
    referral_points: int = 200
    referral_validity_days: int = 365
    max_redeem_share: Decimal = Decimal("0.50")
    min_redeem_points: int = 100
    restore_min_validity_days: int = 30
    adjust_validity_days: int = 365
    end_date: date | None = None
    _sorted: tuple[Tier, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_programme(self)
        object.__setattr__(self, "_sorted", tuple(sorted(self.tiers, key=lambda t: t.threshold)))

    # -- tiers ---------------------------------------------------------------
    def tier_for(self, spent: Decimal) -> Tier:
        """The tier earned by what was paid in the trailing window."""
        current = self._sorted[0]
        for tier in self._sorted:
            if spent >= tier.threshold:
                current = tier
        return current

    def next_tier(self, spent: Decimal) -> tuple[Tier, Decimal] | None:
        """The next tier up and how much more must be spent to reach it."""
        for tier in self._sorted:
            if tier.threshold > spent:
                return tier, quantize(tier.threshold - spent)
        return None

    def tier_named(self, name: str) -> Tier | None:
        wanted = name.strip().casefold()
        return next((t for t in self._sorted if t.name.casefold() == wanted), None)

    # -- earning -------------------------------------------------------------
    def earning_open(self, on: date) -> bool:
        """After the programme's end date nothing more is earned."""
        return self.end_date is None or on <= self.end_date

    def value_of(self, points: int) -> Decimal:
        return quantize(self.point_value * points)

    # -- storage form --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_sorted")
        data["tiers"] = [
            {"name": t.name, "threshold": str(t.threshold), "rate": str(t.rate)} for t in self.tiers
        ]
        for key in ("point_value", "max_redeem_share"):
            data[key] = str(data[key])
        data["end_date"] = self.end_date.isoformat() if self.end_date else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Programme:
        values = dict(data)
        if "tiers" in values:
            values["tiers"] = tuple(
                Tier(t["name"], Decimal(str(t["threshold"])), Decimal(str(t["rate"])))
                for t in values["tiers"]
            )
        for key in ("point_value", "max_redeem_share"):
            if key in values:
                values[key] = Decimal(str(values[key]))
        if values.get("end_date"):
            values["end_date"] = date.fromisoformat(values["end_date"])
        known = {f for f in cls.__dataclass_fields__ if not f.startswith("_")}
        return cls(**{k: v for k, v in values.items() if k in known})

    def changed(self, **changes: Any) -> Programme:
        return replace(self, **changes)


def validate_programme(programme: Programme) -> None:
    """Refuse settings that would make the rules meaningless."""
    if not programme.tiers:
        raise InvalidInput("The programme needs at least one tier.", field="tiers")
    names = [t.name.strip() for t in programme.tiers]
    if any(not n for n in names) or len({n.casefold() for n in names}) != len(names):
        raise InvalidInput("Every tier needs its own name.", field="tiers")
    for name in names:
        check_typed(name, field="tiers", label="tier name")
    if not all(t.rate.is_finite() and t.threshold.is_finite() for t in programme.tiers):
        # NaN and Infinity are Decimals too; compared below they would raise, not refuse
        raise InvalidInput("A tier's earn rate must be between 0 and 100.", field="tiers")
    if min(t.threshold for t in programme.tiers) != 0:
        raise InvalidInput("The lowest tier must start at 0.", field="tiers")
    if any(t.rate < 0 or t.rate > 100 for t in programme.tiers):
        raise InvalidInput("A tier's earn rate must be between 0 and 100.", field="tiers")
    if not (Decimal("0") < programme.point_value <= Decimal("100")):
        raise InvalidInput("The point value must be more than 0.", field="point_value")
    if not (Decimal("0") <= programme.max_redeem_share <= Decimal("1")):
        raise InvalidInput(
            "The redemption limit must be between 0 % and 100 %.", field="max_redeem_share"
        )
    for name in (
        "tier_window_days",
        "purchase_validity_days",
        "welcome_validity_days",
        "birthday_validity_days",
        "referral_validity_days",
        "restore_min_validity_days",
        "adjust_validity_days",
    ):
        if not (1 <= getattr(programme, name) <= 3650):
            raise InvalidInput("A validity must be between 1 and 3650 days.", field=name)
    for name in ("welcome_points", "birthday_points", "referral_points", "min_redeem_points"):
        if not (0 <= getattr(programme, name) <= 1_000_000):
            raise InvalidInput("A number of points must be between 0 and 1,000,000.", field=name)
    if not (0 <= programme.birthday_grace_days <= 365):
        raise InvalidInput(
            "The birthday window must be 0 to 365 days.", field="birthday_grace_days"
        )


# -- lots ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLot:
    """A lot with points left in it."""

    id: int
    remaining: int
    expires_on: date


def expiry_date(awarded_on: date, validity_days: int) -> date:
    """Awarded on 2026-01-10 for 365 days → usable through 2027-01-10."""
    return awarded_on + timedelta(days=validity_days)


def is_active(lot: OpenLot, today: date) -> bool:
    return lot.remaining > 0 and today <= lot.expires_on


def balance_of(lots: Iterable[OpenLot], today: date) -> int:
    return sum(lot.remaining for lot in lots if is_active(lot, today))


def fifo_order(lots: Iterable[OpenLot], today: date) -> list[OpenLot]:
    """The active lots, soonest expiry first (then oldest lot first)."""
    return sorted(
        (lot for lot in lots if is_active(lot, today)), key=lambda lot: (lot.expires_on, lot.id)
    )


def take_fifo(lots: Iterable[OpenLot], points: int, today: date) -> list[tuple[int, int]]:
    """Which lots give how many points, soonest-expiring first. Never takes expired points."""
    if points < 0:
        raise ValueError("points to take must not be negative")
    taken: list[tuple[int, int]] = []
    left = points
    for lot in fifo_order(lots, today):
        if left == 0:
            break
        part = min(lot.remaining, left)
        taken.append((lot.id, part))
        left -= part
    if left:
        raise Refused(
            "Not enough points: {points} needed, {balance} available.",
            points=Count(points),
            balance=Count(points - left),
        )
    return taken


def expiring_within(lots: Iterable[OpenLot], today: date, days: int) -> list[tuple[int, date]]:
    """(points, expires_on) of the lots expiring in the next `days` days, soonest first."""
    until = today + timedelta(days=days)
    grouped: dict[date, int] = {}
    for lot in fifo_order(lots, today):
        if lot.expires_on <= until:
            grouped[lot.expires_on] = grouped.get(lot.expires_on, 0) + lot.remaining
    return sorted(((p, d) for d, p in grouped.items()), key=lambda pd: pd[1])


# -- purchases -----------------------------------------------------------------


def earned_points(paid: Decimal, rate: Decimal) -> int:
    """floor(paid × rate): 123.45 paid at rate 1 → 123; at 1.5 → 185."""
    return floor_int(paid * rate)


def redemption_cap(amount: Decimal, programme: Programme) -> int:
    """The most points the redemption share of this amount allows."""
    return floor_int(amount * programme.max_redeem_share / programme.point_value)


def max_redeemable(amount: Decimal, balance: int, programme: Programme) -> int:
    """The most points that may be redeemed now; 0 if below the minimum."""
    most = min(balance, redemption_cap(amount, programme))
    return most if most >= max(programme.min_redeem_points, 1) else 0


def check_redemption(points: int, amount: Decimal, balance: int, programme: Programme) -> None:
    if points == 0:
        return
    if points < programme.min_redeem_points:
        raise Refused(
            Plural(
                "At least {minimum} point must be redeemed at a time (asked: {points}).",
                "At least {minimum} points must be redeemed at a time (asked: {points}).",
                programme.min_redeem_points,
            ),
            field="redeem",
            minimum=Count(programme.min_redeem_points),
            points=Count(points),
        )
    if points > balance:
        raise Refused(
            "Not enough points: {points} asked, the balance is {balance}.",
            field="redeem",
            points=Count(points),
            balance=Count(balance),
        )
    cap = redemption_cap(amount, programme)
    if points > cap:
        share = int(programme.max_redeem_share * 100)
        raise Refused(
            Plural(
                "At most {cap} point can be redeemed on this purchase ({share} % of the amount).",
                "At most {cap} points can be redeemed on this purchase ({share} % of the amount).",
                cap,
            ),
            field="redeem",
            cap=Count(cap),
            share=Count(share),
        )


@dataclass(frozen=True)
class PurchasePlan:
    """Everything a purchase will do, computed before anything is written (the preview)."""

    amount: Decimal
    redeemed_points: int
    redeemed_value: Decimal
    paid: Decimal
    tier: Tier
    earned_points: int
    earned_expires_on: date
    balance_before: int
    balance_after: int
    max_redeemable: int


def plan_purchase(
    amount: Decimal,
    redeem: int,
    *,
    balance: int,
    spent_in_window: Decimal,
    programme: Programme,
    today: date,
) -> PurchasePlan:
    check_redemption(redeem, amount, balance, programme)
    redeemed_value = programme.value_of(redeem)
    paid = quantize(amount - redeemed_value)
    tier = programme.tier_for(spent_in_window)
    earned = earned_points(paid, tier.rate) if programme.earning_open(today) else 0
    return PurchasePlan(
        amount=amount,
        redeemed_points=redeem,
        redeemed_value=redeemed_value,
        paid=paid,
        tier=tier,
        earned_points=earned,
        earned_expires_on=expiry_date(today, programme.purchase_validity_days),
        balance_before=balance,
        balance_after=balance - redeem + earned,
        max_redeemable=max_redeemable(amount, balance, programme),
    )


# -- refunds -------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseFacts:
    amount: Decimal
    paid: Decimal
    redeemed_points: int
    earned_points: int


@dataclass(frozen=True)
class RefundTotals:
    """What earlier refunds of the same purchase already did."""

    amount: Decimal = ZERO
    paid: Decimal = ZERO
    take_back_due: int = 0
    restored: int = 0


@dataclass(frozen=True)
class RefundPlan:
    amount: Decimal
    paid_back: Decimal
    take_back: int
    restore: int


def plan_refund(purchase: PurchaseFacts, before: RefundTotals, amount: Decimal) -> RefundPlan:
    """A refund of `amount` (part of the purchase amount), computed cumulatively.

    Points are worked out on the running total of refunds, then the earlier refunds'
    share is subtracted, so two half refunds give back exactly what one whole refund does.
    """
    left = purchase.amount - before.amount
    if left <= 0:
        raise Refused("This purchase has already been refunded in full.")
    if amount > left:
        raise Refused(
            "Only {left} of this purchase can still be refunded.", field="amount", left=Money(left)
        )
    total = before.amount + amount
    share = total / purchase.amount
    return RefundPlan(
        amount=amount,
        paid_back=quantize(purchase.paid * share) - before.paid,
        take_back=floor_int(purchase.earned_points * share) - before.take_back_due,
        restore=floor_int(purchase.redeemed_points * share) - before.restored,
    )


def referral_take_back(
    referral_points: int, purchase_amount: Decimal, refunded_before: Decimal, refunded: Decimal
) -> int:
    """The referral bonus follows the first purchase that earned it: a refund of that
    purchase takes back its share of the bonus, on the running total of refunds like earned
    points (two half refunds take back what one whole refund does)."""
    before = floor_int(referral_points * refunded_before / purchase_amount)
    after = floor_int(referral_points * (refunded_before + refunded) / purchase_amount)
    return after - before


@dataclass(frozen=True)
class RefundOutcome:
    taken_back: int
    shortfall_points: int
    shortfall_value: Decimal
    cash_refund: Decimal


def settle_refund(plan: RefundPlan, available: int, programme: Programme) -> RefundOutcome:
    """Take back what is there; never drive the balance below zero.

    `available` counts the refund's own restored points too: they are given back in
    the same action, so they can cover points to take back.
    """
    taken = min(plan.take_back, max(available, 0))
    shortfall = plan.take_back - taken
    shortfall_value = programme.value_of(shortfall)
    return RefundOutcome(
        taken_back=taken,
        shortfall_points=shortfall,
        shortfall_value=shortfall_value,
        cash_refund=max(plan.paid_back - shortfall_value, ZERO),
    )


# -- birthdays -----------------------------------------------------------------


def birthday_in(year: int, birthday: date) -> date:
    """The birthday in a given year; 29 February is celebrated on 28 February otherwise."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def birthday_bonus_year(birthday: date | None, today: date, grace_days: int) -> int | None:
    """The year whose birthday bonus is due today, if any.

    Given on the birthday or on the first day the app runs within `grace_days` after it.
    """
    if birthday is None:
        return None
    for year in (today.year, today.year - 1):
        day = birthday_in(year, birthday)
        if day <= today <= day + timedelta(days=grace_days):
            return year
    return None
