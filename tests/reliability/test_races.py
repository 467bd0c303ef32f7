"""Two (or more) tills doing the same thing at the same moment (SPEC §10: every writer locks
what it reads). Each test starts child processes (tests/reliability/races.py) that meet at a
barrier before every round, so their actions really overlap; `make test` runs them on SQLite
files, `make test-postgres` on a PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from olga_loyalty.config import FixedClock
from olga_loyalty.services import campaigns, followups, safety
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from tests.conftest import START, fresh_database, register
from tests.reliability.test_crash_and_tills import _all, _connect, check_database

RACES = Path(__file__).with_name("races.py")
ROOT = Path(__file__).resolve().parents[2]


def race(kind: str, db, parties: int, rounds: int, folder: Path) -> list[list[str]]:
    """Run `parties` tills for `rounds` rounds; the result lines of each, by round."""
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("OLGA_LOYALTY_NOW", None)
    children = [
        subprocess.Popen(
            [sys.executable, str(RACES), kind, str(db), str(who), str(parties), str(rounds)]
            + [str(folder)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in range(parties)
    ]
    outputs = [child.communicate(timeout=600) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "Traceback" not in err, err
    by_round: list[list[str]] = [[] for _ in range(rounds)]
    for out, _ in outputs:
        for line in out.splitlines():
            number, _, result = line.partition(" ")
            by_round[int(number)].append(result)
    for results in by_round:
        assert len(results) == parties
        assert not [r for r in results if r.startswith("busy")], results
    return by_round


@pytest.fixture(autouse=True)
def _no_shop_left_open():
    yield
    close_database()


DAILY_ROUNDS = 8


def test_two_daily_runs_at_once_expire_each_lot_once_and_give_each_birthday_once(tmp_path):
    """Two tills start the daily run at the same moment, on 8 days in a row; each day 20 lots
    expire and one customer has her birthday. Before the fix, on PostgreSQL, both runs read
    the same expired lots and both wrote an `expire` entry (the lot's ledger then said -2×
    what it held): in this test 160 of 160 lots were doubled. SQLite serialised the two runs
    already (its write lock is taken at BEGIN); the test holds there too."""
    db = fresh_database(tmp_path, "daily.db")
    shop = open_shop(str(db), FixedClock(START))
    for n in range(20):
        birthday = f"1980-01-{12 + n:02d}" if n < DAILY_ROUNDS else None
        register(shop, f"Tag{n}", "Kundin", birthday=birthday)
    for days in range(1, DAILY_ROUNDS + 1):
        campaigns.award(shop, "all", 10, reason=f"valid {days} days", valid_days=days)
    close_database()
    by_round = race("daily", db, 2, DAILY_ROUNDS, tmp_path / "barrier")
    for results in by_round:
        # between them the two runs did the day's work once (which run did which step
        # depends on who got the daily-run lock first)
        done = [dict(part.split("=") for part in r.split()) for r in results]
        assert sum(int(d["expired"]) for d in done) == 20, results
        assert sum(int(d["birthdays"]) for d in done) == 1, results
    conn = _connect(db)
    try:
        doubled = _all(
            conn,
            "SELECT lot_id FROM ledger_entry WHERE kind = 'expire' "
            "GROUP BY lot_id HAVING COUNT(*) > 1",
        )
        assert doubled == []
        assert _all(conn, "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'expire'") == [(160,)]
        assert _all(conn, "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'birthday'") == [(8,)]
    finally:
        conn.close()
    check_database(db)


APOLOGY_ROUNDS = 15


def test_two_apologies_for_one_complaint_pay_once(tmp_path):
    """Two tills answer the same complaint with a 100-point apology at the same moment, 15
    times. Before the fix, on PostgreSQL, both read the complaint as unanswered before either
    locked the customer: this test saw the bonus paid twice in 15 of 15 rounds. SQLite
    serialised them already; the test holds there too."""
    db = fresh_database(tmp_path, "sorry.db")
    shop = open_shop(str(db), FixedClock(START))
    for n in range(APOLOGY_ROUNDS):
        c = register(shop, f"Klage{n}", "Kundin")
        followups.record(shop, c.id, "complaint", f"Naht offen {n}")
    close_database()
    by_round = race("apologise", db, 2, APOLOGY_ROUNDS, tmp_path / "barrier")
    for number, results in enumerate(by_round, start=1):
        paid = [r for r in results if r.startswith("entry=")]
        assert len(paid) == 1, results
        assert [r for r in results if r not in paid] == [
            f"refused: Complaint #{number} was already answered with a bonus."
        ]
    conn = _connect(db)
    try:
        counts = _all(
            conn,
            "SELECT customer_id, COUNT(*), SUM(points) FROM ledger_entry WHERE kind = 'adjust' "
            "GROUP BY customer_id ORDER BY customer_id",
        )
        assert counts == [(n, 1, 100) for n in range(1, APOLOGY_ROUNDS + 1)]
    finally:
        conn.close()
    check_database(db)


ERASE_ROUNDS = 12


def test_a_purchase_during_an_erasure_never_leaves_an_erased_customer_points(tmp_path):
    """One till records a 500 € purchase for a customer while another erases her, 12 times.
    Before the fix, on PostgreSQL, the erasure read the balance without locking the customer:
    in this test 11 of the 12 erased customers kept the 500 points of the purchase. Now
    either the purchase comes first (and its points are forfeited with the rest) or the
    erasure comes first (and the purchase is refused)."""
    db = fresh_database(tmp_path, "erase.db")
    shop = open_shop(str(db), FixedClock(START))
    for n in range(ERASE_ROUNDS):
        register(shop, f"Weg{n}", "Kundin")
    close_database()
    by_round = race("purchase-erase", db, 2, ERASE_ROUNDS, tmp_path / "barrier")
    for number, results in enumerate(by_round, start=1):
        assert "erased" in results, results
        other = next(r for r in results if r != "erased")
        assert other.startswith("purchase=") or other in (
            f"refused: Customer #{number} has been erased; nothing was saved.",
            f"refused: No customer found for '{number}'.",
        ), results
    conn = _connect(db)
    try:
        kept = _all(
            conn,
            "SELECT l.customer_id, SUM(l.remaining) FROM lot l JOIN customer c "
            "ON c.id = l.customer_id WHERE c.erased_at IS NOT NULL AND l.remaining > 0 "
            "GROUP BY l.customer_id",
        )
        assert kept == []
        assert _all(conn, "SELECT COUNT(*) FROM customer WHERE erased_at IS NULL") == [(0,)]
    finally:
        conn.close()
    check_database(db)


PIN_TILLS = 12
PIN_ROUNDS = 3


def test_parallel_wrong_pins_are_counted_one_by_one(tmp_path, monkeypatch):
    """12 tills type a wrong PIN at the same moment, 3 times. Before the fix every one of the
    12 read the counter before any had written it: in every round, on SQLite and on
    PostgreSQL, all 12 were told "2 tries left" and nothing was locked. Now the counter is
    read and written in one transaction: two are told how many tries are left, the third
    locks, the other nine find it locked."""
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})  # a quick test PIN
    db = fresh_database(tmp_path, "pin.db")
    shop = open_shop(str(db), FixedClock(START))
    safety.set_pin(shop, "246810")
    close_database()
    by_round = race("wrong-pin", db, PIN_TILLS, PIN_ROUNDS, tmp_path / "barrier")
    for results in by_round:
        kinds = Counter(
            "left"
            if "tries left" in r or "try left" in r
            else "locking"
            if "locked for a minute" in r
            else "locked"
            if "locked until" in r
            else r
            for r in results
        )
        assert kinds == {"left": 2, "locking": 1, "locked": PIN_TILLS - 3}, results
    conn = _connect(db)
    try:
        assert _all(conn, "SELECT COUNT(*) FROM audit_log WHERE action = 'pin-locked'") == [
            (PIN_ROUNDS,)
        ]
    finally:
        conn.close()


FIRST_START_TILLS = 3
FIRST_START_ROUNDS = 10


def test_tills_finishing_the_first_start_at_once_agree_on_one_shop(tmp_path):
    """Three tills on a new database finish the first-start dialog at the same moment, each
    with its own name, 10 times. Before the fix each wrote its own settings over the
    others': every till went on showing the name it typed while the database kept the last
    one written (3 of 3 "saved" in each round). Now the first to save names the shop and
    the others are given its settings (docs/ui.md, "The first start")."""
    db = fresh_database(tmp_path, "new.db")
    open_shop(str(db), FixedClock(START))
    close_database()
    by_round = race("first-start", db, FIRST_START_TILLS, FIRST_START_ROUNDS, tmp_path / "b")
    for number, results in enumerate(by_round):
        saved = [r.removeprefix("saved ") for r in results if r.startswith("saved ")]
        assert len(saved) == 1, results
        assert saved[0].endswith(f" round {number}")
        assert sorted(results) == sorted(
            [f"saved {saved[0]}"] + [f"kept {saved[0]}"] * (FIRST_START_TILLS - 1)
        )
    conn = _connect(db)
    try:
        stored = _all(conn, "SELECT value FROM setting WHERE key = 'shop'")
        assert json.loads(stored[0][0])["name"] == saved[0]
    finally:
        conn.close()


def test_four_tills_selling_to_the_same_customers_lose_nothing(tmp_path):
    """Four processes record 250 purchases each (30 % with a redemption) on the same five
    customers: all 1,000 are there, no lot below zero, every balance equals its ledger, and
    no till was ever told the database is busy."""
    from tests.reliability.test_crash_and_tills import WORKER, env, seed_shop

    db = fresh_database(tmp_path, "four.db")
    seed_shop(db)
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "till", str(db), "250", str(seed)],
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2, 3, 4)
    ]
    outputs = [child.communicate(timeout=600) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
        assert out.startswith("done=250 ")
        assert out.strip().endswith("busy=0")
    state = check_database(db)
    assert len(state["purchases"]) == 1000
    conn = _connect(db)
    try:
        redeemed = _all(conn, "SELECT COUNT(*) FROM purchase WHERE redeemed_points > 0")[0][0]
    finally:
        conn.close()
    assert redeemed > 200  # the redemptions really happened on the shared customers
    print(f"\n1000 purchases from four processes ({redeemed} with redemption), 0 busy")
