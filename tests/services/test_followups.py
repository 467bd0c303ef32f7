"""Feedback, follow-ups, apology bonuses and the bulk bonus."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import InvalidInput, NotFound, Refused
from olga_loyalty.services import campaigns, customers, followups, points
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Feedback, LedgerEntry, Lot
from tests.conftest import register


def test_feedback_with_a_follow_up_is_due_on_its_day(shop, clock):
    anna = register(shop, "Anna", "Müller")
    ben = register(shop, "Ben", "Berg")
    wish = followups.record(shop, anna.id, "wish", "  Kleid in Größe 40  ", follow_up="3")
    praise = followups.record(shop, ben.id, "praise", "Tolle Beratung")
    assert (wish.note, wish.follow_up_on) == ("Kleid in Größe 40", shop.today() + timedelta(3))
    assert praise.follow_up_on is None
    assert followups.due(shop) == []
    clock.advance(days=3)
    due = followups.due(shop)
    assert [(d.id, d.customer_id, d.name, d.kind, d.note) for d in due] == [
        (wish.id, anna.id, "Anna Müller", "wish", "Kleid in Größe 40")
    ]
    followups.complete(shop, wish.id, "Kleid ist da, Anna kommt Samstag")
    assert followups.due(shop) == []
    done = Feedback.get_by_id(wish.id)
    assert done.outcome == "Kleid ist da, Anna kommt Samstag" and done.done_at is not None
    with pytest.raises(Refused, match="already done"):
        followups.complete(shop, wish.id, "again")


def test_a_purchase_schedules_a_call_in_the_same_transaction(shop, clock):
    anna = register(shop, "Anna", "Müller")
    result = points.record_purchase(shop, anna.id, Decimal("89.00"), follow_up="14")
    call = Feedback.get_by_id(result.follow_up_id)
    assert (call.kind, call.note, call.purchase_id) == ("call", "", result.purchase_id)
    assert call.follow_up_on == shop.today() + timedelta(days=14)
    clock.advance(days=20)  # overdue ones stay on the list
    assert [d.id for d in followups.due(shop)] == [call.id]


def test_bad_follow_up_input_writes_nothing(shop, clock):
    anna = register(shop, "Anna", "Müller")
    cases = [
        (dict(kind="gossip", note="x"), "praise, wish, complaint or call"),
        (dict(kind="wish", note="   "), "Please write what the customer said"),
        (dict(kind="wish", note="x" * 501), "too long"),
        (dict(kind="wish", note="x", follow_up="2020-01-01"), "in the past"),
        (dict(kind="wish", note="x", follow_up="999"), "at most 366 days"),
        (dict(kind="wish", note="x", follow_up="morgen"), "is not a date"),
        (dict(kind="call", note="anrufen"), "A call needs a follow-up date"),
    ]
    for fields, message in cases:
        with pytest.raises(InvalidInput, match=message):
            followups.record(shop, anna.id, **fields)
    with pytest.raises(InvalidInput, match="is not a date"):
        points.record_purchase(shop, anna.id, Decimal("10.00"), follow_up="next week")
    with pytest.raises(NotFound):
        followups.record(shop, 999, "wish", "x")
    assert Feedback.select().count() == 0
    assert points.Purchase.select().count() == 0


def test_a_complaint_is_answered_with_an_apology_bonus(shop, clock):
    anna = register(shop, "Anna", "Müller")
    before = ledger.balance(anna.id, shop.today())
    complaint = followups.record(
        shop, anna.id, "complaint", "Naht am Mantel offen", follow_up=shop.today()
    )
    item, entry = followups.apologise(shop, complaint.id, 200)
    assert ledger.balance(anna.id, shop.today()) == before + 200
    assert (entry.kind, entry.points) == ("adjust", 200)
    assert entry.reason == f"apology for complaint #{complaint.id}: Naht am Mantel offen"
    assert item.apology_entry_id == entry.id and item.done_at is not None
    assert followups.due(shop) == []  # answered: no longer due
    with pytest.raises(Refused, match="already answered"):
        followups.apologise(shop, complaint.id, 50)
    praise = followups.record(shop, anna.id, "praise", "Schön")
    with pytest.raises(Refused, match="Only a complaint"):
        followups.apologise(shop, praise.id, 50)
    with pytest.raises(InvalidInput, match="1 to 10000 points"):
        followups.apologise(shop, followups.record(shop, anna.id, "complaint", "x").id, 0)


def test_erasure_scrubs_feedback_notes(shop, clock):
    anna = register(shop, "Anna", "Müller")
    followups.record(shop, anna.id, "complaint", "Anna hat sich beschwert", follow_up="1")
    customers.erase(shop, anna.id)
    assert [(f.note, f.outcome) for f in Feedback.select()] == [("", "")]
    clock.advance(days=1)
    assert followups.due(shop) == []


def test_bulk_bonus_preview_then_award_to_a_tier(shop, clock):
    gold = register(shop, "Gina", "Gold")
    points.record_purchase(shop, gold.id, Decimal("1500.00"))  # Gold from 1,000.00 spent
    others = [register(shop, f"Kim{i}", "Base").id for i in range(3)]
    preview = campaigns.preview(shop, "tier:Gold", 250, valid_days=30)
    assert (preview.segment, preview.customers, preview.total_points) == ("tier-Gold", 1, 250)
    assert preview.total_value == Decimal("12.50")
    assert preview.expires_on == shop.today() + timedelta(days=30)
    assert Lot.select().where(Lot.kind == "bonus").count() == 0  # the preview wrote nothing
    before = {c: ledger.balance(c, shop.today()) for c in [gold.id, *others]}
    done = campaigns.award(shop, "tier:Gold", 250, reason="Doppelte Punkte", valid_days=30)
    assert (done.customers, done.total_points) == (1, 250)
    assert ledger.balance(gold.id, shop.today()) == before[gold.id] + 250
    assert all(ledger.balance(c, shop.today()) == before[c] for c in others)
    entry = LedgerEntry.get(LedgerEntry.kind == "bonus")
    assert (entry.customer_id, entry.points, entry.reason) == (gold.id, 250, "Doppelte Punkte")
    everyone = campaigns.award(shop, "all", 10, reason="Jubiläum")
    assert everyone.customers == 4
    assert Lot.select().where(Lot.kind == "bonus").count() == 5


def test_bulk_bonus_refusals_write_nothing(shop, clock):
    register(shop, "Anna", "Müller")
    for args, error, message in [
        (("all", 0), InvalidInput, "1 to 10000 points"),
        (("all", 10001), InvalidInput, "1 to 10000 points"),
        (("tier:Platin", 10), InvalidInput, "There is no tier"),
        (("birthday:13", 10), InvalidInput, "whole number from 1 to 12"),
        (("tier:Gold", 10), Refused, "No customer is in the segment"),
    ]:
        with pytest.raises(error, match=message):
            campaigns.award(shop, *args, reason="x")
    with pytest.raises(InvalidInput, match="needs a reason"):
        campaigns.award(shop, "all", 10, reason=" ")
    assert Lot.select().where(Lot.kind == "bonus").count() == 0
