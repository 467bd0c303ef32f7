import pytest
from peewee import fn

from olga_loyalty.domain.customers import normalize_phone
from olga_loyalty.domain.errors import Refused
from olga_loyalty.services import customers, demo, points
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, LedgerEntry, Lot, Purchase
from tests.conftest import register


@pytest.fixture
def filled(shop, clock):
    clock.advance(days=700)
    return demo.generate(shop, 300, seed=7, batch_size=128)


def test_demo_data_keeps_every_rule(shop, filled):
    assert filled["customers"] == 300 == Customer.select().count()
    assert filled["purchases"] == Purchase.select().count() > 600
    assert filled["entries"] == LedgerEntry.select().count()
    today = shop.today()
    lot_sums = dict(
        LedgerEntry.select(LedgerEntry.lot, fn.SUM(LedgerEntry.points))
        .group_by(LedgerEntry.lot)
        .tuples()
    )
    for lot in Lot.select():
        assert lot_sums[lot.id] == lot.remaining >= 0
        assert lot.remaining == 0 or lot.expires_on >= today  # expiry entries are written
    for c in Customer.select():
        assert ledger.balance(c.id, today) == ledger.ledger_total(c.id)
        assert normalize_phone(c.phone, "DE") == c.phone
    run = points.daily(shop)
    assert (run.expired_lots, run.birthday_bonuses) == (0, 0)


def test_demo_data_looks_like_a_shop(shop, filled):
    names = [c.last_name for c in Customer.select()]
    assert any(ch in "".join(names) for ch in "äöüÄÖÜ")
    marketing = Consent.select().where(Consent.purpose == "email").count()
    assert 0 < marketing < 300
    spend = sorted(
        (
            p
            for (p,) in Purchase.select(fn.SUM(Purchase.paid).coerce(False))
            .group_by(Purchase.customer)
            .tuples()
        ),
        reverse=True,
    )
    top = sum(spend[: max(1, len(spend) // 5)])
    assert top / sum(spend) > 0.45  # a few loyal customers bring much of the revenue
    umlaut = next(c for c in Customer.select() if any(ch in c.last_name for ch in "äöü"))
    typed = umlaut.last_name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")[:4]
    assert umlaut.id in [h.id for h in customers.find(shop, typed.lower())]


def test_demo_never_mixes_with_real_data(shop, filled):
    with pytest.raises(
        Refused, match="demo only fills an empty database; this one already has 300"
    ):
        demo.generate(shop, 10)


def test_an_interrupted_demo_says_how_many_customers_it_made_and_keeps_them(shop, monkeypatch):
    """It said "interrupted; nothing more was saved." while the batches before stayed, and a
    second demo on that file is refused (a tester)."""
    written = demo._write
    batches: list[int] = []

    def write(rows):
        if len(batches) == 2:
            raise KeyboardInterrupt
        batches.append(len(rows.customers))
        written(rows)

    monkeypatch.setattr(demo, "_write", write)
    with pytest.raises(demo.DemoInterrupted) as caught:
        demo.generate(shop, 50, seed=3, batch_size=20)
    assert str(caught.value) == (
        "Interrupted: 40 customers of 50 were made and stay, with their purchases. "
        "To start again, use --db with a new file."
    )
    assert Customer.select().count() == 40 and batches == [20, 20]
    # the next registration gets the next number (PostgreSQL: the sequences were set)
    assert register(shop, "Neu", "Kundin", phone="0152 99999999").id == 41
