"""The referral bonus follows the purchase that earned it (docs/rules.md, "Referral bonus")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from olga_loyalty.domain import points as rules
from olga_loyalty.services import customers, points
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import LedgerEntry
from tests.conftest import register

D = Decimal


def referred_pair(shop):
    referrer = register(shop, "Ref", "Errer")  # 100 welcome points
    friend = customers.register(
        shop,
        customers.CustomerInput("Neu", "Kundin", "0160 5555 0000"),
        consents={"data_processing"},
        referred_by=str(referrer.id),
    ).customer
    return referrer, friend


def bal(shop, cid):
    return ledger.balance(cid, shop.today())


def test_a_whole_refund_of_the_first_purchase_takes_the_bonus_back(shop):
    """The report: a 0.01 € first purchase gave the referrer 200 points, and a refund of it
    left them. Before the fix the referrer kept 300 points after the refund."""
    referrer, friend = referred_pair(shop)
    first = points.record_purchase(shop, friend.id, "0.01")
    assert first.referral_awarded_to == referrer.id
    assert bal(shop, referrer.id) == 300
    result = points.refund(shop, first.purchase_id)
    assert bal(shop, referrer.id) == 100
    assert (result.referral_customer_id, result.referral_taken_back) == (referrer.id, 200)
    assert result.referral_shortfall == 0
    assert result.cash_refund == D("0.01")
    entry = LedgerEntry.get((LedgerEntry.customer == referrer.id) & (LedgerEntry.kind == "refund"))
    assert (entry.points, entry.purchase_id, entry.refund_id) == (
        -200,
        first.purchase_id,
        result.refund_id,
    )
    assert entry.reason == f"referral bonus back: refund of purchase #{first.purchase_id}"
    assert ledger.ledger_total(referrer.id) == bal(shop, referrer.id)


def test_part_refunds_take_back_in_proportion_and_add_up_to_the_whole(shop):
    referrer, friend = referred_pair(shop)
    first = points.record_purchase(shop, friend.id, "90.00")
    one = points.refund(shop, first.purchase_id, "30.00")  # a third: floor(200/3) = 66
    assert one.referral_taken_back == 66
    two = points.refund(shop, first.purchase_id, "30.00")  # two thirds: 133 − 66 = 67
    assert two.referral_taken_back == 67
    three = points.refund(shop, first.purchase_id)  # the rest: 200 − 133
    assert three.referral_taken_back == 67
    assert bal(shop, referrer.id) == 100


def test_what_the_referrer_already_spent_is_the_shortfall_and_stays(shop):
    referrer, friend = referred_pair(shop)
    first = points.record_purchase(shop, friend.id, "50.00")
    points.record_purchase(shop, referrer.id, "100.00", redeem=250)  # spends 250 of 300
    assert bal(shop, referrer.id) == 50 + 87  # 50 left + 87 earned on the 87.50 € paid
    result = points.refund(shop, first.purchase_id)
    # her balance is never driven below zero; the friend's cash is not kept back for it
    assert (result.referral_taken_back, result.referral_shortfall) == (137, 63)
    assert bal(shop, referrer.id) == 0
    assert result.cash_refund == D("50.00")
    assert result.shortfall_points == 0  # the friend's own points were all there


def test_a_later_purchase_and_an_erased_referrer(shop):
    referrer, friend = referred_pair(shop)
    first = points.record_purchase(shop, friend.id, "20.00")
    second = points.record_purchase(shop, friend.id, "20.00")
    assert points.refund(shop, second.purchase_id).referral_taken_back == 0  # not the first
    customers.erase(shop, referrer.id)  # her points were forfeited with the erasure
    result = points.refund(shop, first.purchase_id)
    assert (result.referral_taken_back, result.referral_shortfall) == (0, 0)
    assert ledger.ledger_total(referrer.id) == 0


@settings(max_examples=300, deadline=None)
@given(
    bonus=st.integers(min_value=0, max_value=10_000),
    cents=st.integers(min_value=1, max_value=10_000_000),
    cuts=st.lists(st.integers(min_value=1, max_value=10_000_000), max_size=6),
)
def test_part_refunds_never_take_back_more_than_the_bonus(bonus, cents, cuts):
    """However a purchase is refunded in parts, the parts take back between 0 and the bonus
    each time, and all of it once the whole purchase is refunded."""
    amount = D(cents) / 100
    refunded = D(0)
    taken = 0
    for cut in cuts:
        part = min(D(cut) / 100, amount - refunded)
        if part <= 0:
            break
        step = rules.referral_take_back(bonus, amount, refunded, part)
        assert 0 <= step <= bonus
        taken += step
        refunded += part
    if refunded < amount:
        taken += rules.referral_take_back(bonus, amount, refunded, amount - refunded)
    assert taken == bonus


@pytest.fixture(autouse=True)
def _fixed(clock):
    return clock
