"""What a restore and an open accept (SPEC §10): a backup must have the schema of its
version, be sound and be this shop's; another program's database is never changed."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from olga_loyalty.cli import main
from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import InvalidInput, Refused, StorageError
from olga_loyalty.services import safety
from olga_loyalty.services.shop import open_shop, read_setting
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import AuditEntry, Customer
from tests.conftest import POSTGRES, dump_database, fresh_database, register

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_v1.sql"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")

    def call(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


sqlite_only = pytest.mark.sqlite_only


@sqlite_only
def test_a_file_that_only_claims_a_version_is_refused_and_nothing_changes(shop, db_path, tmp_path):
    """The file from the report: a SQLite file holding only `schema_version(version=7)`.
    Before the fix it passed the check, replaced the database, and every later command
    failed with "no such table: setting"."""
    register(shop, phone="0151 1234 5678")
    fake = tmp_path / "fake.db"
    with sqlite3.connect(fake) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER)")
        conn.execute("INSERT INTO schema_version VALUES (7)")
    conn.close()
    before = dump_database(db_path)
    with pytest.raises(InvalidInput, match="not a complete Olga Loyalty backup: the table"):
        safety.restore(shop, fake)
    assert dump_database(db_path) == before
    assert safety.list_backups(shop) == []  # refused before anything was done


@sqlite_only
def test_a_backup_whose_columns_differ_is_refused(shop, db_path, tmp_path):
    good = safety.backup(shop, "manual")
    odd = tmp_path / "odd.db"
    shutil.copy(good, odd)
    with sqlite3.connect(odd) as conn:
        conn.execute("ALTER TABLE customer ADD COLUMN shoe_size INTEGER")
    conn.close()
    with pytest.raises(InvalidInput, match=r"the columns of customer differ \(shoe_size\)"):
        safety.restore(shop, odd)
    with sqlite3.connect(odd) as conn:
        conn.execute("CREATE TABLE extra (x)")
    conn.close()
    with pytest.raises(InvalidInput, match="it has a table extra"):
        safety.restore(shop, odd)


#: Found by the adversarial test after issues 13 and 14: the checks compared tables and
#: columns only, so each of these backups was restored and then ran inside the shop.
SCHEMA_EXTRAS = [
    (
        # kept an erased customer's name, phone and email: erasure updates the row
        "CREATE TRIGGER keep_names AFTER UPDATE ON customer BEGIN "
        "INSERT INTO feedback (customer_id, created_at, kind, note, staff) VALUES "
        "(old.id, old.registered_at, 'complaint', old.first_name || ' ' || old.phone, ''); END",
        "trigger keep_names is not part of that version",
    ),
    (
        # broke every registration
        "CREATE TRIGGER no_lots AFTER INSERT ON customer BEGIN DELETE FROM lot; END",
        "trigger no_lots is not part of that version",
    ),
    ("CREATE VIEW everyone AS SELECT first_name, phone FROM customer", "view everyone is not"),
    ('CREATE INDEX "customer_notes" ON customer (notes)', "index customer_notes is not"),
    (
        'DROP INDEX "customer_registered_at"; '
        'CREATE INDEX "customer_registered_at" ON customer (registered_at, notes)',
        "index customer_registered_at is defined differently",
    ),
    ('DROP INDEX "customer_registered_at"', "index customer_registered_at is missing"),
]


@sqlite_only
@pytest.mark.parametrize("sql, message", SCHEMA_EXTRAS)
def test_a_backup_with_other_triggers_views_or_indexes_is_refused(
    shop, db_path, tmp_path, sql, message
):
    register(shop, "Zoraida", "Quell", phone="0151 9876 5432", email="zq@example.com")
    good = safety.backup(shop, "manual")
    odd = tmp_path / "odd.db"
    shutil.copy(good, odd)
    with sqlite3.connect(odd) as conn:
        conn.executescript(sql)
    conn.close()
    before = dump_database(db_path)
    with pytest.raises(InvalidInput) as caught:
        safety.restore(shop, odd)
    assert message in str(caught.value)
    assert str(caught.value).startswith("odd.db ")
    assert str(caught.value).endswith("; nothing was restored.")
    assert dump_database(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')"
        ).fetchone() == (0,)
    conn.close()


@sqlite_only
def test_a_genuine_backup_of_every_version_passes_the_whole_schema_check(shop, tmp_path):
    """The v1 fixture (made with the first schema) migrated to each version on the way, and
    a backup of today's shop: each matches its version's whole schema."""
    from olga_loyalty.storage import backup as backups

    today = safety.backup(shop, "manual")
    backups.check_schema(today, migrations.LATEST, today.name)
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(FIXTURE.read_text("utf-8"))
    conn.close()
    backups.check_schema(old, 1, old.name)


def other_shop(tmp_path: Path, clock) -> Path:
    """A backup of another shop (its own shop id, customer and PIN)."""
    close_database()
    folder = tmp_path / "other"
    folder.mkdir()
    other = open_shop(str(folder / "loyalty.db"), clock)
    register(other, "Fremd", "Kundin", phone="0151 9999 9999")
    made = safety.backup(other, "manual")
    close_database()
    return made


@sqlite_only
def test_another_shops_backup_needs_its_own_confirmation(tmp_path, clock, db_path):
    mine = open_shop(str(db_path), clock)
    register(mine, phone="0151 1234 5678")
    my_id = read_setting("shop_id")
    close_database()
    theirs = other_shop(tmp_path, clock)
    shop = open_shop(str(db_path), clock)
    try:
        check = safety.check_restore(shop, theirs)
        assert (check.this_shop, check.version) == (False, migrations.LATEST)
        assert "is a backup of another shop" in str(check.warning)
        before = dump_database(db_path)
        with pytest.raises(Refused, match="is a backup of another shop.*--other-shop"):
            safety.restore(shop, theirs)
        assert dump_database(db_path) == before
        result = safety.restore(shop, theirs, other_shop=True)
        assert not result.check.this_shop
        assert [c.first_name for c in Customer.select()] == ["Fremd"]
        assert read_setting("shop_id") != my_id  # the restored shop is the other one now
        assert [
            (e.action, e.detail) for e in AuditEntry.select().where(AuditEntry.action == "restore")
        ] == [("restore", f"from {theirs.name} (another shop's backup)")]
    finally:
        close_database()


@sqlite_only
def test_a_backup_from_before_shop_ids_is_accepted_as_this_shops_with_a_warning(
    shop, db_path, tmp_path
):
    old = tmp_path / "old-v1.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(FIXTURE.read_text("utf-8"))
    conn.close()
    my_id = read_setting("shop_id")
    check = safety.check_restore(shop, old)
    assert (check.version, check.owner, check.this_shop) == (1, None, True)
    assert "made before backups carried a shop id" in str(check.warning)
    result = safety.restore(shop, old)
    assert read_setting("shop_id") == my_id  # it became this shop's, not a new shop
    assert sorted(c.first_name for c in Customer.select()) == ["Anna", "Björn", "Çiğdem"]
    assert [e.action for e in AuditEntry.select()] == ["restore"]  # after its migration
    assert result.safety_copy.name.endswith("-restore.db")


@sqlite_only
@pytest.mark.parametrize("name", ["we?ird.db", "Sicherung #2.db", "100%.db", "a?b#c%d.db"])
def test_restore_paths_with_question_marks_hashes_and_percent_signs(
    shop, db_path, tmp_path, name, monkeypatch, cli
):
    """`restore 'backups/we?ird.db'` restored `backups/we` and said "Restored we?ird.db";
    `restore 'Sicherung #2.db'` was refused and left an empty file `Sicherung `. The file is
    now read through an escaped URI."""
    register(shop, phone="0151 1234 5678")
    good = safety.backup(shop, "manual")
    close_database()
    odd = tmp_path / "odd"
    odd.mkdir()
    shutil.copy(good, odd / name)
    monkeypatch.chdir(odd)
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db_path))
    code, out, err = cli("restore", name)
    assert (code, err) == (0, "")
    assert out.startswith(f"Restored {odd / name}. The database as it was before is in ")
    assert sorted(p.name for p in odd.iterdir()) == [name]  # no stray file next to it
    code, out, err = cli("restore", str(odd / "missing?.db"))
    assert code == 2 and "does not exist" in err
    assert sorted(p.name for p in odd.iterdir()) == [name]


@sqlite_only
@pytest.mark.parametrize("folder", ["Laden #2", "we?ird", "100%"])
def test_a_shop_in_a_folder_with_question_marks_hashes_and_percent_signs_restores(
    tmp_path, clock, folder
):
    """The working copy lies in the shop's backup folder: its path, the database's and a
    page-size conversion's go into SQLite URIs escaped too (olga_loyalty.files.read_only_uri)."""
    home = tmp_path / folder
    home.mkdir()
    shop = open_shop(str(home / "loyalty.db"), clock)
    register(shop, "Anna", "Muster", phone="0151 1234 5678")
    good = safety.backup(shop, "manual")
    register(shop, "Berta", "Bauer", phone="0160 1112223")
    odd = tmp_path / "odd.db"  # another page size: converted next to the backups
    with sqlite3.connect(good) as source, sqlite3.connect(odd) as target:
        target.execute("PRAGMA page_size = 8192")
        source.backup(target)
    source.close()
    target.close()
    result = safety.restore(shop, good)
    assert result.safety_copy.parent == home / "backups"
    assert [c.last_name for c in Customer.select()] == ["Muster"]
    safety.restore(shop, odd)
    assert [c.last_name for c in Customer.select()] == ["Muster"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder, "odd.db"])
    close_database()


@sqlite_only
def test_the_command_line_warns_and_needs_other_shop(tmp_path, clock, db_path, cli, monkeypatch):
    mine = open_shop(str(db_path), clock)
    register(mine, phone="0151 1234 5678")
    close_database()
    theirs = other_shop(tmp_path, clock)
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db_path))
    before = dump_database(db_path)
    code, out, err = cli("restore", str(theirs))
    assert (code, out) == (1, "")
    assert err == (
        f"error: {theirs.name} is a backup of another shop: its customers, settings and owner "
        "PIN would replace this shop's. Nothing was restored. To restore it all the same, "
        "confirm that it is another shop's (command line: --other-shop).\n"
    )
    assert dump_database(db_path) == before
    code, out, err = cli("restore", str(theirs), "--other-shop")
    assert code == 0
    assert err.startswith(f"warning: {theirs.name} is a backup of another shop")
    code, out, _ = cli("find", "Fremd")
    assert "Fremd Kundin" in out


@sqlite_only
@pytest.mark.parametrize("command", [["find", "x"], ["daily"], ["show", "1"], []])
def test_another_programs_database_is_refused_and_left_byte_identical(tmp_path, cli, command):
    """`olga-loyalty --db other_app.db find x` added 14 tables to a foreign SQLite file and
    switched it to WAL, without a backup."""
    foreign = tmp_path / "other_app.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.close()
    before = digest(foreign)
    code, out, err = cli("--db", str(foreign), *command) if command else (None, "", "")
    if command:
        assert (code, out) == (1, "")
        assert err == (
            f"error: {foreign} belongs to another program (it holds the tables invoices); it is "
            "not an Olga Loyalty database and was left untouched.\n"
        )
    with pytest.raises(StorageError, match="belongs to another program"):
        open_shop(str(foreign), Clock())
    assert digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other_app.db"]  # no -wal, no backups


@sqlite_only
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path, cli):
    text = tmp_path / "notes.db"
    text.write_text("Einkaufsliste: Milch, Brot\n" * 100)
    before = digest(text)
    code, out, err = cli("--db", str(text), "find", "x")
    assert code == 1 and "not an Olga Loyalty database or is damaged" in err
    assert digest(text) == before


@sqlite_only
def test_an_empty_file_becomes_a_shop_only_for_a_command_that_can_start_one(tmp_path, cli):
    """Found by the adversarial test: `find x` turned a 0-byte file (and an SQLite file with
    nothing in it) into an Olga database. A command that cannot start a shop says there is
    no database and leaves the file byte for byte as it was, with nothing beside it."""
    empty = tmp_path / "empty.db"
    empty.touch()
    bare = tmp_path / "bare.db"
    sqlite3.connect(bare).close()
    for path in (empty, bare):
        before = digest(path)
        code, out, err = cli("--db", str(path), "find", "x")
        assert (code, out, err.split(";")[0]) == (1, "", f"error: no database at {path}")
        assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.db", "empty.db"]
    assert cli("--db", str(empty), "settings", "set", "currency", "EUR")[0] == 0
    assert cli("--db", str(bare), "settings", "set", "currency", "EUR")[0] == 0
    code, out, err = cli("--db", str(bare), "find", "x")  # a new shop: found nobody
    assert (code, out, err.startswith("error: ")) == (1, "", True)


def _view_only(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE VIEW answer AS SELECT 42 AS value")
    conn.close()


def _marked(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1095779912")
    conn.close()


def _versioned(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 3")
    conn.close()


def _wal_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()


FOREIGN = [
    (_view_only, "(its schema holds answer)"),
    (_marked, "(it is marked with application id 1095779912 and user version 0)"),
    (_versioned, "(it is marked with application id 0 and user version 3)"),
    (_wal_table, "(it holds the tables invoices)"),
]


@sqlite_only
@pytest.mark.parametrize(
    "make, why", FOREIGN, ids=["view", "application_id", "user_version", "wal"]
)
@pytest.mark.parametrize(
    "command",
    [["find", "x"], ["settings", "set", "currency", "EUR"], ["daily"]],
    ids=lambda argv: argv[0],
)
def test_any_schema_object_or_mark_makes_a_file_foreign(tmp_path, cli, make, why, command):
    """Before: a file holding only a view became an Olga database (8 KB → 319 KB); a file
    marked by its program with an application id or user version likewise; a foreign WAL
    database was refused but its -shm and -wal were left beside it."""
    foreign = tmp_path / "view.db"
    make(foreign)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view.db"]
    before = digest(foreign)
    code, out, err = cli("--db", str(foreign), *command)
    assert (code, out) == (1, "")
    assert err == (
        f"error: {foreign} belongs to another program {why}; it is not an Olga Loyalty "
        "database and was left untouched.\n"
    )
    assert digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view.db"]  # no -wal, -shm, backups


@pytest.mark.skipif(not POSTGRES, reason="a PostgreSQL database of another program")
def test_a_postgresql_database_of_another_program_is_refused(tmp_path, clock):
    import psycopg2

    url = fresh_database(tmp_path)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE invoices (id SERIAL PRIMARY KEY, total NUMERIC)")
    conn.close()
    with pytest.raises(StorageError, match="belongs to another program .*invoices"):
        open_shop(url, clock)
    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert cursor.fetchall() == [("invoices",)]
    conn.close()


def test_every_known_schema_matches_what_the_migrations_make(shop):
    """The schema a restore checks against is made by running the migrations (in a child
    process); the latest must be exactly the schema of a database opened today."""
    from olga_loyalty.storage.models import database
    from olga_loyalty.storage.schema import known_schema

    latest = known_schema(migrations.LATEST)
    assert set(latest) == set(database.get_tables())
    for table, columns in latest.items():
        assert columns == {c.name for c in database.get_columns(table)}, table
    staging = next(m.version for m in migrations.MIGRATIONS if m.name == "import staging")
    assert "import_stage" not in known_schema(staging - 1)
    assert known_schema(staging)["import_stage"] == {"id", "run_id", "payload"}
    assert "audit_log" not in known_schema(2) and "audit_log" in known_schema(3)


@pytest.fixture(autouse=True)
def _closed():
    yield
    close_database()


@sqlite_only
def test_a_folder_is_named_a_folder(shop, db_path, tmp_path):
    """Before: `restore /tmp/somefolder` said "The file … does not exist"."""
    folder = tmp_path / "Sicherungen"
    folder.mkdir()
    before = dump_database(db_path)
    with pytest.raises(InvalidInput) as caught:
        safety.restore(shop, folder)
    assert str(caught.value) == (
        f"{folder} is a folder, not a backup file; choose one of the .db files in it."
    )
    assert dump_database(db_path) == before
    with pytest.raises(InvalidInput, match="does not exist"):
        safety.restore(shop, tmp_path / "nothing.db")
