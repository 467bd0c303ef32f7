"""The bonus engine on a real database, with exact points and money."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.services import customers, points
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import BirthdayBonus, LedgerEntry, Lot, Purchase, Refund
from tests.conftest import register

D = Decimal


def bal(shop, cid):
    return ledger.balance(cid, shop.today())


def test_purchase_earns_on_paid_amount_and_redeems_fifo(shop, clock):
    c = register(shop)  # welcome: 100 points, expires 2026-03-11
    points.adjust(shop, c.id, 300, reason="goodwill", valid_days=30)  # expires 2026-02-09
    result = points.record_purchase(shop, c.id, "123.45", redeem=350)
    assert result.plan.redeemed_value == D("17.50")
    assert result.plan.paid == D("105.95")
    assert result.plan.earned_points == 105
    assert result.balance == 100 + 300 - 350 + 105
    taken = [
        (e.lot_id, e.points)
        for e in LedgerEntry.select().where(LedgerEntry.kind == "redeem").order_by(LedgerEntry.id)
    ]
    adjust_lot = Lot.get(Lot.kind == "adjust").id
    welcome_lot = Lot.get(Lot.kind == "welcome").id
    assert taken == [(adjust_lot, -300), (welcome_lot, -50)]
    earn = Lot.get(Lot.kind == "earn")
    assert (earn.points, earn.expires_on) == (105, date(2027, 1, 10))


def test_tier_is_set_by_the_trailing_365_days(shop, clock):
    c = register(shop)
    assert points.record_purchase(shop, c.id, "400").plan.tier.name == "Base"
    clock.advance(days=10)
    assert points.record_purchase(shop, c.id, "100").plan.tier.name == "Base"  # 400 before it
    clock.advance(days=10)
    r = points.record_purchase(shop, c.id, "123.45")  # 500 before it
    assert (r.plan.tier.name, r.plan.earned_points) == ("Silver", 185)
    clock.advance(days=346)  # the 400 € purchase is now 366 days ago
    # left in the window: 100 + 123.45 = 223.45 → back to Base
    assert points.record_purchase(shop, c.id, "10").plan.tier.name == "Base"
    assert customers.card(shop, c.id).tier.name == "Base"


def test_tier_drops_when_purchases_leave_the_window(shop, clock):
    c = register(shop)
    points.record_purchase(shop, c.id, "600")
    assert customers.card(shop, c.id).tier.name == "Silver"
    clock.advance(days=365)
    assert customers.card(shop, c.id).tier.name == "Base"  # 600 € was exactly 365 days ago
    card = customers.card(shop, c.id)
    assert card.next_tier[1] == D("500.00")


def test_refunds_lower_the_tier_spend(shop, clock):
    c = register(shop)
    p = points.record_purchase(shop, c.id, "600")
    points.refund(shop, p.purchase_id, "200")
    card = customers.card(shop, c.id)
    assert (card.tier.name, card.total_spent, card.visits) == ("Base", D("400.00"), 1)


def test_expired_points_never_count_even_before_the_daily_run(shop, clock):
    c = register(shop)  # 100 points through 2026-03-11
    clock.advance(days=60)  # 2026-03-11: last day
    assert bal(shop, c.id) == 100
    clock.advance(days=1)
    assert bal(shop, c.id) == 0
    with pytest.raises(Refused, match="Not enough points: 100 asked, the balance is 0"):
        points.record_purchase(shop, c.id, "300", redeem=100)
    first = points.daily(shop)
    assert (first.expired_lots, first.expired_points) == (1, 100)
    second = points.daily(shop)
    assert (second.expired_lots, second.expired_points, second.birthday_bonuses) == (0, 0, 0)
    assert ledger.ledger_total(c.id) == 0


def test_welcome_birthday_and_referral_bonuses(shop, clock):
    referrer = register(shop, "Ref", "Errer")
    c = customers.register(
        shop,
        customers.CustomerInput("Anna", "Müller", "0151 1234 5678", birthday="1980-01-20"),
        consents={"data_processing"},
        referred_by=str(referrer.id),
    ).customer
    points.record_purchase(shop, c.id, "10")
    assert bal(shop, referrer.id) == 100 + 200
    points.record_purchase(shop, c.id, "10")
    assert bal(shop, referrer.id) == 300  # only the first purchase counts
    clock.advance(days=9)  # 2026-01-19: the day before the birthday
    assert points.daily(shop).birthday_bonuses == 0
    clock.advance(days=5)  # 2026-01-24: within 30 days after it
    assert points.daily(shop).birthday_bonuses == 1
    assert points.daily(shop).birthday_bonuses == 0
    lot = Lot.get(Lot.kind == "birthday")
    assert (lot.points, lot.awarded_on, lot.expires_on) == (
        200,
        date(2026, 1, 24),
        date(2026, 2, 23),
    )
    clock.advance(days=365)
    assert points.daily(shop).birthday_bonuses == 1  # next year's
    assert sorted(b.year for b in BirthdayBonus.select()) == [2026, 2027]


def test_birthday_before_registration_gives_nothing(shop, clock):
    register(shop, birthday="1980-01-05")  # registered 2026-01-10, 5 days after
    assert points.daily(shop).birthday_bonuses == 0


def test_leap_day_birthday_on_28_february(shop, clock):
    register(shop, birthday="2000-02-29")
    clock.advance(days=(date(2026, 2, 28) - date(2026, 1, 10)).days)
    assert points.daily(shop).birthday_bonuses == 1


def test_refund_in_two_halves_equals_one_whole(shop, clock):
    c = register(shop)
    p = points.record_purchase(shop, c.id, "100.00", redeem=100)  # paid 95, earned 95
    first = points.refund(shop, p.purchase_id, "50,00")
    assert (first.cash_refund, first.points_taken_back, first.points_restored) == (
        D("47.50"),
        47,
        50,
    )
    second = points.refund(shop, p.purchase_id)
    assert (
        second.amount,
        second.cash_refund,
        second.points_taken_back,
        second.points_restored,
    ) == (D("50.00"), D("47.50"), 48, 50)
    assert bal(shop, c.id) == 100
    with pytest.raises(Refused, match="already been refunded in full"):
        points.refund(shop, p.purchase_id, "1")
    restore = Lot.get(Lot.kind == "restore")
    assert restore.expires_on == date(2026, 3, 11)  # the welcome lot's date, later than 30 days


def test_refund_shortfall_keeps_money_back(shop, clock):
    c = register(shop)
    p = points.record_purchase(shop, c.id, "200.00")  # +200 → 300
    points.record_purchase(shop, c.id, "300.00", redeem=300)  # spends all
    assert bal(shop, c.id) == 285
    points.adjust(shop, c.id, -285, reason="test: spend the rest")
    result = points.refund(shop, p.purchase_id)
    assert (result.points_taken_back, result.shortfall_points) == (0, 200)
    assert (result.shortfall_value, result.cash_refund) == (D("10.00"), D("190.00"))
    assert bal(shop, c.id) == 0
    row = Refund.get_by_id(result.refund_id)
    assert (row.take_back_due, row.taken_back, row.shortfall_points) == (200, 0, 200)


def test_a_purchase_of_an_erased_customer_is_refunded_in_money_only(shop, clock):
    """Found by the adversarial test: `refund` said "This purchase belongs to an erased
    customer; it cannot be refunded." The goods come back; the books must show it. Her
    points were forfeited at the erasure: nothing is taken back, kept back or given back."""
    c = register(shop)  # 100 welcome
    points.record_purchase(shop, c.id, "200.00")  # +200 → 300
    p = points.record_purchase(shop, c.id, "100.00", redeem=200)  # −200 (10 €), paid 90, +90
    clock.advance(days=1)
    customers.erase(shop, c.id)
    entries = LedgerEntry.select().count()
    half = points.refund(shop, p.purchase_id, "50.00")
    assert (half.amount, half.paid_back, half.cash_refund) == (D("50.00"), D("45.00"), D("45.00"))
    assert (half.points_taken_back, half.points_restored, half.shortfall_points) == (0, 0, 0)
    assert (half.shortfall_value, half.balance) == (D("0.00"), 0)
    rest = points.refund(shop, p.purchase_id)
    assert (rest.amount, rest.cash_refund) == (D("50.00"), D("45.00"))
    rows = [
        (r.amount, r.paid_back, r.cash_refund, r.take_back_due, r.taken_back, r.restored)
        for r in Refund.select().order_by(Refund.id)
    ]
    assert rows == [
        (D("50.00"), D("45.00"), D("45.00"), 0, 0, 0),
        (D("50.00"), D("45.00"), D("45.00"), 0, 0, 0),
    ]
    assert LedgerEntry.select().count() == entries  # no points moved
    assert bal(shop, c.id) == 0
    with pytest.raises(Refused, match="already been refunded in full"):
        points.refund(shop, p.purchase_id, "1")


def test_refund_more_than_left_is_refused(shop):
    c = register(shop)
    p = points.record_purchase(shop, c.id, "20")
    with pytest.raises(Refused, match="Only 20.00 of this purchase can still be refunded"):
        points.refund(shop, p.purchase_id, "20.01")
    assert Refund.select().count() == 0


def test_adjustments_need_a_reason_and_cannot_go_negative(shop):
    c = register(shop)
    with pytest.raises(InvalidInput, match="needs a reason"):
        points.adjust(shop, c.id, 50, reason="  ")
    with pytest.raises(Refused, match="Cannot take 101 points: the balance is 100"):
        points.adjust(shop, c.id, -101, reason="too much")
    result = points.adjust(shop, c.id, 50, reason="apology")
    assert (result.balance, result.expires_on) == (150, date(2027, 1, 10))
    entry = LedgerEntry.get(LedgerEntry.kind == "adjust")
    assert (entry.points, entry.reason) == (50, "apology")


def test_programme_end_date_stops_earning_but_points_keep_their_expiry(shop, clock):
    c = register(shop)
    shop.save_programme(shop.programme.changed(end_date=date(2026, 1, 10)))
    assert points.record_purchase(shop, c.id, "100").plan.earned_points == 100
    clock.advance(days=1)
    r = points.record_purchase(shop, c.id, "250", redeem=100)
    assert (r.plan.earned_points, r.balance) == (0, 100)
    assert register(shop, "New", "Comer").id and bal(shop, 2) == 0  # no welcome bonus either


def test_settings_change_the_rules(shop):
    from olga_loyalty.services import settings

    settings.set_value(shop, "point_value", "0,10")
    settings.set_value(shop, "tiers", "Bronze:0:1,Platin:300:3")
    settings.set_value(shop, "max_redeem_share", "20%")
    c = register(shop)
    points.record_purchase(shop, c.id, "300")
    r = points.record_purchase(shop, c.id, "100", redeem=200)
    assert (r.plan.tier.name, r.plan.redeemed_value, r.plan.paid, r.plan.earned_points) == (
        "Platin",
        D("20.00"),
        D("80.00"),
        240,
    )
    with pytest.raises(InvalidInput, match="Unknown setting"):
        settings.set_value(shop, "nonsense", "1")
    with pytest.raises(InvalidInput, match="lowest tier must start at 0"):
        settings.set_value(shop, "tiers", "A:10:1")
    assert shop.programme.tiers[0].name == "Bronze"


def test_purchase_timestamps_and_history_newest_first(shop, clock):
    c = register(shop)
    clock.advance(hours=1)
    p = points.record_purchase(shop, c.id, "50", staff="Eva")
    assert Purchase.get_by_id(p.purchase_id).staff == "Eva"
    kinds = [h.kind for h in customers.card(shop, c.id).history]
    assert kinds == ["purchase", "earn", "welcome"]
    assert customers.card(shop, c.id).last_visit == clock.now()
    assert clock.now() - timedelta(hours=1) == customers.card(shop, c.id).customer.registered_at
