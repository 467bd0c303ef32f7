"""One connection's settings while it writes a decided bulk job batch by batch (an import,
services/imports): commits that do not wait for the disk, and on SQLite the log folded into
the database file seldom, then once at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import DatabaseError

from olga_loyalty.storage.db import SQLITE_PRAGMAS
from olga_loyalty.storage.models import database
from olga_loyalty.storage.sql import is_sqlite


@contextmanager
def relaxed_commits(wal_pages: int) -> Iterator[bool]:
    """Yields whether the batches may commit without waiting for the disk (not when the job
    runs inside a transaction, where a PRAGMA cannot change). On SQLite the connection is
    set to synchronous NORMAL and folds the log (WAL) into the file every `wal_pages` pages
    instead of at every commit: each batch writes more than the 1,000 pages after which
    SQLite does it by default, and an import's random keys touch the same index pages batch
    after batch (folded once, not once a batch). Afterwards its settings are set back and
    the log is folded in by this connection (PASSIVE: no till waits for it), not by the next
    till's commit."""
    relaxed = not database.in_transaction()
    if not (relaxed and is_sqlite()):
        yield relaxed
        return
    database.execute_sql("PRAGMA synchronous = NORMAL")
    before = int(database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0])
    database.execute_sql(f"PRAGMA wal_autocheckpoint = {wal_pages}")
    try:
        yield True
    finally:
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        try:
            database.execute_sql(f"PRAGMA wal_autocheckpoint = {before}")
            database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except DatabaseError:
            pass  # a till holds the checkpoint (or the disk failed): its next commit does it
