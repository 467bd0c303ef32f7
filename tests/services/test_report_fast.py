"""The report's fast statements (issue 19: ≤ 1 s at 100,000 customers) give exactly the
figures of the plain ones they replaced, which follow docs/reports.md word for word: members
counted month by month, lapsed members with one NOT EXISTS each, open points in one statement,
points per month summed per ledger kind, the top buyers sorted as pairs; and the report's
parts read side by side on their own connections give what they give one after the other.
Compared on a hand-made history and on random histories (hypothesis), on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from olga_loyalty.services import customers, points, reports
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import fetch_rows
from tests.conftest import register


def plain_members(ends: list) -> list[int]:
    return [
        int(
            fetch_rows(
                "SELECT COUNT(*) FROM customer WHERE erased_at IS NULL AND registered_at < ?",
                (end,),
            )[0][0]
        )
        for end in ends
    ]


def plain_lapsed_count(since) -> int:
    return int(
        fetch_rows(
            "SELECT COUNT(*) FROM customer c WHERE c.erased_at IS NULL AND c.registered_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id "
            "AND p.created_at > ?)",
            (since, since),
        )[0][0]
    )


def plain_lapsed_list(since) -> list[reports.Person]:
    rows = fetch_rows(
        "SELECT id, last_visit FROM (SELECT c.id AS id, (SELECT MAX(p.created_at) FROM purchase p "
        "WHERE p.customer_id = c.id) AS last_visit FROM customer c WHERE c.erased_at IS NULL "
        "AND c.registered_at <= ? AND NOT EXISTS (SELECT 1 FROM purchase p "
        "WHERE p.customer_id = c.id AND p.created_at > ?)) AS lapsed "
        "ORDER BY (last_visit IS NULL), last_visit DESC, id LIMIT ?",
        (since, since, reports.LIST_LIMIT),
    )
    names = reports._names([r[0] for r in rows])
    return [
        reports.Person(cid, *names[cid], day=reports._visit_day(last) if last else None)
        for cid, last in rows
    ]


def plain_points_by_month(report: reports.Report, by_month) -> None:
    for m, kind, plus, minus in by_month(
        "created_at",
        "kind, SUM(CASE WHEN points > 0 THEN points ELSE 0 END), "
        "SUM(CASE WHEN points < 0 THEN points ELSE 0 END)",
        "ledger_entry",
        "kind",
    ):
        row, plus, minus = report.months[m], int(plus or 0), -int(minus or 0)
        if kind in reports.ISSUING:
            row.points_issued += plus
        if kind == "redeem":
            row.points_redeemed += minus
        elif kind == "restore":
            row.points_redeemed -= plus
        elif kind == "expire":
            row.points_expired += minus
        elif kind in ("refund", "adjust", "forfeit"):
            row.points_taken_back += minus


def plain_open_points(day: str, soon: str) -> tuple[int, int, int]:
    total, expiring, people = fetch_rows(
        "SELECT SUM(remaining), SUM(CASE WHEN expires_on <= ? THEN remaining ELSE 0 END), "
        "COUNT(DISTINCT CASE WHEN expires_on <= ? THEN customer_id END) "
        "FROM lot WHERE remaining > 0 AND expires_on >= ?",
        (soon, soon, day),
    )[0]
    return int(total or 0), int(expiring or 0), int(people or 0)


def plain_most_first(net: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    return sorted(net, key=lambda item: (-item[0], item[1]))[:count]


def one_after_another(jobs: dict) -> dict:
    return {name: job() for name, job in jobs.items()}


def assert_fast_equals_plain(shop, months: int = 12) -> reports.Report:
    fast = reports.compute(shop, months=months)
    names = (
        "_members",
        "_lapsed_count",
        "_lapsed_list",
        "_points_by_month",
        "_most_first",
        "read_side_by_side",
    )
    original = [getattr(reports, name) for name in names]
    plain_ones = (
        plain_members,
        plain_lapsed_count,
        plain_lapsed_list,
        plain_points_by_month,
        plain_most_first,
        one_after_another,  # the parts read one after the other, in this thread
    )
    for name, plain_one in zip(names, plain_ones, strict=True):
        setattr(reports, name, plain_one)
    try:
        plain = reports.compute(shop, months=months)
    finally:
        for name, fast_one in zip(names, original, strict=True):
            setattr(reports, name, fast_one)
    assert fast.as_dict() == plain.as_dict()
    today = shop.today()
    soon = today + timedelta(days=reports.EXPIRING_DAYS)
    assert (fast.open_points, fast.expiring_points, fast.expiring_customers) == (
        plain_open_points(today.isoformat(), soon.isoformat())
    )
    return fast


def at(clock, text: str) -> None:
    clock.moment = datetime.fromisoformat(text + "+00:00")


def test_fast_and_plain_agree_on_a_history_by_hand(shop, clock):
    """Jan: Anna, Ben, Cem and Dora join; Anna buys Jan 10 and Jun 1, Ben Feb 15 (and is
    refunded in full Feb 20, erased in July), Cem never buys, Dora buys Jan 20 and Mar 3. On Jul 20 (since = Apr 21)
    the lapsed are Dora (Mar 3), then Cem (never); Anna bought after Apr 21, Ben is erased."""
    at(clock, "2026-01-05T09:00:00")
    anna, ben = register(shop, "Anna", "Alt"), register(shop, "Ben", "Bald")
    cem, dora = register(shop, "Cem", "Nie"), register(shop, "Dora", "Dann")
    at(clock, "2026-01-10T10:00:00")
    points.record_purchase(shop, anna.id, Decimal("30.00"))
    at(clock, "2026-01-20T10:00:00")
    points.record_purchase(shop, dora.id, Decimal("12.50"))
    at(clock, "2026-02-15T10:00:00")
    bens = points.record_purchase(shop, ben.id, Decimal("99.99"), redeem=100)
    at(clock, "2026-02-20T10:00:00")
    points.refund(shop, bens.purchase_id)  # in full: his 100 points come back
    at(clock, "2026-03-03T10:00:00")
    points.record_purchase(shop, dora.id, Decimal("40.00"))
    at(clock, "2026-06-01T10:00:00")
    points.record_purchase(shop, anna.id, Decimal("5.00"))
    at(clock, "2026-07-02T10:00:00")
    customers.erase(shop, ben.id, staff="Olga")
    at(clock, "2026-07-20T12:00:00")
    points.daily(shop)
    report = assert_fast_equals_plain(shop, months=12)
    # erased: not a member in any month (docs/reports.md)
    assert [m.members for m in report.months[-8:]] == [0, 3, 3, 3, 3, 3, 3, 3]
    february = report.months[-6]
    assert (february.month, february.points_redeemed) == ("2026-02", 0)  # 100 less 100 back
    assert report.lapsed == 2
    assert [(p.id, p.day) for p in report.lapsed_list] == [
        (dora.id, datetime(2026, 3, 3).date()),
        (cem.id, None),
    ]
    # open: Anna 30 + 5, Dora 12 + 40 (welcome lots of 60 days expired)
    assert report.open_points == 87


#: One step of a random history: days after the previous step, and what happens then.
STEP = st.tuples(
    st.integers(0, 45),
    st.sampled_from(["join", "buy", "buy", "buy", "redeem", "refund", "erase", "daily"]),
    st.integers(0, 10_000),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=25), months=st.sampled_from([1, 3, 12]))
def test_fast_and_plain_agree_on_random_histories(shop, clock, steps, months):
    """Each example adds its steps to the same shop (a new database per example would cost
    a second each on PostgreSQL), from a moment after everything before: the report over
    the whole accumulated history must be the same both ways."""
    clock.moment = max(clock.moment, datetime.fromisoformat("2026-01-01T08:00:00+00:00"))
    people = [row[0] for row in fetch_rows("SELECT id FROM customer WHERE erased_at IS NULL")]
    for days, action, pick in steps:
        clock.moment += timedelta(days=days, minutes=pick % 600)
        if action == "join" or not people:
            people.append(register(shop, "Zu", f"Fall{pick}").id)
        elif action == "erase":
            customers.erase(shop, people.pop(pick % len(people)), staff="Olga")
        elif action == "daily":
            points.daily(shop)
        elif action == "refund":
            sold = fetch_rows(
                "SELECT p.id FROM purchase p JOIN customer c ON c.id = p.customer_id "
                "WHERE c.erased_at IS NULL ORDER BY p.id"
            )
            if sold:
                purchase = points.find_purchase(sold[pick % len(sold)][0])
                left = points.refundable_amount(purchase)
                if left > 0:
                    part = None if pick % 2 else min(left, Decimal("7.50"))  # None: in full
                    points.refund(shop, purchase.id, part)
        else:
            who = people[pick % len(people)]
            amount = Decimal(pick % 20_000) / 100 + Decimal("0.01")
            redeem = 100 if action == "redeem" and ledger.balance(who, shop.today()) >= 100 else 0
            points.record_purchase(shop, who, amount + 10, redeem=redeem)
    assert_fast_equals_plain(shop, months=months)


NET = st.lists(
    st.tuples(st.integers(-(10**12), 10**12), st.integers(1, 2**45)),
    max_size=60,
    unique_by=lambda pair: pair[1],  # one pair per customer
)


@given(net=NET, count=st.integers(0, 70))
def test_the_top_buyers_sorted_as_whole_numbers_are_the_plain_sort(net, count):
    """Negative net revenue (refunded more than bought in the period), ties broken by the
    customer number, and numbers too long to pack (the plain sort then)."""
    assert reports._most_first(net, count) == plain_most_first(net, count)


def test_the_top_buyers_by_hand():
    net = [(500, 7), (500, 3), (-20, 1), (0, 9), (1200, 2)]
    assert reports._most_first(net, 4) == [(1200, 2), (500, 3), (500, 7), (0, 9)]
    assert reports._most_first([(5, 2**41), (5, 1)], 2) == [(5, 1), (5, 2**41)]
