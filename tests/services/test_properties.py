"""Property tests over random sequences of purchases, redemptions, refunds, adjustments,
days passing and daily runs (hypothesis). After every step:

- the balance equals the ledger (less points in lots past expiry not yet entered),
- every lot's remainder equals the sum of its ledger entries, and is never negative,
- a redemption took the soonest-expiring lots first,
- a second daily run on the same day changes nothing,
- expired points are never spendable.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from peewee import fn

from olga_loyalty.config import FixedClock
from olga_loyalty.domain.errors import LoyaltyError, Refused
from olga_loyalty.domain.money import MAX_AMOUNT
from olga_loyalty.domain.points import max_redeemable
from olga_loyalty.services import points
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import LedgerEntry, Lot, Purchase
from tests.conftest import fresh_database, register

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def open(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.clock = FixedClock(datetime.fromisoformat("2026-01-10T10:00:00+01:00"))
        self.shop = open_shop(str(fresh_database(Path(self.tmp.name), "p.db")), self.clock)
        self.customers = [register(self.shop, f"C{i}", "Test").id for i in range(2)]

    def teardown(self):
        close_database()
        self.tmp.cleanup()

    def today(self):
        return self.shop.today()

    @rule(who=st.integers(0, 1), amount=amounts, redeem_share=st.sampled_from([0, 0.3, 1.0]))
    def purchase(self, who, amount, redeem_share):
        cid = self.customers[who]
        today = self.today()
        available = ledger.balance(cid, today)
        most = max_redeemable(amount, available, self.shop.programme)
        redeem = int(most * redeem_share)
        if 0 < redeem < self.shop.programme.min_redeem_points:
            redeem = 0
        before = {lot.id: lot for lot in ledger.open_lots(cid, today)}
        result = points.record_purchase(self.shop, cid, amount, redeem=redeem)
        assert result.plan.paid == amount - result.plan.redeemed_value
        if redeem:
            touched = {
                e.lot_id
                for e in LedgerEntry.select().where(
                    (LedgerEntry.purchase == result.purchase_id) & (LedgerEntry.kind == "redeem")
                )
            }
            latest = max(before[i].expires_on for i in touched)
            after = {lot.id: lot for lot in ledger.open_lots(cid, today)}
            for lot_id, lot in before.items():
                if lot.expires_on < latest:  # every sooner-expiring lot was emptied first
                    assert lot_id not in after or lot_id in touched and after[lot_id].remaining == 0

    @rule(who=st.integers(0, 1), extra=st.integers(1, 500))
    def overspend_is_refused(self, who, extra):
        cid = self.customers[who]
        available = ledger.balance(cid, self.today())
        count = LedgerEntry.select().count()
        try:
            points.record_purchase(self.shop, cid, MAX_AMOUNT, redeem=available + extra)
        except Refused:
            pass
        else:
            raise AssertionError("redeeming more than the balance went through")
        assert LedgerEntry.select().count() == count

    @rule(
        pick=st.integers(0, 10**6), share=st.sampled_from([None, "part"]), part=st.floats(0.01, 1)
    )
    def refund(self, pick, share, part):
        ids = [p.id for p in Purchase.select(Purchase.id)]
        if not ids:
            return
        purchase = Purchase.get_by_id(ids[pick % len(ids)])
        left = points.refundable_amount(purchase)
        if left <= 0:
            return
        amount = None
        if share == "part":
            amount = max(Decimal("0.01"), (left * Decimal(str(part))).quantize(Decimal("0.01")))
        before = ledger.balance(purchase.customer_id, self.today())
        result = points.refund(self.shop, purchase.id, amount)
        assert result.balance >= 0
        assert result.balance == before + result.points_restored - result.points_taken_back
        assert (
            result.cash_refund + result.shortfall_value >= result.paid_back
            or result.cash_refund == 0
        )

    @rule(who=st.integers(0, 1), delta=st.integers(-800, 800).filter(bool))
    def adjust(self, who, delta):
        cid = self.customers[who]
        try:
            points.adjust(self.shop, cid, delta, reason="property test")
        except LoyaltyError:
            assert delta < 0 and -delta > ledger.balance(cid, self.today())

    @rule(days=st.integers(0, 120))
    def days_pass(self, days):
        self.clock.advance(days=days)

    @rule()
    def daily_twice(self):
        points.daily(self.shop)
        count = LedgerEntry.select().count()
        remaining = Lot.select(fn.SUM(Lot.remaining)).scalar()
        second = points.daily(self.shop)
        assert (second.expired_lots, second.expired_points, second.birthday_bonuses) == (0, 0, 0)
        assert LedgerEntry.select().count() == count
        assert Lot.select(fn.SUM(Lot.remaining)).scalar() == remaining
        for cid in self.customers:
            assert ledger.balance(cid, self.today()) == ledger.ledger_total(cid)

    @invariant()
    def balance_equals_ledger(self):
        if not hasattr(self, "shop"):
            return
        today = self.today()
        for cid in self.customers:
            balance = ledger.balance(cid, today)
            assert balance >= 0
            assert balance == ledger.ledger_total(cid) - ledger.expired_unentered(cid, today)

    @invariant()
    def lots_equal_their_entries(self):
        if not hasattr(self, "shop"):
            return
        sums = dict(
            LedgerEntry.select(LedgerEntry.lot, fn.SUM(LedgerEntry.points))
            .where(LedgerEntry.lot.is_null(False))
            .group_by(LedgerEntry.lot)
            .tuples()
        )
        for lot in Lot.select():
            assert 0 <= lot.remaining <= lot.points
            assert sums[lot.id] == lot.remaining


LedgerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedger = LedgerMachine.TestCase
