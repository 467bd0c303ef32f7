"""`move-to`: a shop's SQLite database copied to an empty PostgreSQL database in one go,
then checked (SPEC §10: a shop that gets a second till).

Everything is copied in one transaction, with the rows' own ids, so the target is either a
complete copy or stays empty. Then every table's row count, every customer's balance and
the ledger sums per customer are compared between the two databases.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import peewee

from olga_loyalty import logs
from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import InvalidInput, Refused, StorageError
from olga_loyalty.files import read_only_uri
from olga_loyalty.services.erasure import forget_secret
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import close_database, fetch_rows, is_sqlite, sync_sequences
from olga_loyalty.storage.models import (
    SCHEMA_V1,
    AuditEntry,
    BaseModel,
    ConsentText,
    Customer,
    ErasureJournal,
    Feedback,
    ImportOrigin,
    ImportRun,
    LedgerEntry,
    Lot,
    OutboxMail,
    Purchase,
    SchemaVersion,
    Setting,
    StagedRow,
    Suppression,
    database,
)

#: Every table but schema_version (the target has its own), parents before children. An
#: import decided but not yet written goes along and is finished on the server.
TABLES: list[type[BaseModel]] = [m for m in SCHEMA_V1 if m is not SchemaVersion] + [
    Suppression,
    AuditEntry,
    Feedback,
    OutboxMail,  # the mails sent: a moved shop must not send them again
    ImportRun,
    StagedRow,
    ErasureJournal,  # the erasure journal moves too: no one erased comes back on the server
    ImportOrigin,
]
BATCH = 5000

#: Per customer: the balance (open, unexpired lots) and the ledger's sum and entry count.
BALANCES = (
    "SELECT customer_id, SUM(remaining) FROM lot WHERE remaining > 0 AND expires_on >= ? "
    "GROUP BY customer_id"
)
LEDGER = "SELECT customer_id, SUM(points), COUNT(*) FROM ledger_entry GROUP BY customer_id"


@dataclass
class MoveReport:
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    balances_checked: int = 0
    ledger_checked: int = 0
    seconds: float = 0.0


def _columns(model: type[peewee.Model]) -> list[str]:
    return [f.column_name for f in model._meta.sorted_fields]


def check_target(target: str) -> None:
    if not target.startswith(("postgresql://", "postgres://")):
        raise InvalidInput(
            "move-to needs a PostgreSQL address like postgresql://user:password@host:5432/shop.",
            field="target",
        )


def move_to(
    source: Path,
    target: str,
    clock: Clock,
    progress: Callable[[str, int], None] | None = None,
    audit: tuple[datetime, str] | None = None,
) -> MoveReport:
    """Copy the SQLite database at `source` into the empty PostgreSQL database `target`.
    `audit` (when, detail): the move's own audit entry, written into the copy in the same
    transaction, after the check."""
    check_target(target)
    started = time.perf_counter()
    reader = sqlite3.connect(read_only_uri(source), uri=True)
    try:
        version = reader.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        if version != migrations.LATEST:
            raise Refused(
                "Open {path} once with this version of Olga Loyalty before moving it.",
                path=str(source),
            )
        close_database()
        open_shop(target, clock)
        if is_sqlite():
            raise InvalidInput("move-to copies into PostgreSQL, not into SQLite.", field="target")
        filled = {
            model._meta.table_name: count
            for model in (Customer, Purchase, Lot, LedgerEntry)
            if (count := model.select().count())
        }
        if filled:
            raise Refused(
                "The target database is not empty ({tables}); move-to only fills an empty one.",
                tables=", ".join(f"{name}: {count}" for name, count in filled.items()),
            )
        report = MoveReport(target)
        with database.atomic():
            # The migrations wrote the default consent texts; the shop's own replace them.
            ConsentText.delete().execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
            Setting.delete().execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
            for model in TABLES:
                report.rows[model._meta.table_name] = _copy(reader, model, progress)
            sync_sequences(
                *(m for m in TABLES if isinstance(m._meta.fields.get("id"), peewee.AutoField))
            )
            report.customers = report.rows["customer"]
            _verify(reader, report, clock)  # inside the transaction: a mismatch writes nothing
            if audit is not None:
                AuditEntry.create(at=audit[0], action="move-to", detail=audit[1][:500])
        forget_secret()  # the shop's own secret came with the settings
    except sqlite3.DatabaseError as exc:
        raise StorageError(
            "Cannot read the database {location}: {reason}", location=str(source), reason=str(exc)
        ) from None
    finally:
        reader.close()
    report.seconds = round(time.perf_counter() - started, 1)
    logs.action("move.move_to", rows=sum(report.rows.values()), customers=report.customers)
    return report


def _copy(reader: sqlite3.Connection, model, progress) -> int:
    from psycopg2.extras import execute_values

    table, columns = model._meta.table_name, _columns(model)
    names = ", ".join(f'"{c}"' for c in columns)
    order = "id" if "id" in columns else "rowid"
    source = reader.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}')
    cursor = database.connection().cursor()
    copied = 0
    while rows := source.fetchmany(BATCH):
        execute_values(cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=BATCH)
        copied += len(rows)
        if progress:
            progress(table, copied)
    return copied


def _verify(reader: sqlite3.Connection, report: MoveReport, clock: Clock) -> None:
    """Counts, balances and ledger sums read back from both databases must be equal."""
    for model in TABLES:
        table = model._meta.table_name
        have = reader.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        got = fetch_rows(f'SELECT COUNT(*) FROM "{table}"')[0][0]
        if have != got or have != report.rows[table]:
            _mismatch(f"{table}: {have} rows in SQLite, {got} in PostgreSQL")
    today = clock.today().isoformat()
    theirs = {cid: int(p) for cid, p in fetch_rows(BALANCES, (today,))}
    mine = {cid: int(p) for cid, p in reader.execute(BALANCES, (today,))}
    if mine != theirs:
        wrong = sorted(set(mine.items()) ^ set(theirs.items()))[:3]
        _mismatch(f"balances differ, e.g. {wrong}")
    theirs_ledger = {cid: (int(s), int(n)) for cid, s, n in fetch_rows(LEDGER)}
    mine_ledger = {cid: (int(s), int(n)) for cid, s, n in reader.execute(LEDGER)}
    if mine_ledger != theirs_ledger:
        _mismatch("the ledger sums per customer differ")
    report.balances_checked = report.customers
    report.ledger_checked = len(mine_ledger)


def _mismatch(detail: str) -> None:
    raise StorageError(
        "The copy does not match the original ({detail}); nothing was written to PostgreSQL "
        "and the SQLite database is unchanged.",
        detail=detail,
    )
