"""Opening the database from a path or URL, with the settings that keep records safe, and
refusing a file or server database that belongs to another program.

The public face of the storage's plumbing: plain SQL (`storage.sql`) and write actions
(`storage.transactions`) are importable from here too."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from pathlib import Path

import peewee

from olga_loyalty.domain.errors import StorageError
from olga_loyalty.files import ensure_folder, read_only_uri
from olga_loyalty.paths import redact
from olga_loyalty.storage.models import database
from olga_loyalty.storage.sql import (
    bulk_insert,
    bulk_insert_columns,
    execute,
    failure_reason,
    fetch_rows,
    insert_row,
    is_lock_error,
    is_sqlite,
    new_ids,
    placeholders,
    real_time,
    repair_sequences,
    serialise,
    sync_sequences,
)
from olga_loyalty.storage.transactions import (
    BEGIN_WAIT_MS,
    BUSY_TIMEOUT_MS,
    LOCK_PATIENCE,
    after_commit,
    write_action,
)

__all__ = [
    "BEGIN_WAIT_MS",
    "BUSY_TIMEOUT_MS",
    "LOCK_PATIENCE",
    "SQLITE_PRAGMAS",
    "after_commit",
    "bulk_insert",
    "bulk_insert_columns",
    "close_database",
    "database",
    "execute",
    "fetch_rows",
    "insert_row",
    "is_sqlite",
    "new_ids",
    "open_database",
    "placeholders",
    "real_time",
    "redact",
    "refuse_foreign_file",
    "refuse_foreign_server_database",
    "repair_sequences",
    "serialise",
    "sync_sequences",
    "write_action",
]

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": 2,  # FULL: a committed purchase survives a power cut
    "secure_delete": 1,  # erased personal data does not linger in free pages
    "cache_size": -16000,  # 16 MB page cache
    "journal_size_limit": 67108864,  # after a big import the WAL file shrinks back to 64 MB
}


def open_database(location: str, *, create_folder: bool | None = None) -> peewee.Database:
    """Open (and bind the models to) the database at a path or URL."""
    if "://" in location and not location.startswith("sqlite"):
        from playhouse.db_url import connect as connect_url  # only for a server URL

        scheme, rest = location.split("://", 1)
        url = location
        if scheme in ("postgres", "postgresql"):
            # A pool: the UI's workers each take a connection for one action and give it
            # back, instead of connecting to the server again for every key typed. Messages
            # show `location`, the URL as the user typed it (password redacted).
            url = f"{scheme}+pool://{rest}"
        try:
            db = connect_url(url)
        except Exception as exc:  # unknown scheme, missing driver
            raise StorageError(
                "Cannot open the database {location}: {reason}",
                location=redact(location),
                reason=str(exc),
            ) from None
    else:
        path = Path(
            location[len("sqlite:///") :] if location.startswith("sqlite:///") else location
        )
        db = _open_sqlite(path, create_folder)
    database.initialize(db)
    _connect(db, location)
    if not isinstance(db, peewee.SqliteDatabase):
        try:
            refuse_foreign_server_database(db)
        except StorageError:
            db.close()
            raise
    return db


def _connect(db: peewee.Database, location: str) -> None:
    """Connect, and on SQLite read the schema once. A lock met on the way is waited out for
    up to LOCK_PATIENCE: some are answered "busy" at once rather than after SQLite's own
    wait (two tills switching a new shop's file to WAL at the same moment; a reader while
    another till rebuilds the log's index), and then only a till that waits long opens."""
    deadline = time.monotonic() + LOCK_PATIENCE
    while True:
        try:
            db.connect(reuse_if_open=True)
            if isinstance(db, peewee.SqliteDatabase):
                db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
            return
        except peewee.DatabaseError as exc:
            db.close()
            if is_lock_error(exc) and time.monotonic() < deadline:
                time.sleep(random.uniform(0.01, 0.05))
                continue
            raise StorageError(
                "Cannot open the database {location}: {reason}",
                location=redact(location),
                reason=failure_reason(exc),
            ) from None


def _open_sqlite(path: Path, create_folder: bool | None) -> peewee.SqliteDatabase:
    folder = path.parent
    if not folder.is_dir():
        if create_folder:
            ensure_folder(folder)
        else:
            raise StorageError(
                "The folder {folder} for the database does not exist.", folder=str(folder)
            )
    if path.exists() and not path.is_file():
        raise StorageError("{path} is not a database file.", path=str(path))
    is_new = not path.exists()
    if not is_new:
        refuse_foreign_file(path)
    db = peewee.SqliteDatabase(
        str(path),
        pragmas=SQLITE_PRAGMAS,
        timeout=LOCK_PATIENCE,
        lock_type="IMMEDIATE",  # take the write lock at BEGIN: no deadlocks between tills
        check_same_thread=False,
    )
    if is_new:
        try:
            path.touch(mode=0o600)
            os.chmod(path, 0o600)
        except OSError as exc:
            raise StorageError(
                "Cannot create the database file {path}: {reason}",
                path=str(path),
                reason=exc.strerror or str(exc),
            ) from None
    return db


#: What SQLite keeps for itself in any database; not a sign of another program's data.
_SQLITE_OWN = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat4")


def refuse_foreign_file(path: Path) -> bool:
    """Refuse, before anything is written (no pragma, no table, no WAL switch, no -wal or -shm
    file beside it), a file that holds another program's data or is not a database at all.
    True for an Olga Loyalty database (it has `schema_version`); False for an empty file or
    an SQLite database with nothing in it (no schema object, no application id, no user
    version), which a command that can start a shop may make one.

    Anything else in the schema — a table, view, trigger or index of its own — or an
    application id or user version set marks another program's file. It is read with
    `immutable=1` (SQLite then makes no -shm or -wal file for a WAL database), unless a -wal
    file is already there: then a program has it open now (another till on a new shop whose
    schema is still in the WAL) and it is read as usual."""
    if path.stat().st_size == 0:
        return False
    uri = read_only_uri(path)
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            objects = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(
            "Cannot open the database {location}: {reason}",
            location=str(path),
            reason=failure_reason(exc),
        ) from None
    tables = {name for kind, name in objects if kind == "table"} - set(_SQLITE_OWN)
    if "schema_version" in tables:
        return True
    if tables:
        raise StorageError(
            "{path} belongs to another program (it holds the tables {tables}); it is not an "
            "Olga Loyalty database and was left untouched.",
            path=str(path),
            tables=_some(sorted(tables)),
        )
    others = sorted(
        name
        for kind, name in objects
        if kind != "table" and not name.startswith("sqlite_autoindex_")
    )
    if others:
        raise StorageError(
            "{path} belongs to another program (its schema holds {names}); it is not an "
            "Olga Loyalty database and was left untouched.",
            path=str(path),
            names=_some(others),
        )
    if application_id or user_version:
        raise StorageError(
            "{path} belongs to another program (it is marked with application id {app} and "
            "user version {version}); it is not an Olga Loyalty database and was left "
            "untouched.",
            path=str(path),
            app=application_id,
            version=user_version,
        )
    return False


def _some(names: list[str]) -> str:
    return ", ".join(n[:40] for n in names[:5]) + (", …" if len(names) > 5 else "")


def refuse_foreign_server_database(db: peewee.Database) -> None:
    """The same for a PostgreSQL database: tables of its own but no `schema_version`."""
    tables = set(db.get_tables())
    if tables and "schema_version" not in tables:
        raise StorageError(
            "This PostgreSQL database belongs to another program (it holds the tables "
            "{tables}); it is not an Olga Loyalty database and was left untouched.",
            tables=", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else ""),
        )


def close_database() -> None:
    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()
