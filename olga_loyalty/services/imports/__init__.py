"""Importing a shop's existing customer list, and unsubscribe lists from mailing tools.

Customers: the columns are mapped from the header (German and English names,
domain/import_mapping.py), a dry run reports every row it would refuse with its row number
and the reason (checking.py), and the import writes all good rows or nothing: staged out of
sight, decided in one transaction with the owner-PIN check and the audit entry, then written
in short batches so that the other tills keep working (this module; the rows themselves:
customer_rows.py, unsubscribes.py). `run` is the one way in for the command line and the
import screen: PIN, backup, import, audit.

This module is the package's public face: everything the command line, the UI and the
tests use is importable from `olga_loyalty.services.imports`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from peewee import IntegrityError

from olga_loyalty import logs
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, Refused
from olga_loyalty.domain.import_mapping import (
    FALSE_WORDS,
    FIELDS,
    HEADER_WORDS,
    TRUE_WORDS,
    apply_overrides,
    guess_mapping,
    split_name,
)
from olga_loyalty.services import safety
from olga_loyalty.services.imports.checking import (
    SEPARATOR_NAMES,
    ImportReport,
    ImportRow,
    NoProofOfConsent,
    check_file,
    file_label,
    paper_consent_day,
)
from olga_loyalty.services.imports.counts import Completed, Counts, Payload
from olga_loyalty.services.imports.customer_rows import IMPORT_REASON, payload, write_customers
from olga_loyalty.services.imports.recovery import (
    STALE_SECONDS,
    ImportInterrupted,
    check,
    drop_run,
    finish_interrupted,
    hold_run,
    interrupted_after_the_decision,
    is_decided,
    lock_run,
    rows_left,
)
from olga_loyalty.services.imports.unsubscribes import (
    UnsubscribeReport,
    is_suppressed,
    read_contacts,
    share_of,
    write_unsubscribes,
)
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import queue, writer_lock
from olga_loyalty.storage.bulk import relaxed_commits
from olga_loyalty.storage.db import (
    SQLITE_PRAGMAS,
    bulk_insert,
    execute,
    fetch_rows,
    is_sqlite,
    real_time,
    write_action,
)
from olga_loyalty.storage.models import ImportRun, StagedRow, database

__all__ = [
    "FALSE_WORDS",
    "FIELDS",
    "HEADER_WORDS",
    "IMPORT_REASON",
    "SEPARATOR_NAMES",
    "TRUE_WORDS",
    "Completed",
    "ImportInterrupted",
    "ImportReport",
    "ImportResult",
    "ImportRow",
    "NoProofOfConsent",
    "STALE_SECONDS",
    "UnsubscribeReport",
    "apply_overrides",
    "check",
    "check_file",
    "file_label",
    "finish_interrupted",
    "guess_mapping",
    "import_rows",
    "import_unsubscribes",
    "is_suppressed",
    "paper_consent_day",
    "read_contacts",
    "run",
    "split_name",
]

T = TypeVar("T")

# -- writing: staged out of sight, decided at once, then moved in short batches ---------------

#: Rows staged per transaction, and rows written into the shop per transaction: each batch
#: holds the write lock for well under a second (docs/reliability.md has the figures).
STAGE_BATCH = 5000
#: Rows written into the shop per transaction: the first batch, then as many as take about
#: BATCH_SECONDS at the pace of the one before, between MIN_BATCH and PUBLISH_BATCH.
FIRST_BATCH = 500
PUBLISH_BATCH = 2000
MIN_BATCH = 100
BATCH_SECONDS = 0.1
#: On SQLite, the pause after each batch in which a till waiting for the lock gets it. The
#: tills line up for the lock (storage/queue.py): the first in line is woken when a batch
#: commits and only needs a moment to take its turn. Without the queue (Windows) a till's
#: busy handler looks again at least every 100 ms. PostgreSQL locks rows, not the file.
QUEUE_PAUSE = 0.003
BATCH_PAUSE = 0.12
#: On SQLite, the log pages after which a decided import's batches fold the log into the
#: database file (SQLite's default: 1,000 pages = 4 MB). 16,384 pages = 64 MB, the size the
#: log file is cut back to afterwards (SQLITE_PRAGMAS journal_size_limit).
IMPORT_WAL_PAGES = 16384
#: On SQLite, how long and how many rows a decided import's transaction may go on, batch
#: after batch, while no till is lined up for the write lock (`_may_go_on`).
LONG_BATCH_SECONDS = 2.0
LONG_BATCH_ROWS = 25_000


def _pause() -> None:
    if is_sqlite():
        lined_up = queue.available(database.obj.database)
        time.sleep(min(QUEUE_PAUSE, BATCH_PAUSE) if lined_up else BATCH_PAUSE)


@write_action
def _new_run(shop: Shop, kind: str, file: str, staff: str) -> int:
    return ImportRun.create(
        kind=kind,
        file=file[:200],
        staff=staff,
        created_at=shop.now(),
        heartbeat=real_time(),
        state="staging",
        counts="{}",
    ).id


@write_action
def _stage(run_id: int, payloads: list[str]) -> None:
    bulk_insert(StagedRow, [{"run": run_id, "payload": p} for p in payloads])
    ImportRun.update(heartbeat=real_time()).where(ImportRun.id == run_id).execute()


def _decide(run_id: int) -> int:
    """The moment the import is decided (inside the protected transaction with the PIN check
    and the audit entry): from here on every staged row will be written, even after a crash."""
    changed = (
        ImportRun.update(state="ready", heartbeat=real_time())
        .where((ImportRun.id == run_id) & (ImportRun.state == "staging"))
        .execute()
    )
    if changed != 1:
        raise Refused("The import was interrupted; nothing was imported. Please start it again.")
    return run_id


@write_action
def _publish_batch(
    shop: Shop, run_id: int, rows: int = PUBLISH_BATCH, durable: bool = True
) -> tuple[Counts | None, int]:
    """Write the next batch (`rows` staged rows) of a decided run into the shop, and more
    batches of that size in the same transaction while nobody waits for the write lock
    (`_may_go_on`). Returns the run's counts (None when it is done) and the rows written.
    Not `durable`: committed without waiting for the disk (see `_publish`)."""
    if not durable and not is_sqlite():
        database.execute_sql("SET LOCAL synchronous_commit TO OFF")
    run = lock_run(run_id)
    if run is None or run.state != "ready":
        return None, 0
    counts: Counts = json.loads(run.counts or "{}")
    began, written = time.perf_counter(), 0
    while True:
        # plain SQL: no statement with hundreds of parameters compiled per batch
        staged = fetch_rows(
            "SELECT id, payload FROM import_stage WHERE run_id = ? ORDER BY id LIMIT ?",
            (run_id, rows),
        )
        if not staged:
            if written:
                break  # the run ends in a transaction of its own, waiting for the disk
            ImportRun.delete().where(ImportRun.id == run_id).execute()  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
            counts["done"] = True
            return counts, 0
        payloads: list[Payload] = [json.loads(payload) for _, payload in staged]
        if run.kind == "customers":
            write_customers(shop, run, payloads, counts)
        else:
            write_unsubscribes(shop, run, payloads, counts)
        # the rows just written: this run's first ones, up to the last id read
        execute("DELETE FROM import_stage WHERE run_id = ? AND id <= ?", (run_id, staged[-1][0]))
        written += len(staged)
        if durable or not _may_go_on(began, written):
            break
    execute(  # the heartbeat: this run's writer is alive (storage/writer_lock.py)
        "UPDATE import_run SET counts = ?, heartbeat = ? WHERE id = ?",
        (json.dumps(counts), real_time(), run_id),
    )
    return counts, written


def _may_go_on(began: float, written: int) -> bool:
    """SQLite: whether an import's transaction takes its next batch too: while no till is
    lined up for the write lock (storage/queue.py says so), up to LONG_BATCH_SECONDS and
    LONG_BATCH_ROWS. A till that lines up meanwhile waits for the batch being written, as
    long as it waits without this (one batch, ~0.1 s). Fewer, longer transactions write the
    index pages the rows share once, not once a batch. Without a queue (Windows, PostgreSQL,
    where tills do not wait for the import's rows) every batch is its own transaction."""
    if written >= LONG_BATCH_ROWS or time.perf_counter() - began >= LONG_BATCH_SECONDS:
        return False
    return is_sqlite() and queue.someone_waiting(database.obj.database) is False


def _publish(shop: Shop, run_id: int, progress: Callable[[int, int], None] | None = None) -> Counts:
    """Every batch of a decided run, with a pause between batches for the other tills.

    The batches commit without waiting for the disk (SQLite: synchronous NORMAL in WAL mode;
    PostgreSQL: synchronous_commit off), the last one (which ends the run) with it, as every
    other write does; its wait makes the batches before it durable too (a log is written in
    order). A power cut in between loses the last batches whole, with their staged rows'
    deletion: the run is still decided, and the next import or daily run writes them. This
    saves one wait for the disk per batch (hundreds in a big import)."""
    total = StagedRow.select().where(StagedRow.run == run_id).count()
    with relaxed_commits(IMPORT_WAL_PAGES) as relaxed:
        return _publish_batches(shop, run_id, total, relaxed, progress)


def _publish_batches(
    shop: Shop,
    run_id: int,
    total: int,
    relaxed: bool,
    progress: Callable[[int, int], None] | None,
) -> Counts:
    done, tries = 0, 0
    rows = min(PUBLISH_BATCH, FIRST_BATCH)
    while True:
        started = time.perf_counter()
        if relaxed and done >= total and is_sqlite():
            # the last batch, which ends the run, waits for the disk as every other write
            database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        try:
            counts, written = _publish_batch(shop, run_id, rows, not relaxed or done >= total)
        except IntegrityError:
            # Another till registered one of these phones between the check and the write
            # (PostgreSQL): the batch is read again and that row is left out.
            tries += 1
            if tries > 3:
                raise
            continue
        if counts is None or counts.get("done"):
            return counts or {}
        done = min(done + written, total)
        # The next batch as long as BATCH_SECONDS allows at this one's pace (a busy or slow
        # machine writes smaller batches, so a waiting till never waits long).
        took = max(time.perf_counter() - started, 1e-3) * rows / max(written, 1)
        rows = min(PUBLISH_BATCH, max(MIN_BATCH, int(rows * BATCH_SECONDS / took)))
        if progress:
            progress(done, total)
        _pause()


def _run_import(
    shop: Shop,
    kind: str,
    file: str,
    rows: Sequence[T],
    encode: Callable[[T], str],
    *,
    pin: str | safety.Pin | None,
    staff: str,
    detail: str,
    progress: Callable[[int, int], None] | None,
    completed: list[Completed],
) -> Counts:
    """Stage, decide (the protected transaction), write. A failure before the decision
    leaves nothing; after it, the rest is written by the next import or daily run. Each
    row is encoded (`encode`, its staged JSON) while the backup is copied."""
    staff = " ".join((staff or "").split())[:80]
    pin = safety.authorise(shop, "import", pin, by=staff)  # before any work: a wrong PIN counts
    completed.extend(finish_interrupted(shop))
    # The backup is copied while the rows are staged (out of sight, so not in it), and is
    # done before the import is decided.
    backup_done = safety.backup_meanwhile(shop, "import", staff=staff)
    run_id = None
    hold: writer_lock.Hold | None = None
    try:
        run_id = _new_run(shop, kind, file, staff)
        hold = hold_run(run_id)  # to the last batch: the other tills leave the run to us
        for start in range(0, len(rows), STAGE_BATCH):
            _stage(run_id, [encode(row) for row in rows[start : start + STAGE_BATCH]])
            if progress:
                progress(min(start + STAGE_BATCH, len(rows)), 2 * len(rows))
            _pause()
        backup_done()
        safety.run_protected(shop, "import", pin, _decide, run_id, by=staff, detail=detail)
    except BaseException as error:
        try:
            backup_done()  # never leave the copy half-written behind
        except BaseException:
            pass
        try:
            if run_id is not None:
                drop_run(run_id)
        except LoyaltyError:
            pass  # the database cannot be written now; a later import drops the rows
        finally:
            if hold is not None:
                hold.release()
        if isinstance(error, KeyboardInterrupt) and run_id is not None and is_decided(run_id):
            raise interrupted_after_the_decision(run_id, rows_left(run_id)) from None
        raise

    def written(done: int, total: int) -> None:
        if progress:
            progress(len(rows) + done, 2 * len(rows))

    with hold:
        try:
            return _publish(shop, run_id, written)
        except KeyboardInterrupt:
            rest = rows_left(run_id)
            if rest == 0:  # every row is written, only the run's end is left: done, then
                return _publish(shop, run_id, written)
            raise interrupted_after_the_decision(run_id, rest) from None


def import_rows(
    shop: Shop,
    report: ImportReport,
    *,
    staff: str = "",
    pin: str | safety.Pin | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every good row of a checked file: all of them or none (SPEC §7), in batches that
    each hold the write lock for a moment only. The rows are staged out of sight first; the
    import is decided in one transaction with the owner-PIN check and the audit entry; then
    they are written batch by batch. A row whose phone or email another till registered
    since the check is left out and reported. Returns how many customers were imported."""
    if not report.good:
        return 0
    counts = _run_import(
        shop,
        "customers",
        report.file,
        report.good,
        payload,
        pin=pin,
        staff=staff,
        detail=f"customers from {report.file}: {len(report.good)} rows",
        progress=progress,
        completed=report.completed,
    )
    report.imported = counts.get("imported", 0)
    for number, kind, value in counts.get("taken", []):
        report.refused.append(
            (
                number,
                Refused("The phone {phone} was registered at another till meanwhile.", phone=value)
                if kind == "phone"
                else Refused(
                    "The email {email} was registered at another till meanwhile.", email=value
                ),
            )
        )
    logs.action("imports.import_rows", imported=report.imported, refused=len(report.refused))
    return report.imported


def _contact_payload(contact: tuple[str, str]) -> str:
    kind, value = contact
    return json.dumps({"kind": kind, "value": value})


def import_unsubscribes(
    shop: Shop,
    path: Path,
    *,
    staff: str = "",
    pin: str | safety.Pin | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UnsubscribeReport:
    """Every email or phone found anywhere in the file: marketing consent withdrawn (method
    digital, the file noted as source) and the contact put on the suppression list. The
    owner PIN is checked first; the file is read outside the transaction, then staged,
    decided and written like a customer import. `progress` counts the reading as the first
    third of the work (each address gets the registration form's check)."""
    pin = safety.authorise(shop, "import", pin, by=staff)  # before the file is read
    emails, phones = read_contacts(shop, path, share_of(progress, 0, 1))
    report = UnsubscribeReport(file_label(path), contacts=len(emails) + len(phones))
    if not report.contacts:
        raise InvalidInput(
            "No email address or phone number found in {name}.", field="file", name=path.name
        )
    contacts = [("email", e) for e in sorted(emails)] + [("phone", p) for p in sorted(phones)]
    counts = _run_import(
        shop,
        "unsubscribes",
        report.file,
        contacts,
        _contact_payload,
        pin=pin,
        staff=staff,
        detail=f"unsubscribes from {path.name}: {report.contacts} contacts",  # shown visible()
        progress=share_of(progress, 1, 2),
        completed=report.completed,
    )
    report.matched = counts.get("matched", 0)
    report.withdrawn = counts.get("withdrawn", 0)
    report.unmatched = report.contacts - report.matched
    logs.action(
        "imports.import_unsubscribes",
        contacts=report.contacts,
        matched=report.matched,
        withdrawn=report.withdrawn,
    )
    return report


# -- the one way in: PIN, backup, import, audit ------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What `run` did. `written`: the customers imported, or the contacts of an unsubscribe
    list (all of them are on the suppression list afterwards)."""

    kind: Literal["customers", "unsubscribes"]
    file: str
    written: int
    #: The checked customer list, now with `imported` and the rows another till registered
    #: meanwhile among its refusals (kind "customers").
    customers: ImportReport | None = None
    #: The unsubscribe list's counts (kind "unsubscribes").
    unsubscribes: UnsubscribeReport | None = None


def run(
    shop: Shop,
    source: ImportReport | Path,
    *,
    staff: str = "",
    pin: str | safety.Pin | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a checked customer list (`source` is what `check_file` returned) or an
    unsubscribe list (`source` is its path): the one way the command line and the import
    screen write an import. In this order: the owner PIN is checked (a wrong one counts
    towards the lock-out, before any other work, an unsubscribe list's reading too); imports a
    crash left behind are finished;
    the rows are staged out of sight while the backup is copied; the import is decided in
    one transaction with the audit entry (by `staff`); the rows are written in short batches.

    A customer list without a good row writes nothing and asks for no PIN (0 written).
    Errors, each raised with nothing of this import written: a wrong or missing PIN
    (`Refused`/`InvalidInput` from safety.authorise), an unsubscribe file that cannot be
    read or holds no contact (`InvalidInput`), a database that cannot be written
    (`StorageError`), a failure of the backup (`Refused`). A failure after the decision
    (a crash while writing) leaves the rest to the next import or the daily run."""
    if isinstance(source, ImportReport):
        written = import_rows(shop, source, staff=staff, pin=pin, progress=progress)
        return ImportResult("customers", source.file, written, customers=source)
    report = import_unsubscribes(shop, Path(source), staff=staff, pin=pin, progress=progress)
    return ImportResult("unsubscribes", report.file, report.contacts, unsubscribes=report)
