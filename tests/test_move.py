"""`move-to`: a shop's SQLite file copied into an empty PostgreSQL database, then checked.
The copy needs a server: these run under `make test-postgres`; the refusals run everywhere."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from olga_loyalty.cli import main
from olga_loyalty.config import FixedClock
from olga_loyalty.services import customers, points, safety
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database, redact
from olga_loyalty.storage.models import AuditEntry
from tests.conftest import POSTGRES, START, dump_database, fresh_database, register

needs_server = pytest.mark.skipif(not POSTGRES, reason="needs make test-postgres")


@pytest.fixture
def sqlite_shop(tmp_path, monkeypatch):
    """A shop with some history in a SQLite file (whatever database the suite runs on)."""
    monkeypatch.setenv("OLGA_LOYALTY_NOW", START.isoformat())
    path = tmp_path / "till.db"
    shop = open_shop(str(path), FixedClock(START))
    anna = register(
        shop, "Anna", "Müller", consents=("data_processing", "email"), email="anna@example.com"
    )
    ben = register(shop, "Ben", "Schäfer")
    register(shop, "Cem", "Yılmaz")
    first = points.record_purchase(shop, anna.id, Decimal("123.45"))
    points.record_purchase(shop, anna.id, Decimal("80.00"), redeem=100)
    points.refund(shop, first.purchase_id, Decimal("23.45"))
    points.adjust(shop, ben.id, 250, reason="opening of the new shop")
    customers.withdraw_consent(shop, anna.id, "email", method="verbal")
    safety.audit(shop, "export", "newsletter email all")
    cards = {c: customers.card(shop, c) for c in (anna.id, ben.id)}
    close_database()
    return path, cards


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@needs_server
def test_move_copies_everything_checks_it_and_the_shop_goes_on(sqlite_shop, tmp_path, capsys):
    path, cards = sqlite_shop
    target = fresh_database(tmp_path)
    code, out, err = run(["--db", str(path), "move-to", target, "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["customers"] == 3 and report["balances_checked"] == 3
    assert report["ledger_checked"] == 3
    assert report["rows"]["purchase"] == 2 and report["rows"]["refund"] == 1
    assert report["rows"]["consent"] == 4 and report["rows"]["audit_log"] == 1
    assert report["rows"]["customer_change"] == 0
    # the same cards on the server: balances, tiers, history, consents
    shop = open_shop(target, FixedClock(START))
    # the move's own audit entry is in the copy, written with it in one transaction
    assert [(e.action, e.detail) for e in AuditEntry.select().order_by(AuditEntry.id)] == [
        ("export", "newsletter email all"),
        ("move-to", redact(target)),
    ]
    for cid, before in cards.items():
        after = customers.card(shop, cid)
        assert (after.balance, after.tier.name, after.total_spent, after.visits) == (
            before.balance,
            before.tier.name,
            before.total_spent,
            before.visits,
        )
        assert [(h.kind, h.points) for h in after.history] == [
            (h.kind, h.points) for h in before.history
        ]
    assert [h.last_name for h in customers.find(shop, "mul")] == ["Müller"]
    assert [h.last_name for h in customers.find(shop, "schaefer")] == ["Schäfer"]
    # the sequences go on after the copied ids
    assert register(shop, "Dora", "Neu").id == 4
    assert points.record_purchase(shop, 4, Decimal("10.00")).purchase_id == 3
    close_database()


@needs_server
def test_move_into_a_database_that_is_not_empty_writes_nothing(sqlite_shop, tmp_path, capsys):
    path, _ = sqlite_shop
    target = fresh_database(tmp_path)
    assert run(["--db", str(path), "move-to", target], capsys)[0] == 0
    before = dump_database(target)
    code, out, err = run(["--db", str(path), "move-to", target], capsys)
    assert code == 1
    assert err.startswith("error: The target database is not empty (customer: 3, purchase: 2")
    assert err.strip().endswith("move-to only fills an empty one.")
    assert dump_database(target) == before


@needs_server
def test_move_prints_what_it_did_in_words(sqlite_shop, tmp_path, capsys):
    path, _ = sqlite_shop
    target = fresh_database(tmp_path)
    code, out, _ = run(["--db", str(path), "move-to", target], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"Moved {path} to {target} in ")
    assert lines[0].endswith("rows in 18 tables.")  # 13, the outbox, issue 13's two, issue 14's two
    assert "  customer                 3" in lines
    assert lines[-2] == (
        "Checked: every table's row count, the balances of 3 customers and the ledger "
        "sums of 3 customers are the same in both databases."
    )
    assert lines[-1] == f"From now on, start every till with --db {target}"


@needs_server
def test_move_carries_the_erasure_journal_and_the_shops_secret(tmp_path, capsys, monkeypatch):
    from olga_loyalty.services import erasure
    from olga_loyalty.storage.models import ErasureJournal

    monkeypatch.setenv("OLGA_LOYALTY_NOW", START.isoformat())
    path = tmp_path / "till.db"
    shop = open_shop(str(path), FixedClock(START))
    zoraida = register(shop, "Zoraida", "Quintanilla", phone="0151 9876 5432")
    customers.erase(shop, zoraida.id)
    secret = erasure.shop_secret()
    journal = list(ErasureJournal.select().tuples())
    close_database()
    target = fresh_database(tmp_path)
    assert run(["--db", str(path), "move-to", target], capsys)[0] == 0
    shop = open_shop(target, FixedClock(START))
    assert list(ErasureJournal.select().tuples()) == journal
    assert erasure.shop_secret() == secret
    assert journal[0][2] == erasure.keyed_digest("phone", "+4915198765432")
    assert customers.find(shop, "quintanilla") == []
    close_database()


def test_move_needs_a_postgresql_address(sqlite_shop, tmp_path, capsys):
    path, _ = sqlite_shop
    before = dump_database(path) if not POSTGRES else None
    code, _, err = run(["--db", str(path), "move-to", str(tmp_path / "copy.db")], capsys)
    assert code == 2
    assert err == (
        "error: move-to needs a PostgreSQL address like "
        "postgresql://user:password@host:5432/shop.\n"
    )
    if before is not None:
        assert dump_database(path) == before
