"""Backups with SQLite's online backup API: consistent while the shop keeps selling.

Backups go to `backups/` beside the database (`olga_loyalty.paths`: `data/backups/` in a source
checkout, else in the user's data folder),
with mode 0600, written under a hidden name and renamed when complete (`make_backup`), named
`STEM-YYYYMMDD-HHMMSS-REASON.db` after the database (`loyalty.db` →
`loyalty-…`). Several databases in one folder share the backup folder: each one lists and rotates
only the backups with its own stem. Rotation keeps every backup of today, the newest backup
of each of the last 7 days that have one and of each of the last 8 ISO weeks; older ones
are deleted. Backups made before an import, a restore or a migration
are rotated the same way.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from olga_loyalty.domain.errors import InvalidInput, StorageError
from olga_loyalty.files import read_only_uri
from olga_loyalty.i18n import N_
from olga_loyalty.paths import backups_folder
from olga_loyalty.storage.schema import (
    SCHEMA_OBJECT_LABELS,
    known_objects,
    known_schema,
    schema_objects,
    tables_and_columns,
)
from olga_loyalty.storage.sql import failure_reason

KEEP_DAILY = 7
KEEP_WEEKLY = 8
_NAME_AFTER_STEM = r"-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?-(?P<reason>[a-z]+)\.db"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime
    reason: str
    size: int


def backup_folder(database_path: Path) -> Path:
    return backups_folder(database_path)


def make_backup(database_path: Path, moment: datetime, reason: str = "manual") -> Path:
    """Copy the live database page by page into a new file, then rotate.

    The copy is written under a hidden name (`.backup-….db`) and gets its backup name only
    when it is complete and on disk: a backup cut off (the program killed, the PC switched
    off) is never listed, offered for a restore, or taken for the day's backup."""
    folder = backup_folder(database_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise StorageError(
            "Cannot create the backup folder {folder}: {reason}",
            folder=str(folder),
            reason=exc.strerror or str(exc),
        ) from None
    sweep_leftovers(folder)
    stamp = moment.strftime("%Y%m%d-%H%M%S")
    partial = folder / f".backup-{secrets.token_hex(6)}.db"
    try:
        source = sqlite3.connect(database_path, timeout=30)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        _sync(partial)
        target = _claim_name(folder, f"{database_path.stem}-{stamp}", reason, partial)
        _sync(folder)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        Path(f"{partial}-journal").unlink(missing_ok=True)
        raise StorageError("The backup could not be written: {reason}", reason=_why(exc)) from None
    rotate(folder, moment.date(), database_path.stem)
    return target


def _why(exc: BaseException) -> str:
    """The reason in words of the catalogue, so that the message is in one language (a German
    one ended in SQLite's English "database or disk is full")."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return N_("the disk is full")
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return exc.strerror or str(exc)
    return failure_reason(exc)


def _claim_name(folder: Path, stem_stamp: str, reason: str, partial: Path) -> Path:
    """Give the finished copy the first free name `STEM-STAMP[-N]-REASON.db` (two backups in
    one second get -2, -3, …). A hard link claims a name atomically, and fails if another
    till took it meanwhile; where links are not possible, a rename after the check."""
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        target = folder / f"{stem_stamp}{suffix}-{reason}.db"
        number += 1
        if target.exists():
            continue
        try:
            os.link(partial, target)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            os.replace(partial, target)
            return target
        partial.unlink()
        return target


def _sync(path: Path) -> None:
    """The file's (or folder's) content on disk before it counts as a backup (POSIX; Windows
    has no fsync of a folder, and its rename is already durable enough for NTFS)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Half-written copies (`.backup-…`, `.restore-…`) older than this were cut off.
LEFTOVER_AGE_SECONDS = 3600
_LEFTOVER = re.compile(r"\.(?:backup|restore)-[0-9a-f]+\.db(?:-journal|-wal|-shm)?")


def sweep_leftovers(folder: Path) -> list[Path]:
    """Delete the half-written copies a killed backup or restore left in `folder`, and a
    cut-off backup of an older version with its journal (an hour old: none takes that long,
    and another till's copy in progress is younger)."""
    import time

    removed = []
    if folder.is_dir():
        now = time.time()
        for path in folder.iterdir():
            try:
                old = now - path.stat().st_mtime > LEFTOVER_AGE_SECONDS
            except OSError:
                continue
            if old and (_LEFTOVER.fullmatch(path.name) or _cut_off(path)):
                for part in (path, Path(f"{path}-journal")):
                    if part.exists():
                        part.unlink(missing_ok=True)
                        removed.append(part)
    return removed


def _own_backups(folder: Path, stem: str) -> list[tuple[datetime, str, Path]]:
    """The backups in `folder` of the database named `stem` (taken at, reason, path), oldest
    first: several databases may share a folder (`data/loyalty.db`, `data/demo.db`) and so a
    backup folder; each one's backups are `STEM-YYYYMMDD-HHMMSS[-N]-REASON.db` with its own
    stem exactly. Backups of one second are in the order they were made: without a number
    first, then -2, -3, … (by name, `-manual` sorted after `-2-manual`, and rotation kept the
    day's first backup of a second as if it were its last)."""
    name = re.compile(re.escape(stem) + _NAME_AFTER_STEM)
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = name.fullmatch(path.name)
            if match and path.is_file() and not _cut_off(path):
                taken = datetime.strptime(match.group("stamp"), "%Y%m%d-%H%M%S")
                number = int(match.group("n") or 1)
                found.append((taken, number, match.group("reason"), path))
    found.sort(key=lambda item: (item[0], item[1], item[3].name))
    return [(taken, reason, path) for taken, _, reason, path in found]


def _cut_off(path: Path) -> bool:
    """A backup file with a rollback journal beside it was cut off while it was written
    (versions before 0.2.0 wrote under the backup's name): not a backup, and not the day's."""
    return Path(f"{path}-journal").exists()


def list_backups(database_path: Path) -> list[BackupFile]:
    """This database's backups (not those of another database in the same folder), newest
    first."""
    found = [
        BackupFile(path, taken, reason, path.stat().st_size)
        for taken, reason, path in _own_backups(backup_folder(database_path), database_path.stem)
    ]
    return found[::-1]


def rotate(folder: Path, today: date, stem: str) -> list[Path]:
    """Keep every backup of today, the newest backup of each of the last 7 days that have one,
    and the newest of each of the last 8 ISO weeks; delete the rest. Only the backups of the
    database named `stem` are counted and deleted: another database's in the same folder are
    its own."""
    backups = [(taken, path) for taken, _, path in reversed(_own_backups(folder, stem))]
    keep: set[Path] = set()
    days: list[date] = []
    weeks: list[tuple[int, int]] = []
    for taken, path in backups:
        day = taken.date()
        if day >= today:
            keep.add(path)  # today's backups (before an import, a restore) all stay
        if day not in days and len(days) < KEEP_DAILY:
            days.append(day)
            keep.add(path)
        week = taken.isocalendar()[:2]
        if week not in weeks and len(weeks) < KEEP_WEEKLY:
            weeks.append(week)
            keep.add(path)
    removed = []
    for _, path in backups:
        if path not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _must_be_a_file(path: Path) -> None:
    if path.is_dir():
        raise InvalidInput(
            "{path} is a folder, not a backup file; choose one of the .db files in it.",
            field="file",
            path=str(path),
        )
    if not path.is_file():
        raise InvalidInput("The file {path} does not exist.", field="file", path=str(path))


#: The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _unreadable(path: Path, name: str) -> InvalidInput:
    """The refusal of a file SQLite cannot read: a database file that is damaged or cut
    short (a copy that stopped half-way: another copy of the backup may be whole), or a file
    that is no database at all."""
    try:
        with path.open("rb") as file:
            database = file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        database = False
    if database:
        return InvalidInput(
            "{name} is a database file, but damaged or incomplete (a copy cut short?); "
            "nothing was restored. Try another copy of this backup.",
            field="file",
            name=name,
        )
    return InvalidInput(
        "{name} is not an Olga Loyalty backup; nothing was restored.", field="file", name=name
    )


def check_backup_file(path: Path, latest_schema: int, name: str = "") -> int:
    """Refuse a file that is not a sound Olga Loyalty database. Returns its schema version.
    `name` is the file's name in messages (a working copy is checked under the original's)."""
    name = name or path.name
    _must_be_a_file(path)
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise InvalidInput(
                    "{name} is damaged (integrity check: {result}); nothing was restored.",
                    field="file",
                    name=name,
                    result=str(result)[:80],
                )
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise _unreadable(path, name) from None
    if version is None or int(version) > latest_schema:
        raise InvalidInput(
            "{name} was written by a newer version of Olga Loyalty; nothing was restored.",
            field="file",
            name=name,
        )
    return int(version)


def restore_into(database_path: Path, backup: Path) -> None:
    """Replace the live database's content with the backup's, page by page (the online backup
    API in the other direction), so that open connections see a consistent switch."""
    converted = None
    try:
        converted = _with_page_size_of(database_path, backup)
        source = sqlite3.connect(read_only_uri(converted or backup), uri=True)
        target = sqlite3.connect(database_path, timeout=30)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    except sqlite3.Error as exc:
        raise StorageError(
            "The restore failed: {reason}; the database was left as it was.", reason=str(exc)
        ) from None
    finally:
        if converted is not None:
            converted.unlink(missing_ok=True)


def _with_page_size_of(database_path: Path, backup: Path) -> Path | None:
    """A database in WAL mode cannot change its page size, so the backup API cannot copy a
    file with another page size into it ("attempt to write a readonly database"). Such a
    backup (made by another tool, or by an older SQLite) is first copied, next to the backups
    and with mode 0600, and rebuilt with the live database's page size. None when the sizes
    already match."""
    with sqlite3.connect(database_path, timeout=30) as live:
        wanted = live.execute("PRAGMA page_size").fetchone()[0]
    source = sqlite3.connect(read_only_uri(backup), uri=True)
    try:
        if source.execute("PRAGMA page_size").fetchone()[0] == wanted:
            return None
        folder = backup_folder(database_path)
        folder.mkdir(parents=True, exist_ok=True)
        copy_path = folder / f".restore-{os.getpid()}-{backup.stem}.db"
        copy_path.unlink(missing_ok=True)
        fd = os.open(copy_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        copy = sqlite3.connect(copy_path)
        try:
            with copy:
                source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.execute(f"PRAGMA page_size={int(wanted)}")
            copy.execute("VACUUM")
        finally:
            copy.close()
        return copy_path
    finally:
        source.close()


# -- what a restore checks, on a private working copy --------------------------------------


def working_copy(source: Path, folder: Path) -> Path:
    """A private copy (mode 0600) of a file to restore, made with the online backup API
    through a read-only URI in which the path is escaped (`?`, `#`, `%` in a name are part of
    it). Every check runs on this copy, and this copy is what replaces the database: the file
    cannot change between the checks and the restore."""
    _must_be_a_file(source)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f".restore-{secrets.token_hex(6)}.db"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        reader = sqlite3.connect(read_only_uri(source), uri=True)
        try:
            copy = sqlite3.connect(target)
            try:
                reader.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            reader.close()
    except sqlite3.DatabaseError:
        target.unlink(missing_ok=True)
        raise _unreadable(source, source.name) from None
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise StorageError("The backup could not be read: {reason}", reason=str(exc)) from None
    return target


def check_schema(path: Path, version: int, name: str) -> None:
    """The schema must be exactly that of `version` as the migrations make it: the tables and
    columns (a file that only claims a version — a `schema_version` table and nothing else —
    would leave the shop without its tables), and every other object by name and SQL (a
    trigger, view or index a backup brings along would run inside the shop)."""
    with sqlite3.connect(path) as conn:
        found = tables_and_columns(conn)
        found_objects = schema_objects(conn)
    conn.close()
    expected = known_schema(version)
    missing = sorted(set(expected) - set(found))
    if missing:
        raise InvalidInput(
            "{name} is not a complete Olga Loyalty backup: the table {table} is missing; "
            "nothing was restored.",
            field="file",
            name=name,
            table=missing[0],
        )
    extra = sorted(set(found) - set(expected))
    if extra:
        raise InvalidInput(
            "{name} does not match an Olga Loyalty database of its version: it has a table "
            "{table} that version does not have; nothing was restored.",
            field="file",
            name=name,
            table=extra[0],
        )
    for table in sorted(expected):
        if found[table] != expected[table]:
            column = sorted(found[table] ^ expected[table])[0]
            raise InvalidInput(
                "{name} does not match an Olga Loyalty database of its version: the columns "
                "of {table} differ ({column}); nothing was restored.",
                field="file",
                name=name,
                table=table,
                column=column,
            )
    expected_objects = known_objects(version)
    for kind, other in sorted(set(found_objects) - set(expected_objects)):
        raise InvalidInput(
            "{name} does not match an Olga Loyalty database of its version: {kind} {object} "
            "is not part of that version; nothing was restored.",
            field="file",
            name=name,
            kind=SCHEMA_OBJECT_LABELS.get(kind, kind),
            object=other[:80],
        )
    for kind, other in sorted(set(expected_objects) - set(found_objects)):
        raise InvalidInput(
            "{name} is not a complete Olga Loyalty backup: {kind} {object} is missing; "
            "nothing was restored.",
            field="file",
            name=name,
            kind=SCHEMA_OBJECT_LABELS.get(kind, kind),
            object=other[:80],
        )
    for kind, other in sorted(expected_objects):
        if found_objects[(kind, other)] != expected_objects[(kind, other)]:
            raise InvalidInput(
                "{name} does not match an Olga Loyalty database of its version: {kind} "
                "{object} is defined differently; nothing was restored.",
                field="file",
                name=name,
                kind=SCHEMA_OBJECT_LABELS.get(kind, kind),
                object=other[:80],
            )


def shop_id_of(path: Path) -> str | None:
    """The shop id a backup carries (None: made before shop ids existed)."""
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM setting WHERE key = 'shop_id'").fetchone()
    conn.close()
    return json.loads(row[0]) if row else None


def prepare_for_restore(path: Path, shop_id: str | None, audit_row: dict | None) -> bool:
    """Write into the working copy what must arrive together with the restored content: the
    shop id (for a backup made before shop ids, the shop's own) and the restore's own audit
    entry (when the backup's schema has the audit log), and a new settings stamp (every
    till re-reads its cached settings: services/shop.py). Returns whether the entry went
    in."""
    import uuid

    with sqlite3.connect(path) as conn:
        if shop_id is not None:
            conn.execute(
                "INSERT OR IGNORE INTO setting (key, value) VALUES ('shop_id', ?)",
                (json.dumps(shop_id),),
            )
        conn.execute(
            "INSERT OR REPLACE INTO setting (key, value) VALUES ('settings_stamp', ?)",
            (json.dumps(uuid.uuid4().hex),),
        )
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        audited = audit_row is not None and "audit_log" in tables
        if audit_row is not None and audited:
            conn.execute(
                "INSERT INTO audit_log (at, staff, action, detail) VALUES (?, ?, ?, ?)",
                (audit_row["at"], audit_row["staff"], audit_row["action"], audit_row["detail"]),
            )
    conn.close()
    return audited
