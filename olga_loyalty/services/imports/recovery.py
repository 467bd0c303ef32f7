"""What a crash leaves of an import, finished or dropped (docs/reliability.md, "Imports"):
a decided run whose writer is gone is written to its end, a run never decided is dropped,
and a customer list is checked only after that (`check`). A decided run whose writer is
still at work — it holds its run's lock (storage/writer_lock.py) — is left to it.

The runs are written by the package's own machinery (`imports._publish` and its clock
`imports.real_time`), looked up when called."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from olga_loyalty import logs
from olga_loyalty.domain.errors import Count, DatabaseBusy, Plural, Refused
from olga_loyalty.services.imports.checking import ImportReport, check_file
from olga_loyalty.services.imports.counts import Completed, Counts
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import writer_lock
from olga_loyalty.storage.db import LOCK_PATIENCE, is_sqlite, write_action
from olga_loyalty.storage.models import ImportRun, StagedRow

#: A run still staging whose last batch is older than this was abandoned (a crash).
STALE_SECONDS = 600
#: A decided run is finished by another process only when its writer is gone: its lock is
#: free. Where there is no such lock (SQLite on Windows), when its last batch is older than
#: this (seconds): each batch takes well under one.
READY_STALE_SECONDS = 60
#: Staged rows dropped per transaction.
DROP_BATCH = 5000


class ImportInterrupted(Refused):
    """Ctrl+C (SIGINT, or SIGTERM on the command line) after an import was decided, with
    rows left: the rows written stay, and the rest is written by the next import, its
    check, the daily run or the program's start."""


def is_decided(run_id: int) -> bool:
    """Whether this run was decided (the protected transaction committed) and is not done."""
    return (
        ImportRun.select().where((ImportRun.id == run_id) & (ImportRun.state == "ready")).exists()
    )


def rows_left(run_id: int) -> int:
    """A decided run's rows not yet written."""
    return StagedRow.select().where(StagedRow.run == run_id).count()


def interrupted_after_the_decision(run_id: int, rest: int) -> ImportInterrupted:
    """What an interrupt after the decision says: how many rows are still to be written,
    and who writes them."""
    return ImportInterrupted(
        Plural(
            "Interrupted after the import was decided: {count} row is still to be written. "
            "The next import, daily run or start of Olga Loyalty writes it.",
            "Interrupted after the import was decided: {count} rows are still to be written. "
            "The next import, daily run or start of Olga Loyalty writes them.",
            rest,
        ),
        count=Count(rest),
    )


def drop_run(run_id: int) -> None:
    """An import that was never decided: its staged rows go, in batches. A run decided
    meanwhile (an interrupt between the decision's commit and its first batch) is kept: it
    is audited as done, and the next import, daily run or start writes it."""
    while _drop_batch(run_id):
        pass


@write_action
def _drop_batch(run_id: int) -> bool:
    run = lock_run(run_id)
    if run is None or run.state != "staging":
        return False
    ids = [
        staged.id
        for staged in StagedRow.select(StagedRow.id)
        .where(StagedRow.run == run_id)
        .limit(DROP_BATCH)
    ]
    if ids:
        StagedRow.delete().where(StagedRow.id.in_(ids)).execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
        return True
    ImportRun.delete().where(ImportRun.id == run_id).execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
    return False


def lock_run(run_id: int) -> ImportRun | None:
    """A run, locked for the rest of the transaction on PostgreSQL (SQLite: the write lock)."""
    query = ImportRun.select().where(ImportRun.id == run_id)
    if not is_sqlite():
        query = query.for_update()  # two tills finishing one run take turns, batch by batch
    run: ImportRun | None = query.first()
    return run


def finish_interrupted(shop: Shop) -> list[Completed]:
    """Finish the imports a crash left decided but not yet written, and drop the staged
    rows of imports that were never decided. Run before an import's check (`check`), before
    every import and by the daily run (so at every start of the UI). A decided import whose
    writer is still at work is left to it; one whose writer is gone is finished at once.
    Returns what was finished."""
    from olga_loyalty.services import imports  # the writing machinery: this package's face

    stale = imports.real_time() - STALE_SECONDS
    for run in ImportRun.select(ImportRun.id).where(
        (ImportRun.state == "staging") & (ImportRun.heartbeat < stale)
    ):
        drop_run(run.id)
    completed = []
    ready = [run.id for run in ImportRun.select(ImportRun.id).where(ImportRun.state == "ready")]
    for run_id in sorted(ready):
        hold = writer_lock.take(run_id)
        if hold is None:
            continue  # its importer is writing it
        with hold:
            done = _finish_run(shop, run_id, writer_gone=hold.exclusive)
        if done is not None:
            completed.append(done)
    if completed:
        logs.action(
            "imports.finish_interrupted",
            imports=len(completed),
            written=sum(c.written for c in completed),
        )
    return completed


def hold_run(run_id: int) -> writer_lock.Hold:
    """The lock of a new run, held by its importer from before the decision to its last
    batch: a till that finds the run decided meanwhile leaves it to that importer. (A
    moment's wait: the run before with this number may just be letting go of its lock.)"""
    hold = writer_lock.take(run_id, wait=LOCK_PATIENCE)
    if hold is None:
        raise DatabaseBusy(
            "The database is busy (another till is saving). Nothing was saved; "
            "please try again in a moment."
        )
    return hold


def _finish_run(shop: Shop, run_id: int, *, writer_gone: bool) -> Completed | None:
    """Write the rest of a decided run whose lock this process holds; what it wrote, or None
    when there was nothing to write. Not `writer_gone` (there is no lock here): only a run
    without a batch for READY_STALE_SECONDS, which its writer would have written."""
    from olga_loyalty.services import imports

    run = ImportRun.get_or_none(ImportRun.id == run_id)
    if run is None or run.state != "ready":
        return None  # finished meanwhile
    if not writer_gone and run.heartbeat > imports.real_time() - READY_STALE_SECONDS:
        return None
    before: Counts = json.loads(run.counts or "{}")
    rows = StagedRow.select().where(StagedRow.run == run_id).count()
    counts = imports._publish(shop, run_id)
    if not rows or not counts.get("done"):
        return None  # nothing was left, or another process ended it (no lock here)
    if run.kind == "customers":
        imported = counts.get("imported", 0)
        return Completed(run.kind, run.file, imported - before.get("imported", 0), imported)
    return Completed(run.kind, run.file, rows)


def check(
    shop: Shop,
    path: Path,
    overrides: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    consented_on: str | date | None = None,
) -> ImportReport:
    """Check a customer list as its import will find the shop (the command line's check and
    dry run, the import screen's check): `check_file`, after the imports a crash left decided
    are finished (`finish_interrupted`). Their rows would otherwise pass the check as new and
    then be refused as registered at another till meanwhile. The file is checked first, so
    that bad input writes nothing, and again when an interrupted import was finished; the
    report lists what was finished (`completed`)."""
    report = check_file(shop, path, overrides, progress, consented_on=consented_on)
    completed = finish_interrupted(shop)
    if completed:
        report = check_file(shop, path, overrides, progress, consented_on=consented_on)
        report.completed.extend(completed)
    return report
