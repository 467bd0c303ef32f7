"""Reports on a small history made by hand; every expected number is worked out below.

Clock: the tests run in UTC, so local months are UTC months. Programme defaults: 1 point per
euro paid (Base), 100 points = 5.00 €, welcome bonus 100 points valid 60 days."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.services import points, reports
from tests.conftest import register


def at(clock, text: str) -> None:
    clock.moment = datetime.fromisoformat(text + "+00:00")


@pytest.fixture
def history(shop, clock):
    """Jan 10: Anna and Ben join (welcome 100 each), Anna buys for 100.00 (earns 100).
    Feb 15: Anna buys 50.00 paying 100 points (= 5.00, so 45.00 paid, earns 45; FIFO takes
    her welcome lot, which expires first); Ben buys 200.00 (earns 200).
    Feb 20: 50.00 of Ben's purchase refunded (50.00 back, 50 points taken back).
    Mar 5: Cem joins (welcome 100), birthday 25 March. Mar 12: the daily run expires Ben's
    unused welcome lot (valid until Mar 11): 100 points."""
    at(clock, "2026-01-10T09:00:00")
    anna = register(shop, "Anna", "Müller")
    ben = register(shop, "Ben", "Schäfer")
    points.record_purchase(shop, anna.id, Decimal("100.00"))
    at(clock, "2026-02-15T09:00:00")
    points.record_purchase(shop, anna.id, Decimal("50.00"), redeem=100)
    bens = points.record_purchase(shop, ben.id, Decimal("200.00"))
    at(clock, "2026-02-20T12:00:00")
    points.refund(shop, bens.purchase_id, Decimal("50.00"))
    at(clock, "2026-03-05T10:00:00")
    cem = register(shop, "Cem", "Yılmaz", birthday="1990-03-25")
    at(clock, "2026-03-12T08:00:00")
    points.daily(shop)
    return anna, ben, cem


def test_three_months_by_hand(shop, clock, history):
    anna, ben, cem = history
    at(clock, "2026-03-20T18:00:00")
    report = reports.compute(shop, months=3)
    assert (report.start, report.end) == (date(2026, 1, 1), date(2026, 3, 20))
    rows = [
        (
            m.month,
            m.members,
            m.new_members,
            m.purchases,
            m.buyers,
            m.revenue,
            m.points_issued,
            m.points_redeemed,
            m.points_expired,
            m.points_taken_back,
        )
        for m in report.months
    ]
    assert rows == [
        # welcome 100 + 100, earned 100
        ("2026-01", 2, 2, 1, 1, Decimal("100.00"), 300, 0, 0, 0),
        # 45.00 + 200.00 paid, 50.00 refunded; earned 45 + 200; 100 redeemed; 50 taken back
        ("2026-02", 2, 0, 2, 2, Decimal("195.00"), 245, 100, 0, 50),
        # Cem's welcome; Ben's welcome expired
        ("2026-03", 3, 1, 0, 0, Decimal("0.00"), 100, 0, 100, 0),
    ]
    assert (report.members, report.new_members, report.purchases) == (3, 3, 3)
    assert report.revenue == Decimal("295.00")
    # buyers: Anna (2 purchases, 145.00 net) and Ben (1 purchase, 150.00 net)
    assert report.buyers == 2
    assert report.repeat_rate == Decimal("0.5000")
    assert report.visits_per_buyer == Decimal("1.50")
    assert report.days_between_visits == Decimal("36.0")  # Jan 10 09:00 → Feb 15 09:00
    # top 20 % of 2 buyers = 1 buyer (rounded up): Ben, 150.00 of 295.00
    assert report.top_share == Decimal("0.5085")
    assert report.top_buyers == 1
    assert [(p.id, p.revenue) for p in report.top_list] == [(ben.id, Decimal("150.00"))]
    # open: Anna 100 + 45 (earned), Ben 200 − 50, Cem 100 = 395 = 19.75 €; and the ledger
    # agrees: issued 645 − redeemed 100 − expired 100 − taken back 50 = 395
    assert (report.open_points, report.open_value) == (395, Decimal("19.75"))
    assert (
        sum(
            m.points_issued - m.points_redeemed - m.points_expired - m.points_taken_back
            for m in report.months
        )
        == 395
    )
    assert (report.expiring_points, report.expiring_customers) == (0, 0)  # nothing by Apr 19
    assert report.lapsed == 0  # nobody registered before Dec 20
    assert report.birthdays == 1
    assert [(p.id, p.name, p.day) for p in report.birthday_list] == [
        (cem.id, "Cem Yılmaz", date(2026, 3, 25))
    ]


def test_lapsed_customers_and_expiring_points_later(shop, clock, history):
    anna, ben, cem = history
    at(clock, "2026-06-20T12:00:00")
    report = reports.compute(shop, months=6)
    assert report.start == date(2026, 1, 1) and len(report.months) == 6
    # since Mar 22 nobody bought; all three registered before it. Order: last visit, newest
    # first (Anna and Ben both Feb 15: by number), never-bought last
    assert report.lapsed == 3
    assert [(p.id, p.day) for p in report.lapsed_list] == [
        (anna.id, date(2026, 2, 15)),
        (ben.id, date(2026, 2, 15)),
        (cem.id, None),
    ]
    # Cem's welcome (valid until May 4) is gone; nothing expires by July 20
    assert report.open_points == 295 and report.expiring_points == 0
    assert report.birthdays == 0


def test_the_period_and_its_refusals(shop, clock):
    at(clock, "2026-11-23T10:00:00")
    assert reports.period(shop) == (date(2025, 12, 1), 12)
    assert reports.period(shop, 3, "2026-02") == (date(2025, 12, 1), 3)
    with pytest.raises(InvalidInput, match="1 to 120 months"):
        reports.period(shop, 0)
    with pytest.raises(InvalidInput, match="not a month"):
        reports.period(shop, 12, "11/2026")
    with pytest.raises(InvalidInput, match="cannot end in the future"):
        reports.period(shop, 12, "2027-01")


def test_an_empty_shop_reports_zeros(shop, clock):
    report = reports.compute(shop, months=1)
    assert (report.members, report.buyers, report.revenue, report.open_points) == (
        0,
        0,
        Decimal("0"),
        0,
    )
    assert report.days_between_visits is None and report.top_list == []


def test_the_expiring_list_and_a_leap_day_birthday(shop, clock, history):
    anna, ben, cem = history
    # Apr 10: Cem's welcome (100, valid until May 4) is the only lot ending within 30 days
    at(clock, "2026-04-10T12:00:00")
    report = reports.compute(shop, months=1)
    assert (report.expiring_points, report.expiring_customers) == (100, 1)
    assert [(p.id, p.points, p.day) for p in report.expiring_list] == [
        (cem.id, 100, date(2026, 5, 4))
    ]
    # 2027 is not a leap year: a 29 February birthday is listed on the 28th (docs/rules.md)
    at(clock, "2027-02-01T12:00:00")
    lea = register(shop, "Lea", "Schaltjahr", birthday="1992-02-29")
    report = reports.compute(shop, months=1)
    assert [(p.id, p.day) for p in report.birthday_list] == [(lea.id, date(2027, 2, 28))]


def test_the_top_list_counts_every_top_buyer_but_shows_the_first_50(shop, clock):
    at(clock, "2026-05-04T10:00:00")
    for n in range(260):  # 260 buyers: the top 20 % are 52, ranked by what they paid
        person = register(shop, "Kim", f"Top{n:03d}")
        points.record_purchase(shop, person.id, Decimal(10 + n))
    report = reports.compute(shop, months=1)
    assert report.buyers == 260 and report.top_buyers == 52
    assert len(report.top_list) == reports.LIST_LIMIT == 50
    assert [p.revenue for p in report.top_list[:2]] == [Decimal("269.00"), Decimal("268.00")]
    assert report.top_list[-1].revenue == Decimal("220.00")


def test_the_last_visit_is_the_shops_local_day(shop, clock, monkeypatch):
    import time

    at(clock, "2026-02-15T23:30:00")  # 00:30 on 16 February in Berlin
    dora = register(shop, "Dora", "Nacht")
    points.record_purchase(shop, dora.id, Decimal("20.00"))
    at(clock, "2026-06-20T12:00:00")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        report = reports.compute(shop, months=1)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert [(p.id, p.day) for p in report.lapsed_list] == [(dora.id, date(2026, 2, 16))]
