"""Plain SQL on the hot paths, written once with `?` marks for SQLite and PostgreSQL alike:
rows read and written without a query compiled or a model built per call, ids drawn for bulk
inserts, the sequences PostgreSQL keeps, and what a driver's error means in words."""

from __future__ import annotations

import time

import peewee

from olga_loyalty.i18n import N_
from olga_loyalty.storage.fields import MoneyField
from olga_loyalty.storage.models import database


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


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


_PLAIN = (str, int, type(None))


def bulk_insert(model: type[peewee.Model], rows: list[dict], *, batch: int = 2000) -> None:
    """Insert many rows with the driver's executemany: one statement compiled once, each
    value converted by its field as peewee would (money to cents, times to UTC), for imports
    of a whole customer list. Runs inside the caller's transaction."""
    if rows:
        bulk_insert_columns(
            model, {name: [row[name] for row in rows] for name in rows[0]}, batch=batch
        )


def bulk_insert_columns(
    model: type[peewee.Model], columns: dict[str, list], *, batch: int = 2000
) -> None:
    """`bulk_insert` for rows given column by column (each list one field's values, all of
    the same length): no dict built per row."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    fields = [model._meta.fields[name] for name in names]
    db = database.obj
    marks = placeholders(len(fields))
    names_sql = ", ".join(f'"{field.column_name}"' for field in fields)
    sql = f'INSERT INTO "{model._meta.table_name}" ({names_sql}) VALUES ({marks})'

    def convert(field: peewee.Field, values: list) -> list:
        """One column, converted as field.db_value would (each distinct value once: the same
        time or date is in every row); text and whole numbers are passed as they are except
        to a money column."""
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

    converted = [convert(field, columns[name]) for name, field in zip(names, fields, strict=True)]
    cursor = db.cursor()
    total = len(converted[0])
    for start in range(0, total, batch):
        cursor.executemany(
            sql, zip(*(values[start : start + batch] for values in converted), strict=True)
        )


def is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text or "deadlock" in text


#: What psycopg2 (libpq) says when the server cannot be reached or went away.
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "could not translate host name",
    "server closed the connection",
    "connection already closed",
    "no route to host",
    "timeout expired",
    "terminating connection",
    "connection to server",
)


def is_unreachable(exc: BaseException) -> bool:
    """Whether a driver's error says the database server cannot be reached (or went away
    in the middle): the shop's network or server, not the action."""
    text = str(exc).lower()
    return any(sign in text for sign in _UNREACHABLE)


def failure_reason(exc: BaseException) -> str:
    """What a driver's error means, in words a shop owner can act on."""
    text = str(exc)
    if "cannot rollback" in text and exc.__context__ is not None:
        # SQLite rolled back by itself (a full disk, an I/O error): report why it did.
        return failure_reason(exc.__context__)
    # Each reason is a sentence of the catalogue: the message it ends is translated with
    # it (a German message ended in the driver's English "database is locked").
    if is_unreachable(exc):
        return N_("the database server does not answer (is it running, and the network up?)")
    if "not a database" in text or "malformed" in text:
        return N_("the file is not an Olga Loyalty database or is damaged")
    if "readonly" in text or "read-only" in text:
        return N_("the file is read-only")
    if "disk" in text and "full" in text:
        return N_("the disk is full")
    if "unable to open" in text:
        return N_("the file cannot be opened")
    if "database is locked" in text or "database is busy" in text:
        return N_("another program is using the database; please try again in a moment")
    return text
