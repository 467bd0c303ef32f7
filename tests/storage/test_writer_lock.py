"""The lock the writer of a decided import holds (storage/writer_lock.py): one holder at a
time, also between two threads of one process (the UI imports in one worker while the daily
run starts in another); free again at the release or when the holder is killed; on SQLite
the file beside the database goes with the release. Where there is no lock (Windows: no
`flock`), a decided run is finished only when its last batch is older than a minute."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from olga_loyalty.services import imports
from olga_loyalty.services.imports import customer_rows, recovery
from olga_loyalty.storage import writer_lock
from olga_loyalty.storage.models import Customer, ImportRun, database
from olga_loyalty.storage.sql import is_sqlite
from tests.services.test_import_batches import customer_list

ROOT = Path(__file__).resolve().parents[2]


def in_another_thread(function):
    """What `function` returns in a thread of its own (its own database connection)."""
    result = []

    def run():
        try:
            result.append(function())
        finally:
            database.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    return result[0]


def free_elsewhere(run_id: int) -> bool:
    def take():
        hold = writer_lock.take(run_id)
        if hold is None:
            return False
        hold.release()
        return True

    return in_another_thread(take)


def test_one_holder_at_a_time_until_it_lets_go(shop):
    hold = writer_lock.take(7)
    assert hold is not None and hold.exclusive
    assert not free_elsewhere(7)  # another thread: its own connection or file descriptor
    assert free_elsewhere(8)  # another run
    if is_sqlite():
        assert Path(writer_lock.lock_path(7)).exists()
        assert writer_lock.take(7) is None  # another descriptor, even in this thread
    started = time.monotonic()
    assert in_another_thread(lambda: writer_lock.take(7, wait=0.3)) is None
    assert time.monotonic() - started >= 0.3
    hold.release()
    hold.release()  # again: nothing
    assert free_elsewhere(7)
    if is_sqlite():
        assert not Path(writer_lock.lock_path(7)).exists()  # no file left behind


def test_a_killed_holder_lets_go_at_once(shop, db_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom olga_loyalty.config import Clock\n"
            "from olga_loyalty.services.shop import open_shop\n"
            "from olga_loyalty.storage import writer_lock\n"
            f"open_shop({str(db_path)!r}, Clock())\nhold = writer_lock.take(5)\n"
            "print('held' if hold and hold.exclusive else 'not held', flush=True)\n"
            "time.sleep(60)",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert writer_lock.take(5) is None
        holder.kill()
        holder.wait(30)
        hold = writer_lock.take(5, wait=5)  # PostgreSQL ends the session a moment later
        assert hold is not None and hold.exclusive
        hold.release()
    finally:
        holder.kill()


@pytest.mark.sqlite_only
def test_a_file_the_holder_before_removed_does_not_count(shop, monkeypatch):
    """The holder removes the file while it holds it, then lets go. A process that opened
    the file just before gets the lock of a removed file: it must not take that for the
    run's lock (a third would lock the new file at the same time), but lock the file that
    is there now."""
    path = writer_lock.lock_path(3)
    Path(path).touch()
    opened_before = os.open(path, os.O_RDWR)
    os.unlink(path)  # the holder before let go
    real_open = os.open
    calls = []

    def open_(*args, **kwargs):
        calls.append(args[0])
        return os.dup(opened_before) if len(calls) == 1 else real_open(*args, **kwargs)

    monkeypatch.setattr(writer_lock.os, "open", open_)
    try:
        hold = writer_lock.take(3)
    finally:
        monkeypatch.undo()
        os.close(opened_before)
    assert hold is not None and hold.exclusive and len(calls) == 2
    assert Path(path).exists() and not free_elsewhere(3)
    hold.release()


@pytest.mark.sqlite_only
def test_without_a_lock_a_decided_run_is_finished_after_a_minute_without_a_batch(
    shop, tmp_path, monkeypatch
):
    """Windows has no flock: a decided run whose last batch is less than a minute old may be
    being written (left alone); one older than that is finished."""
    monkeypatch.setattr(writer_lock, "fcntl", None)
    hold = writer_lock.take(1)
    assert hold is not None and not hold.exclusive
    report = imports.check_file(shop, customer_list(tmp_path, 4))
    run_id = imports._new_run(shop, "customers", report.file, "Olga")
    imports._stage(run_id, [customer_rows.payload(row) for row in report.good])
    imports._decide(run_id)  # the moment of the decision is its first sign of life
    assert imports.finish_interrupted(shop) == []
    assert (Customer.select().count(), ImportRun.select().count()) == (0, 1)
    now = imports.real_time()
    monkeypatch.setattr(imports, "real_time", lambda: now + recovery.READY_STALE_SECONDS - 1)
    assert imports.finish_interrupted(shop) == []
    monkeypatch.setattr(imports, "real_time", lambda: now + recovery.READY_STALE_SECONDS + 1)
    assert imports.finish_interrupted(shop) == [imports.Completed("customers", "kunden.csv", 4, 4)]
    assert (Customer.select().count(), ImportRun.select().count()) == (4, 0)


@pytest.mark.sqlite_only
def test_each_batch_is_a_sign_of_life(shop, tmp_path, monkeypatch):
    """The heartbeat moves with every batch written (the rule where there is no lock)."""
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 0)  # each batch its own transaction
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)
    beats = []
    publish = imports._publish_batch

    def spy(shop_, run_id, *args):
        counts = publish(shop_, run_id, *args)
        run = ImportRun.get_or_none(ImportRun.id == run_id)
        beats.append(None if run is None else run.heartbeat)
        return counts

    clock = iter(range(1_000_000, 2_000_000, 10))
    monkeypatch.setattr(imports, "real_time", lambda: float(next(clock)))
    monkeypatch.setattr(imports, "_publish_batch", spy)
    assert imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 7))).written == 7
    assert beats[-1] is None and len(beats) == 4  # 3 + 3 + 1, then the end
    assert beats[:3] == sorted(set(beats[:3]))  # three batches, three later beats


def test_a_holder_gone_without_a_word_is_noticed_by_the_server(shop):
    """PostgreSQL: the holder's connection has the server probe it after 50 s of silence
    (a till that lost power or network), so the lock does not outlive it by hours."""
    if is_sqlite():
        pytest.skip("PostgreSQL's sessions (make test-postgres)")
    from olga_loyalty.storage.sql import fetch_rows

    hold = writer_lock.take(9)
    try:
        shown = [fetch_rows(f"SHOW {name}")[0][0] for name in writer_lock.KEEPALIVE]
        assert shown == ["50", "10", "3"]  # 0 would be the system's default (2 hours)
    finally:
        hold.release()
