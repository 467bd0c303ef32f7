"""A till killed mid-write, and two tills writing at once, lose nothing (SPEC §10)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from olga_loyalty.config import FixedClock
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from tests.conftest import POSTGRES, START, fresh_database, register

WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]
KILLS = 24


def seed_shop(path) -> None:
    shop = open_shop(str(path), FixedClock(START))
    from olga_loyalty.services import points

    for n in range(5):
        c = register(shop, f"Till{n}", "Kunde", phone=f"0151 9000 000{n}")
        points.adjust(shop, c.id, 5000, reason="starting balance")
    close_database()


def _connect(location):
    if POSTGRES:
        import psycopg2

        return psycopg2.connect(str(location))
    return sqlite3.connect(location)


def _all(conn, sql: str) -> list[tuple]:
    cursor = conn.cursor()
    cursor.execute(sql)
    return cursor.fetchall()


def check_database(location) -> dict:
    """integrity ok; every purchase has its ledger entries; every lot equals its entries, no
    lot is below zero (no point spent twice) and every balance equals the ledger."""
    conn = _connect(location)
    try:
        if not POSTGRES:
            assert _all(conn, "PRAGMA integrity_check")[0][0] == "ok"
        wrong = _all(
            conn,
            "SELECT p.id FROM purchase p LEFT JOIN ledger_entry e ON e.purchase_id = p.id "
            "AND e.kind IN ('earn', 'redeem') GROUP BY p.id, p.earned_points, p.redeemed_points "
            "HAVING COALESCE(SUM(CASE WHEN e.kind = 'earn' THEN e.points END), 0) != p.earned_points "
            "OR COALESCE(SUM(CASE WHEN e.kind = 'redeem' THEN e.points END), 0) != -p.redeemed_points",
        )
        assert wrong == []
        bad_lots = _all(
            conn,
            "SELECT l.id FROM lot l LEFT JOIN (SELECT lot_id, SUM(points) s FROM ledger_entry GROUP BY lot_id) e "
            "ON e.lot_id = l.id WHERE l.remaining != COALESCE(e.s, 0) OR l.remaining < 0",
        )
        assert bad_lots == []
        for cid, lots, entries in _all(
            conn,
            "SELECT c.id, (SELECT COALESCE(SUM(remaining),0) FROM lot WHERE customer_id = c.id), "
            "(SELECT COALESCE(SUM(points),0) FROM ledger_entry WHERE customer_id = c.id) FROM customer c",
        ):
            assert lots == entries, cid
        return {
            "purchases": {r[0] for r in _all(conn, "SELECT id FROM purchase")},
            "customers": {r[0] for r in _all(conn, "SELECT id FROM customer")},
        }
    finally:
        conn.close()


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_kill_minus_nine_at_random_moments_loses_nothing_committed(tmp_path):
    db = fresh_database(tmp_path, "crash.db")
    seed_shop(db)
    journal = tmp_path / "journal.txt"
    rng = random.Random(7)
    committed_seen = 0
    for kill in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(WORKER), "crash", str(db), str(journal), str(kill)],
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_until_it_works(child, journal)  # a loaded machine starts Python slowly
        time.sleep(rng.uniform(0.4, 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        state = check_database(db)
        journaled = journal.read_text().split("\n") if journal.exists() else []
        purchases = {int(line.split()[1]) for line in journaled if line.startswith("purchase")}
        registered = {int(line.split()[1]) for line in journaled if line.startswith("customer")}
        assert purchases <= state["purchases"], "a committed purchase is missing"
        assert registered <= state["customers"], "a committed registration is missing"
        committed_seen = len(purchases) + len(registered)
    assert committed_seen > KILLS * 5  # the children really worked between the kills
    print(f"\n{KILLS} kills survived; {committed_seen} committed actions all present")


def _wait_until_it_works(child, journal, patience: float = 30.0) -> None:
    """Until the child has committed something more (its start is not what is tested)."""
    size = journal.stat().st_size if journal.exists() else 0
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline and child.poll() is None:
        if journal.exists() and journal.stat().st_size > size:
            return
        time.sleep(0.01)


def test_two_tills_at_once_lose_nothing(tmp_path):
    db = fresh_database(tmp_path, "tills.db")
    seed_shop(db)
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "till", str(db), "500", str(seed)],
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
        assert out.startswith("done=500 ")
        assert out.strip().endswith("busy=0")
    state = check_database(db)
    assert len(state["purchases"]) == 1000
    print(
        f"\n1000 purchases from two processes, all present; {outputs[0][0].strip()} / {outputs[1][0].strip()}"
    )


@pytest.fixture(autouse=True)
def _no_shop_left_open():
    yield
    close_database()
