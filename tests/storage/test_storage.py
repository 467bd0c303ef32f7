import os
import stat

import peewee
import pytest

from olga_loyalty.domain.errors import StorageError
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import db as storage_db
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import ConsentText, SchemaVersion, database


def pragma(name):
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


@pytest.mark.sqlite_only
def test_sqlite_is_opened_safely(shop, db_path):
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 2  # FULL
    assert pragma("busy_timeout") == 5000
    assert pragma("secure_delete") == 1
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_first_migration_creates_the_schema_and_consent_texts(shop):
    assert migrations.current_version() == migrations.LATEST == 12
    assert [(v.version, v.name) for v in SchemaVersion.select()] == [
        (1, "create schema"),
        (2, "suppression list"),
        (3, "audit log"),
        (4, "search order indexes"),
        (5, "covering indexes for spend and open points"),
        (6, "search keys in byte order on PostgreSQL"),
        (7, "feedback and follow-ups"),
        (8, "outbox of reminder mails"),
        (9, "shop id"),
        (10, "import staging"),
        (11, "shop secret, erasure journal, import origins"),
        (12, "search keys folded again (ı, ø, ł, đ), phone in byte order"),
    ]
    assert sorted(t.purpose for t in ConsentText.select()) == ["data_processing", "email", "sms"]
    assert migrations.migrate(shop.clock) == []  # nothing pending: the runner is idempotent


def test_a_newer_database_is_refused(shop, db_path, clock):
    SchemaVersion.create(version=99, name="future", applied_at=clock.now())
    close_database()
    with pytest.raises(StorageError, match="written by a newer version of Olga Loyalty"):
        open_shop(str(db_path), clock)


@pytest.mark.sqlite_only
def test_sqlite_url_and_plain_path_open_the_same_file(tmp_path, clock):
    open_shop(f"sqlite:///{tmp_path / 'u.db'}", clock)
    close_database()
    assert (tmp_path / "u.db").exists()


def test_a_lock_answered_at_once_while_opening_is_waited_out(tmp_path, monkeypatch):
    """Some locks are answered "busy" at once, not after SQLite's own wait (two tills
    switching a new shop's file to WAL at the same moment): opening waits them out instead
    of refusing the till ("another program is using the database"); one that lasts longer
    than LOCK_PATIENCE is still refused in words."""
    connect = peewee.SqliteDatabase.connect
    answers = ["busy", "busy"]

    def busy_at_first(self, *args, **kwargs):
        if answers:
            answers.pop()
            raise peewee.OperationalError("database is locked")
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(peewee.SqliteDatabase, "connect", busy_at_first)
    opened = storage_db.open_database(str(tmp_path / "new.db"), create_folder=True)
    assert answers == [] and opened.execute_sql("SELECT 1").fetchone() == (1,)
    opened.close()

    answers.extend(["busy"] * 10_000)
    monkeypatch.setattr(storage_db, "LOCK_PATIENCE", 0.2)
    with pytest.raises(StorageError, match="another program is using the database"):
        storage_db.open_database(str(tmp_path / "new.db"))
