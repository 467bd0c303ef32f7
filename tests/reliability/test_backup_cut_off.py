"""A backup cut off in the middle (the program killed, the PC switched off) is never taken for
a backup: not listed, not offered for a restore, and not counted as the day's backup. Its
half-written copy is cleared away by a later backup once it is an hour old.

Before: the copy was written under its backup name, so a killed backup left a
`loyalty-…-daily.db` (with its `-journal`) that `backup --list` showed at full size and that
stopped the day's automatic backup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from olga_loyalty.config import FixedClock
from olga_loyalty.services import safety
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import backup as backups
from olga_loyalty.storage.db import close_database
from tests.conftest import START, register

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.sqlite_only,  # backups are of the SQLite file
    pytest.mark.skipif(os.name != "posix", reason="kills itself with SIGKILL"),
]

# A child that backs up the shop and kills itself after the first pages are copied: SQLite's
# backup is stepped through a stand-in for the source connection, 1 page a step.
CHILD = """
import os, signal, sqlite3, sys
from datetime import datetime
from olga_loyalty.storage import backup

class Source:
    def __init__(self, conn):
        self.conn = conn
    def backup(self, target):
        def progress(status, remaining, total):
            if total - remaining >= 3:
                os.kill(os.getpid(), signal.SIGKILL)
        self.conn.backup(target, pages=1, progress=progress)
    def close(self):
        self.conn.close()

class Sqlite3:
    Error = sqlite3.Error
    def connect(self, path, **kwargs):
        conn = sqlite3.connect(path, **kwargs)
        return Source(conn) if str(path) == sys.argv[1] else conn

backup.sqlite3 = Sqlite3()
backup.make_backup(backup.Path(sys.argv[1]), datetime(2026, 11, 23, 10, 0), "daily")
print("not killed")
"""


@pytest.fixture
def shop_file(tmp_path):
    path = tmp_path / "loyalty.db"
    shop = open_shop(str(path), FixedClock(START))
    for n in range(40):  # enough pages that the copy is cut off in the middle
        register(shop, f"Kim{n}", "Kunde" * 15, phone=f"0151 9000 {n:04d}")
    close_database()
    return path


def test_a_killed_backup_is_no_backup(shop_file):
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(shop_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    folder = backups.backup_folder(shop_file)
    left = sorted(p.name for p in folder.iterdir())
    assert left and all(name.startswith(".backup-") for name in left), left
    assert backups.list_backups(shop_file) == []

    shop = open_shop(str(shop_file), FixedClock(START))
    try:
        made = safety.backup_if_first_today(shop)  # the day's backup is still taken
        assert made is not None
        assert [b.path for b in backups.list_backups(shop_file)] == [made]
        assert backups.check_backup_file(made, 99) >= 1
        # younger than an hour: the leftover may be another till's copy in progress
        assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == left
        hours_ago = time.time() - 2 * 3600
        for name in left:
            os.utime(folder / name, (hours_ago, hours_ago))
        again = safety.backup(shop, "manual")
    finally:
        close_database()
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.name, again.name])


def test_a_cut_off_backup_of_an_older_version_is_no_backup(shop_file):
    """Before 0.2.0 a backup was written under its name: cut off, it left the file and its
    `-journal`. Such a file is not listed or counted as the day's backup (a tester: the
    first start of the day took no backup), and a backup an hour later deletes it."""
    folder = backups.backup_folder(shop_file)
    folder.mkdir()
    broken = folder / "loyalty-20261123-090000-daily.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)
    Path(f"{broken}-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\x00" * 504)
    assert backups.list_backups(shop_file) == []
    shop = open_shop(str(shop_file), FixedClock(START))
    try:
        made = safety.backup_if_first_today(shop)
        assert made is not None and [b.path for b in backups.list_backups(shop_file)] == [made]
        assert broken.exists()  # younger than an hour: left alone
        hours_ago = time.time() - 2 * 3600
        for part in (broken, Path(f"{broken}-journal")):
            os.utime(part, (hours_ago, hours_ago))
        again = safety.backup(shop, "manual")
    finally:
        close_database()
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.name, again.name])
