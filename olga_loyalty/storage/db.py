"""Opening the database from a path or URL, with the settings that keep records safe."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TypeVar

import peewee

from olga_loyalty import logs
from olga_loyalty.paths import redact
from olga_loyalty.domain.errors import DatabaseBusy, StorageError
from olga_loyalty.storage import queue
from olga_loyalty.storage.fields import MoneyField
from olga_loyalty.files import ensure_folder, read_only_uri
from olga_loyalty.storage.models import database

#: How long a statement waits for a lock inside SQLite (ms); and, while a write action waits
#: for the write lock at BEGIN, how long SQLite waits before `write_action` looks again.
BUSY_TIMEOUT_MS = 5000
BEGIN_WAIT_MS = 20

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": 2,  # FULL: a committed purchase survives a power cut
    "secure_delete": 1,  # erased personal data does not linger in free pages
    "cache_size": -16000,  # 16 MB page cache
    "journal_size_limit": 67108864,  # after a big import the WAL file shrinks back to 64 MB
}

#: How long a write waits for another till before the user is told (seconds).
LOCK_PATIENCE = 8.0

T = TypeVar("T")


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


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
    try:
        db.connect(reuse_if_open=True)
        if isinstance(db, peewee.SqliteDatabase):
            db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except peewee.DatabaseError as exc:
        db.close()
        raise StorageError(
            "Cannot open the database {location}: {reason}",
            location=redact(location),
            reason=_reason(exc),
        ) from None
    if not isinstance(db, peewee.SqliteDatabase):
        try:
            refuse_foreign_server_database(db)
        except StorageError:
            db.close()
            raise
    return db


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
            reason=_reason(exc),
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


def placeholders(count: int) -> str:
    """`?, ?, ?` in the driver's own style (`%s` for PostgreSQL)."""
    return ", ".join([database.param] * count)


def fetch_rows(sql: str, params=()) -> list[tuple]:
    """A plain statement on the hot paths, written once with `?` marks: no query compiled per
    call and no model built per row. Values come back as the driver gives them."""
    if database.param != "?":
        sql = sql.replace("?", database.param)
    return database.execute_sql(sql, params).fetchall()


def execute(sql: str, params=()) -> int:
    """A plain UPDATE or DELETE on a hot path (`?` marks, as `fetch_rows`): the rows it
    changed."""
    if database.param != "?":
        sql = sql.replace("?", database.param)
    return database.execute_sql(sql, params).rowcount


_INSERTS: dict[tuple, tuple[str, list[peewee.Field], dict]] = {}


def insert_row(model: type[peewee.Model], **values) -> int:
    """Insert one row on a hot path (a purchase's lots and ledger entries) and return its id:
    the statement is compiled once per table and set of columns, each value converted by its
    field as peewee would (money to cents, times to UTC); a field not given gets the model's
    default, as `Model.create` would give it."""
    key = (model, tuple(values), database.param)
    entry = _INSERTS.get(key)
    if entry is None:
        given = [model._meta.fields[name] for name in values]
        defaults = {
            field.name: field.default
            for field in model._meta.sorted_fields
            if field.name not in values
            and field.default is not None
            and not isinstance(field, peewee.AutoField)
        }
        fields = given + [model._meta.fields[name] for name in defaults]
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        sql = (
            f'INSERT INTO "{model._meta.table_name}" ({columns}) '
            f'VALUES ({placeholders(len(fields))}) RETURNING "id"'
        )
        entry = _INSERTS[key] = (sql, fields, defaults)
    sql, fields, defaults = entry
    row = [*values.values()] + [d() if callable(d) else d for d in defaults.values()]
    params = [field.db_value(value) for field, value in zip(fields, row, strict=True)]
    return database.execute_sql(sql, params).fetchall()[0][0]


def new_ids(model: type[peewee.Model], count: int) -> list[int]:
    """Ids for rows a bulk insert writes with explicit ids. SQLite: after the highest, safe
    because the write lock is held from BEGIN. PostgreSQL: drawn from the table's sequence,
    so another till inserting at the same time never gets the same id."""
    if count <= 0:
        return []
    table = model._meta.table_name
    if is_sqlite():
        start = (fetch_rows(f'SELECT MAX(id) FROM "{table}"')[0][0] or 0) + 1
        return list(range(start, start + count))
    rows = fetch_rows(
        f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) FROM generate_series(1, ?)",
        (count,),
    )
    return [int(value) for (value,) in rows]


def sync_sequences(*models: type[peewee.Model]) -> None:
    """After rows were copied with their ids: PostgreSQL's sequences continue after the
    highest id (SQLite does that by itself)."""
    if is_sqlite():
        return
    for model in models:
        table = model._meta.table_name
        fetch_rows(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
        )


def repair_sequences() -> list[str]:
    """At open on PostgreSQL: every id sequence that is behind its table's highest id (an
    interrupted `demo` or copy, rows written by another tool) is set past it, so the next
    registration does not fail on a taken id. Returns the tables that were behind."""
    if is_sqlite():
        return []
    behind = []
    for table, sequence in fetch_rows(
        "SELECT table_name, pg_get_serial_sequence(quote_ident(table_name), 'id') "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'id' AND column_default LIKE 'nextval%%' ORDER BY table_name"
    ):
        if not sequence:
            continue
        highest = fetch_rows(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')[0][0]
        last, called = fetch_rows(f"SELECT last_value, is_called FROM {sequence}")[0]
        if highest > (last if called else last - 1):
            fetch_rows("SELECT setval(?, ?, true)", (sequence, highest))
            behind.append(table)
    return behind


def real_time() -> float:
    """Seconds since the epoch on the real clock, never `OLGA_LOYALTY_NOW` (which fixes only
    the shop's business day): for the PIN lock and for noticing an abandoned import. On
    PostgreSQL the server's clock, so that every till counts the same minute."""
    if is_sqlite():
        return time.time()
    return float(fetch_rows("SELECT EXTRACT(EPOCH FROM clock_timestamp())")[0][0])


def serialise(name: str) -> None:
    """Inside a write transaction: one process at a time past this point until it commits.
    SQLite's write lock (BEGIN IMMEDIATE) already serialises every writer; PostgreSQL takes
    a transaction-level advisory lock named after the job (the daily run)."""
    if not is_sqlite():
        fetch_rows("SELECT pg_advisory_xact_lock(hashtext(?))", (f"olga-loyalty {name}",))


def close_database() -> None:
    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text or "deadlock" in text


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "cannot rollback" in text and exc.__context__ is not None:
        # SQLite rolled back by itself (a full disk, an I/O error): report why it did.
        return _reason(exc.__context__)
    if "not a database" in text or "malformed" in text:
        return "the file is not an Olga Loyalty database or is damaged"
    if "readonly" in text or "read-only" in text:
        return "the file is read-only"
    if "disk" in text and "full" in text:
        return "the disk is full"
    if "unable to open" in text:
        return "the file cannot be opened"
    return text


_actions = threading.local()


def write_action(func: Callable[..., T]) -> Callable[..., T]:
    """One business action = one transaction, retried while another till holds the lock.
    Once it is committed, the outermost action writes its line to the log (ids and amounts
    only, `olga_loyalty.logs`)."""
    name = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"

    @wraps(func)
    def run(*args, **kwargs) -> T:
        depth = getattr(_actions, "depth", 0)
        if depth == 0:
            _actions.done = []
        _actions.depth = depth + 1
        try:
            result = transaction(*args, **kwargs)
        except BaseException:
            if depth == 0:
                _actions.done = []
            raise
        finally:
            _actions.depth = depth
        if name not in logs.NOT_LOGGED and not func.__name__.startswith("_"):
            _actions.done.append((name, result))  # a step of a larger action logs nothing
        if depth == 0:
            # committed: each business action in it gets its line (a protected action's
            # check, which wraps the action, is not one itself)
            done, _actions.done = _actions.done, []
            for action, value in done:
                logs.action(action, value)
        return result

    def transaction(*args, **kwargs) -> T:
        if database.in_transaction():
            # Part of a larger action (a protected action, a purchase that adds a follow-up):
            # a savepoint; only the outermost action waits and retries, as a whole.
            with database.atomic():
                return func(*args, **kwargs)
        sqlite = is_sqlite()
        delay = 0.05
        deadline = time.monotonic() + LOCK_PATIENCE
        while True:
            began = False
            if getattr(_actions, "depth", 1) == 1:
                _actions.done = []  # a retry: what the failed attempt did was rolled back
            place = None
            try:
                if sqlite:
                    # The writers of one file line up first (storage/queue.py), so that the
                    # till that waited longest asks next.
                    place = _join_queue(deadline)
                    # Waiting for the write lock is done here, not by SQLite, whose busy
                    # handler sleeps up to 100 ms between looks: among several busy tills one
                    # could lose every race for the lock until it gave up. Looking again every
                    # few milliseconds, after a random pause, gives each till its turn.
                    database.execute_sql(f"PRAGMA busy_timeout = {BEGIN_WAIT_MS}")
                try:
                    with database.atomic():
                        began = True
                        if sqlite:
                            database.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                        result = func(*args, **kwargs)
                finally:
                    if sqlite and not began:
                        database.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            except (peewee.OperationalError, sqlite3.OperationalError) as exc:
                _drop_after_commit()
                if not _is_lock_error(exc):
                    raise StorageError(
                        "The database could not be written: {reason}", reason=_reason(exc)
                    ) from None
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        "The database is busy (another till is saving). Nothing was saved; "
                        "please try again in a moment."
                    ) from None
                if sqlite and not began:
                    time.sleep(random.uniform(0.0005, 0.004))
                else:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
            except peewee.DatabaseError as exc:
                _drop_after_commit()
                if _is_lock_error(exc):
                    raise DatabaseBusy(
                        "The database is busy (another till is saving). Nothing was saved; "
                        "please try again in a moment."
                    ) from None
                if isinstance(exc, peewee.IntegrityError):
                    raise
                raise StorageError(
                    "The database could not be written: {reason}", reason=_reason(exc)
                ) from None
            except BaseException:
                _drop_after_commit()
                raise
            else:
                _run_after_commit()
                return result
            finally:
                if place is not None:
                    place.leave()

    return run


def _join_queue(deadline: float) -> queue.Place | None:
    try:
        return queue.join(database.obj.database, max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        raise DatabaseBusy(
            "The database is busy (another till is saving). Nothing was saved; "
            "please try again in a moment."
        ) from None


_after_commit = threading.local()


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the business action's transaction has committed (an erasure's
    checkpoint, which cannot run inside a transaction); never when it is rolled back."""
    pending = getattr(_after_commit, "pending", None)
    if pending is None:
        pending = _after_commit.pending = []
    if callback not in pending:
        pending.append(callback)


def _drop_after_commit() -> None:
    if database.transaction_depth() == 0:
        _after_commit.pending = []


def _run_after_commit() -> None:
    if database.transaction_depth() > 0:
        return  # an inner action: the outer transaction commits later
    pending = getattr(_after_commit, "pending", None) or []
    _after_commit.pending = []
    for callback in pending:
        callback()


_PLAIN = (str, int, type(None))


def bulk_insert(model: type[peewee.Model], rows: list[dict], *, batch: int = 2000) -> None:
    """Insert many rows with the driver's executemany: one statement compiled once, each
    value converted by its field as peewee would (money to cents, times to UTC), for imports
    of a whole customer list. Runs inside the caller's transaction."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    db = database.obj
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    marks = placeholders(len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    pairs = list(zip(names, fields, strict=True))

    def column(name: str, field: peewee.Field, chunk: list[dict]) -> list:
        """One column of a batch, converted as field.db_value would (each distinct value once:
        the same time or date is in every row); text and whole numbers are passed as they are
        except to a money column."""
        values = [row[name] for row in chunk]
        if not isinstance(field, MoneyField) and all(type(v) in _PLAIN for v in values):
            return values
        converted: dict = {}
        return [
            None
            if v is None
            else converted[v]
            if v in converted
            else converted.setdefault(v, field.db_value(v))
            for v in values
        ]

    cursor = db.cursor()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        columns_of_chunk = [column(name, field, chunk) for name, field in pairs]
        cursor.executemany(sql, zip(*columns_of_chunk, strict=True))
