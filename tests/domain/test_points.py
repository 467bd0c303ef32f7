"""The worked examples of SPEC §6 as exact tests of the pure rules."""

from datetime import date
from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.domain.points import (
    OpenLot,
    Programme,
    PurchaseFacts,
    RefundTotals,
    balance_of,
    birthday_bonus_year,
    earned_points,
    expiry_date,
    max_redeemable,
    plan_purchase,
    plan_refund,
    settle_refund,
    take_fifo,
)

P = Programme()
D = Decimal


def test_earn_examples_of_the_spec():
    assert earned_points(D("123.45"), P.tier_for(D("0")).rate) == 123
    assert earned_points(D("123.45"), P.tier_for(D("500")).rate) == 185
    assert earned_points(D("123.45"), P.tier_for(D("1500")).rate) == 246


def test_tier_thresholds():
    assert P.tier_for(D("499.99")).name == "Base"
    assert P.tier_for(D("500.00")).name == "Silver"
    assert P.tier_for(D("1500.00")).name == "Gold"
    assert P.next_tier(D("120")) == (P.tiers[1], D("380.00"))
    assert P.next_tier(D("2000")) is None


def test_expiry_example_of_the_spec():
    expires = expiry_date(date(2026, 1, 10), 365)
    assert expires == date(2027, 1, 10)
    lot = OpenLot(1, 100, expires)
    assert balance_of([lot], date(2027, 1, 10)) == 100
    assert balance_of([lot], date(2027, 1, 11)) == 0


def test_redemption_cap_is_half_the_amount():
    # 40 € purchase: 50 % = 20 € = 400 points at 0.05 €.
    assert max_redeemable(D("40.00"), 1000, P) == 400
    assert max_redeemable(D("40.00"), 250, P) == 250
    assert max_redeemable(D("40.00"), 99, P) == 0  # below the 100-point minimum
    plan = plan_purchase(
        D("40.00"), 400, balance=1000, spent_in_window=D(0), programme=P, today=date(2026, 1, 10)
    )
    assert (plan.redeemed_value, plan.paid, plan.earned_points) == (D("20.00"), D("20.00"), 20)
    with pytest.raises(Refused) as caught:
        plan_purchase(
            D("40.00"),
            401,
            balance=1000,
            spent_in_window=D(0),
            programme=P,
            today=date(2026, 1, 10),
        )
    assert str(caught.value) == (
        "At most 400 points can be redeemed on this purchase (50 % of the amount)."
    )


def test_redemption_minimum_and_balance():
    with pytest.raises(Refused, match="At least 100 points must be redeemed at a time"):
        plan_purchase(
            D("40"), 50, balance=1000, spent_in_window=D(0), programme=P, today=date(2026, 1, 10)
        )
    with pytest.raises(Refused, match="Not enough points: 300 asked, the balance is 200."):
        plan_purchase(
            D("100"), 300, balance=200, spent_in_window=D(0), programme=P, today=date(2026, 1, 10)
        )


def test_earn_is_on_the_amount_paid():
    plan = plan_purchase(
        D("100.00"),
        200,
        balance=500,
        spent_in_window=D("600"),
        programme=P,
        today=date(2026, 1, 10),
    )
    assert plan.paid == D("90.00")
    assert plan.tier.name == "Silver"
    assert plan.earned_points == 135
    assert plan.balance_after == 500 - 200 + 135


def test_nothing_earned_after_the_end_date():
    programme = P.changed(end_date=date(2026, 1, 9))
    plan = plan_purchase(
        D("100.00"),
        0,
        balance=0,
        spent_in_window=D(0),
        programme=programme,
        today=date(2026, 1, 10),
    )
    assert plan.earned_points == 0


def test_fifo_takes_soonest_expiring_first_and_never_expired():
    lots = [
        OpenLot(1, 100, date(2026, 6, 1)),
        OpenLot(2, 50, date(2026, 3, 1)),
        OpenLot(3, 70, date(2026, 1, 9)),
    ]
    assert take_fifo(lots, 120, date(2026, 1, 10)) == [(2, 50), (1, 70)]
    with pytest.raises(Refused):
        take_fifo(lots, 151, date(2026, 1, 10))


def test_refund_in_proportion_and_cumulative():
    facts = PurchaseFacts(
        amount=D("100.00"), paid=D("90.00"), redeemed_points=200, earned_points=135
    )
    half = plan_refund(facts, RefundTotals(), D("50.00"))
    assert (half.paid_back, half.take_back, half.restore) == (D("45.00"), 67, 100)
    rest = plan_refund(facts, RefundTotals(D("50.00"), D("45.00"), 67, 100), D("50.00"))
    assert (rest.paid_back, rest.take_back, rest.restore) == (D("45.00"), 68, 100)
    with pytest.raises(Refused, match="already been refunded in full"):
        plan_refund(facts, RefundTotals(D("100.00"), D("90.00"), 135, 200), D("1.00"))


def test_refund_shortfall_is_kept_back_from_cash():
    # 200 € at Base: 200 points earned, all of them spent since. The refund finds 30 points.
    facts = PurchaseFacts(
        amount=D("200.00"), paid=D("200.00"), redeemed_points=0, earned_points=200
    )
    plan = plan_refund(facts, RefundTotals(), D("200.00"))
    outcome = settle_refund(plan, available=30, programme=P)
    assert outcome.taken_back == 30
    assert outcome.shortfall_points == 170
    assert outcome.shortfall_value == D("8.50")
    assert outcome.cash_refund == D("191.50")


def test_birthday_on_the_day_or_within_the_window():
    born = date(1980, 1, 5)
    assert birthday_bonus_year(born, date(2026, 1, 5), 30) == 2026
    assert birthday_bonus_year(born, date(2026, 2, 4), 30) == 2026
    assert birthday_bonus_year(born, date(2026, 2, 5), 30) is None
    assert birthday_bonus_year(born, date(2026, 1, 4), 30) is None
    assert birthday_bonus_year(date(1980, 12, 20), date(2026, 1, 10), 30) == 2025
    assert birthday_bonus_year(date(2000, 2, 29), date(2027, 2, 28), 30) == 2027


def test_programme_round_trips_and_refuses_nonsense():
    programme = P.changed(point_value=D("0.10"), end_date=date(2027, 12, 31))
    assert type(programme).from_dict(programme.to_dict()) == programme
    with pytest.raises(InvalidInput, match="lowest tier must start at 0"):
        P.changed(tiers=(P.tiers[1],))
    with pytest.raises(InvalidInput, match="point value must be more than 0"):
        P.changed(point_value=D("0"))
