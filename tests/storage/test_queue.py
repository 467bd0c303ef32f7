"""The tills' queue for SQLite's write lock (storage/queue.py, issue 19): every writer of a
SQLite file lines up on an flock of `<file>-queue`; the next in line is woken at the
release, a killed holder releases its place, and a till that waited its whole patience is
told "busy" with nothing written."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import DatabaseBusy
from olga_loyalty.services import points
from olga_loyalty.storage import queue
from olga_loyalty.storage import transactions as storage_db
from tests.conftest import dump_database, register

pytestmark = pytest.mark.sqlite_only


def test_a_place_is_held_until_it_is_left_and_the_next_then_gets_it(tmp_path):
    database = str(tmp_path / "loyalty.db")
    first = queue.join(database, timeout=1)
    assert first is not None and queue.available(database)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        queue.join(database, timeout=0.2)
    assert time.monotonic() - started >= 0.2
    first.leave()
    second = queue.join(database, timeout=0.2)
    assert second is not None
    second.leave()


def test_a_waiting_till_is_woken_when_the_place_is_left(tmp_path):
    database = str(tmp_path / "loyalty.db")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom olga_loyalty.storage import queue\n"
            f"place = queue.join({database!r}, 5)\nprint('held', flush=True)\n"
            "time.sleep(0.5)\nplace.leave()\ntime.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        place = queue.join(database, timeout=60)
        assert place is not None
        assert holder.poll() is None  # woken at the release, not after the holder ended
        place.leave()
    finally:
        holder.kill()
        holder.wait()


def test_a_till_killed_in_its_turn_does_not_block_the_others(tmp_path):
    database = str(tmp_path / "loyalty.db")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom olga_loyalty.storage import queue\n"
            f"place = queue.join({database!r}, 5)\nprint('held', flush=True)\ntime.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(TimeoutError):
            queue.join(database, timeout=0.2)
        holder.kill()  # SIGKILL: the kernel releases the flock
        holder.wait()
        place = queue.join(database, timeout=2)
        assert place is not None
        place.leave()
    finally:
        holder.kill()
        holder.wait()


def test_a_purchase_waits_its_turn_and_then_is_refused_as_busy_with_nothing_written(
    shop, db_path, monkeypatch
):
    anna = register(shop, "Anna", "Wartet")
    points.record_purchase(shop, anna.id, Decimal("10.00"))  # the queue file exists now
    assert queue.available(str(db_path))
    other_till = queue.join(str(db_path), timeout=1)  # another till's turn, never ending
    before = dump_database(db_path)
    monkeypatch.setattr(storage_db, "LOCK_PATIENCE", 0.3)
    try:
        with pytest.raises(DatabaseBusy, match="busy"):
            points.record_purchase(shop, anna.id, Decimal("20.00"))
    finally:
        other_till.leave()
    assert dump_database(db_path) == before
    # its turn comes as soon as the other till is done
    points.record_purchase(shop, anna.id, Decimal("20.00"))
    assert dump_database(db_path) != before


def test_no_queue_for_a_database_in_memory_or_given_as_a_uri():
    assert queue.queue_path(":memory:") is None
    assert queue.queue_path("file:x.db?mode=ro") is None
    assert queue.join(":memory:", timeout=0) is None


def test_the_writer_in_its_turn_sees_whether_another_waits(tmp_path):
    """A writer that has to wait says so (a shared lock on `<file>-waiting`) until its turn
    comes; the one whose turn it is can ask (an import goes on while nobody waits)."""
    database = str(tmp_path / "loyalty.db")
    assert queue.someone_waiting(database) is None  # no queue yet: unknown
    place = queue.join(database, timeout=1)
    assert place is not None and queue.someone_waiting(database) is False
    waiter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from olga_loyalty.storage import queue\n"
            f"place = queue.join({database!r}, 10)\nprint('turn', flush=True)\n"
            "place.leave()\ninput()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not queue.someone_waiting(database):
            assert time.monotonic() < deadline, "the waiting till was never seen"
            time.sleep(0.01)
        place.leave()
        assert waiter.stdout.readline().strip() == "turn"
        assert queue.someone_waiting(database) is False  # it had its turn: nobody waits
    finally:
        waiter.kill()
        waiter.wait()


def test_nobody_can_be_seen_waiting_on_a_database_in_memory():
    assert queue.waiting_path(":memory:") is None
    assert queue.someone_waiting(":memory:") is None
