"""Rules that issue 18 keeps in one place: the bulk writer of lots with their ledger entries
(storage/ledger.award_many), what a person types beside points given by hand
(domain/adjustments), and the programme's settings as the screen and the command line parse
them (services/settings)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from olga_loyalty.domain.adjustments import adjustment_expiry, clean_reason, clean_staff
from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.points import Tier
from olga_loyalty.services import settings
from olga_loyalty.storage import ledger
from olga_loyalty.storage.ledger import NewLot
from olga_loyalty.storage.models import LedgerEntry, Lot, database
from tests.conftest import register


def test_award_many_writes_each_lot_with_its_entry(shop):
    anna, ben = register(shop), register(shop, first="Ben")
    before = {c.id: ledger.balance(c.id, shop.today()) for c in (anna, ben)}
    now = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
    new = [
        NewLot(anna.id, "bonus", 30, date(2026, 1, 10), date(2026, 7, 10), "spring"),
        NewLot(ben.id, "bonus", 45, date(2026, 1, 10), date(2026, 8, 1), "spring"),
    ]

    with database.atomic():
        ids = ledger.award_many(new, now=now, staff="Olga")

    lots = [Lot.get_by_id(i) for i in ids]
    assert [(lot.customer_id, lot.points, lot.remaining, lot.expires_on) for lot in lots] == [
        (anna.id, 30, 30, date(2026, 7, 10)),
        (ben.id, 45, 45, date(2026, 8, 1)),
    ]
    entries = [LedgerEntry.get(LedgerEntry.lot == i) for i in ids]
    assert [(e.customer_id, e.kind, e.points, e.staff, e.reason) for e in entries] == [
        (anna.id, "bonus", 30, "Olga", "spring"),
        (ben.id, "bonus", 45, "Olga", "spring"),
    ]
    assert ledger.balance(anna.id, shop.today()) == before[anna.id] + 30
    assert ledger.balance(ben.id, shop.today()) == before[ben.id] + 45


def test_award_many_refuses_a_lot_without_points(shop):
    anna = register(shop)
    lots_before = Lot.select().count()
    bad = [NewLot(anna.id, "bonus", 0, date(2026, 1, 10), date(2026, 7, 10))]
    with pytest.raises(ValueError), database.atomic():
        ledger.award_many(bad, now=shop.now())
    assert Lot.select().count() == lots_before


def test_what_is_typed_beside_points_given_by_hand():
    assert clean_staff("  Olga   K. ") == "Olga K."
    assert clean_staff(None) == ""
    assert len(clean_staff("x" * 200)) == 80
    assert clean_reason(" broken  vase ") == "broken vase"
    with pytest.raises(InvalidInput, match="needs a reason"):
        clean_reason("   ")
    with pytest.raises(InvalidInput, match="too long"):
        clean_reason("x" * 501)
    assert adjustment_expiry(date(2026, 1, 10), None, 365) == date(2027, 1, 10)
    assert adjustment_expiry(date(2026, 1, 10), 30, 365) == date(2026, 2, 9)
    for days in (-1, 3651):  # 0, like None, means the programme's validity
        with pytest.raises(InvalidInput, match="between 1 and 3650 days"):
            adjustment_expiry(date(2026, 1, 10), days, 365)


def test_the_programme_settings_parse_the_same_for_screen_and_command_line():
    assert settings.parse_tier("Silver", "500", "1,5") == Tier(
        "Silver", Decimal("500"), Decimal("1.5")
    )
    assert settings.parse_tier("Base", "", "1") == Tier("Base", Decimal("0"), Decimal("1"))
    assert settings.parse_tiers("Base:0:1,Gold:1500:2") == (
        Tier("Base", Decimal("0"), Decimal("1")),
        Tier("Gold", Decimal("1500"), Decimal("2")),
    )
    with pytest.raises(InvalidInput, match="is not an earn rate"):
        settings.parse_tier("Gold", "1500", "fast")
    with pytest.raises(InvalidInput):
        settings.parse_tier("Gold", "10000001", "2")
    assert settings.parse_redeem_share("30 %") == Decimal("0.3000")
    assert settings.parse_redeem_share("12,5") == Decimal("0.1250")
    with pytest.raises(InvalidInput):
        settings.parse_redeem_share("101")
    assert settings.parse_end_date("-") is None
    assert settings.parse_end_date("2027-12-31") == date(2027, 12, 31)
