"""Backups, restore, migrations of a real old database, owner PIN and audit log."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date, datetime
from pathlib import Path

import pytest

from olga_loyalty.config import FixedClock
from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.services import customers, points, safety
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import backup as backups
from olga_loyalty.storage import ledger, migrations
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import AuditEntry, Customer
from tests.conftest import register

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_v1.sql"

pytestmark = pytest.mark.sqlite_only  # backups and restore copy the SQLite file


def test_backup_is_a_consistent_private_copy(shop, db_path):
    register(shop, phone="0151 1234 5678")
    made = safety.backup(shop, "manual")
    assert made.parent == db_path.parent / "backups"
    assert made.name == "loyalty-20260110-090000-manual.db"
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
    with sqlite3.connect(made) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT phone FROM customer").fetchall() == [("+4915112345678",)]
    assert [e.action for e in AuditEntry.select()] == ["backup"]


def test_rotation_keeps_seven_days_and_eight_weeks(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    day = date(2026, 1, 1)
    for n in range(120):  # two backups a day for 60 days
        for hour in (9, 18):
            stamp = datetime(2026, 1, 1, hour) + (date.fromordinal(day.toordinal() + n) - day) * 1
            (folder / f"loyalty-{stamp:%Y%m%d-%H%M%S}-daily.db").write_bytes(b"x")
    (folder / "loyalty-20260501-080000-import.db").write_bytes(b"x")
    (folder / "loyalty-20260501-081500-import.db").write_bytes(b"x")
    backups.rotate(folder, date(2026, 5, 1), "loyalty")
    today = sorted(p.name for p in folder.glob("loyalty-20260501-*"))
    assert today == ["loyalty-20260501-080000-import.db", "loyalty-20260501-081500-import.db"]
    for name in today:
        (folder / name).unlink()
    kept = sorted(p.name for p in folder.glob("*.db"))
    days = {name[8:16] for name in kept}
    assert len(kept) == len(days)  # one per day at most: the newest of that day
    assert all(name.endswith("180000-daily.db") for name in kept)
    # 7 days: today (1 May) and the six days before it that have backups
    assert {f"202604{d:02d}" for d in range(25, 31)} <= days
    weeks = {datetime.strptime(d, "%Y%m%d").isocalendar()[:2] for d in days}
    assert len(weeks) == 8  # the newest of each of the last 8 ISO weeks
    assert len(kept) == 6 + 6  # six daily (Apr 25-30) plus six older weeks' newest (Sundays)


def test_backups_of_one_second_count_in_the_order_they_were_made(shop, db_path):
    """Three backups in one second are `…-manual`, `…-2-manual`, `…-3-manual`. By name the
    first sorted last: `backup --list` showed it as the newest, and the next day's rotation
    kept it and deleted the day's last state (a tester: 112 purchases kept, 114 deleted)."""
    moment = datetime(2026, 11, 20, 10, 0)
    made = []
    for n in range(3):
        register(shop, f"Kim{n}", "Kunde", phone=f"0151 3000 000{n}")
        made.append(backups.make_backup(db_path, moment, "manual"))
    assert [p.name for p in made] == [
        "loyalty-20261120-100000-manual.db",
        "loyalty-20261120-100000-2-manual.db",
        "loyalty-20261120-100000-3-manual.db",
    ]
    assert [b.path for b in backups.list_backups(db_path)] == made[::-1]  # newest first
    backups.make_backup(db_path, datetime(2026, 11, 21, 10, 0), "manual")  # the next day
    kept = [b.path.name for b in backups.list_backups(db_path)]
    assert kept == ["loyalty-20261121-100000-manual.db", "loyalty-20261120-100000-3-manual.db"]
    last = sqlite3.connect(made[2])
    try:
        assert last.execute("SELECT COUNT(*) FROM customer").fetchone() == (3,)
    finally:
        last.close()


def test_two_databases_in_one_folder_keep_and_list_their_own_backups(shop, clock, db_path):
    """Found by the adversarial test: `data/loyalty.db` and `data/demo.db` (the README's demo)
    share `data/backups/`; rotating one deleted the other's backups as if they were older
    backups of the same day, and each listed the other's."""
    folder = db_path.parent / "backups"
    folder.mkdir()
    ours = [f"{db_path.stem}-202601{d:02d}-090000-daily.db" for d in range(2, 10)]
    theirs = [
        f"demo-202601{d:02d}-{h}-daily.db" for d in range(2, 10) for h in ("100000", "200000")
    ]
    theirs.append("demo-20260110-085900-manual.db")
    for name in ours + theirs:
        (folder / name).write_bytes(b"x")
    assert db_path.stem != "demo"
    assert [b.path.name for b in safety.list_backups(shop)] == sorted(ours, reverse=True)
    # another database's backup today does not count as this one's backup of the day
    made = safety.backup_if_first_today(shop)
    assert made is not None
    assert made.name == f"{db_path.stem}-20260110-090000-daily.db"
    # this database's rotation: today and the 6 days before it (2 and 3 January go); the
    # demo's all stay (before: its newer backups of each day deleted this database's)
    assert sorted(p.name for p in folder.glob("demo-*")) == sorted(theirs)
    assert sorted(p.name for p in folder.glob(f"{db_path.stem}-*")) == sorted(
        ours[2:] + [made.name]
    )
    # and the demo's rotation leaves this database's backups alone
    removed = backups.rotate(folder, date(2026, 1, 10), "demo")
    assert sorted(p.name for p in removed) == sorted(
        [f"demo-202601{d:02d}-100000-daily.db" for d in range(2, 10)]
        + ["demo-20260102-200000-daily.db", "demo-20260103-200000-daily.db"]
    )
    assert sorted(p.name for p in folder.glob(f"{db_path.stem}-*")) == sorted(
        ours[2:] + [made.name]
    )


def test_first_start_of_the_day_backs_up_once(shop, clock):
    assert safety.backup_if_first_today(shop) is not None
    assert safety.backup_if_first_today(shop) is None
    clock.advance(days=1)
    assert safety.backup_if_first_today(shop) is not None
    assert [b.reason for b in safety.list_backups(shop)] == ["daily", "daily"]


def test_restore_checks_the_file_backs_up_and_replaces(shop, clock, db_path, tmp_path):
    anna = register(shop, phone="0151 1234 5678")
    points.record_purchase(shop, anna.id, "100")
    good = safety.backup(shop, "manual")
    clock.advance(hours=1)
    register(shop, "Berta", "Bauer", phone="0151 2222 2222")
    points.record_purchase(shop, anna.id, "50")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(InvalidInput, match="is a database file, but damaged|is damaged"):
        safety.restore(shop, broken)
    # a real backup cut short (a tester: it said "not a backup", which invites throwing away
    # a backup that another copy could replace) and a file that is no database at all
    cut = tmp_path / "cut.db"
    cut.write_bytes(good.read_bytes()[:100_000])
    with pytest.raises(InvalidInput) as caught:
        safety.restore(shop, cut)
    assert str(caught.value) == (
        "cut.db is a database file, but damaged or incomplete (a copy cut short?); nothing "
        "was restored. Try another copy of this backup."
    )
    text = tmp_path / "text.db"
    text.write_text("Name;Telefon\n" * 400)
    with pytest.raises(InvalidInput) as caught:
        safety.restore(shop, text)
    assert str(caught.value) == "text.db is not an Olga Loyalty backup; nothing was restored."
    with pytest.raises(InvalidInput, match="does not exist"):
        safety.restore(shop, tmp_path / "missing.db")
    assert Customer.select().count() == 2
    before = safety.restore(shop, good).safety_copy
    assert Customer.select().count() == 1
    assert ledger.balance(anna.id, shop.today()) == 200
    assert before.name.endswith("-restore.db")
    with sqlite3.connect(before) as conn:  # the state before the restore is kept
        assert conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0] == 2
    # the audit log is part of the database: after a restore it holds the restored log + this
    assert [(e.action, e.detail) for e in AuditEntry.select()] == [("restore", f"from {good.name}")]


def test_an_old_database_is_backed_up_then_migrated_intact(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text("utf-8"))
    clock = FixedClock(datetime.fromisoformat("2025-06-20T10:00:00+00:00"))
    shop = open_shop(str(path), clock)
    try:
        assert migrations.current_version() == migrations.LATEST
        made = sorted((tmp_path / "backups").glob("*-migration.db"))
        assert len(made) == 1
        with sqlite3.connect(made[0]) as conn:
            assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 1
        names = sorted((c.first_name, c.last_name, c.phone) for c in Customer.select())
        assert names == [
            ("Anna", "Müller", "+4915112345678"),
            ("Björn", "Lindqvist", "+4916098761234"),
            ("Çiğdem", "Öztürk", "+4917122223333"),
        ]
        balances = {c.id: ledger.balance(c.id, shop.today()) for c in Customer.select()}
        # Anna: 100 welcome + 250 earned − 200 redeemed + 50 earned on 60 − 10 = 50 paid;
        # Björn: 100 + 80 − 40 taken back; Çiğdem: 100 + 55.
        assert balances == {1: 200, 2: 140, 3: 155}
        assert all(balances[c] == ledger.ledger_total(c) for c in balances)
        assert [h.id for h in customers.find(shop, "ozturk")] == [3]
    finally:
        close_database()


def test_pin_protects_and_locks(shop, clock, monkeypatch):
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})  # the cost: elsewhere
    moment = [1_000_000.0]
    monkeypatch.setattr(safety, "real_time", lambda: moment[0])
    assert not safety.pin_is_set()
    safety.authorise(shop, "adjust", None)  # no PIN set: everything passes
    with pytest.raises(InvalidInput, match="A PIN of digits needs 6 to 20 digits"):
        safety.set_pin(shop, "2468")
    with pytest.raises(InvalidInput, match="or a passphrase of 12 to 200 printable"):
        safety.set_pin(shop, "12a4")
    safety.set_pin(shop, "246810")
    from olga_loyalty.services.shop import read_setting

    stored = read_setting("pin")
    assert "246810" not in str(stored) and len(stored["salt"]) == 32
    assert (stored["n"], stored["r"], stored["p"], stored["rules"]) == (2**10, 8, 1, 2)
    with pytest.raises(InvalidInput, match="This needs the owner PIN."):
        safety.authorise(shop, "adjust", None)
    safety.authorise(shop, "adjust", "246810")
    for message in ("2 tries left", "1 try left"):
        with pytest.raises(Refused, match=rf"Wrong PIN \({message}\)"):
            safety.authorise(shop, "erase", "000000")
    with pytest.raises(Refused, match="locked for a minute"):
        safety.authorise(shop, "erase", "000000")
    with pytest.raises(Refused, match="locked until"):
        safety.authorise(shop, "erase", "246810")  # even the right PIN waits
    clock.advance(hours=2)  # the shop's clock (OLGA_LOYALTY_NOW) does not lift the lock
    with pytest.raises(Refused, match="locked until"):
        safety.authorise(shop, "erase", "246810")
    moment[0] += 61  # the real clock does
    safety.authorise(shop, "erase", "246810")
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.id)] == ["pin-locked"]


@pytest.mark.parametrize("failure", ["sqlite", "os"])
def test_a_full_disk_is_said_in_one_language(shop, db_path, monkeypatch, failure):
    """A German message ended in SQLite's English "database or disk is full" (a tester).
    Nothing is left in the backup folder."""
    import errno

    from olga_loyalty.domain.errors import StorageError
    from olga_loyalty.i18n import Translator

    if failure == "os":

        def full(path):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(backups, "_sync", full)
    else:
        real = sqlite3

        class Source:
            def __init__(self, conn):
                self.conn = conn

            def backup(self, target):
                raise real.OperationalError("database or disk is full")

            def close(self):
                self.conn.close()

        class Sqlite3:
            Error = real.Error

            def connect(self, path, **kwargs):
                conn = real.connect(path, **kwargs)
                return Source(conn) if Path(path) == db_path else conn

        monkeypatch.setattr(backups, "sqlite3", Sqlite3())
    with pytest.raises(StorageError) as error:
        backups.make_backup(db_path, datetime(2026, 11, 23, 10, 0), "manual")
    assert error.value.render(Translator("de").gettext) == (
        "Die Sicherung konnte nicht geschrieben werden: der Datenträger ist voll"
    )
    assert list(backups.backup_folder(db_path).iterdir()) == []
