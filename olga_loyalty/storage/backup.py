"""Backups with SQLite's online backup API: consistent while the shop keeps selling.

Backups go to `backups/` beside the database (`data/backups/` for the default database),
with mode 0600, named `loyalty-YYYYMMDD-HHMMSS-REASON.db`. Rotation keeps every backup of
today, the newest backup of each of the last 7 days that have one and of each of the last 8
ISO weeks; older ones are deleted. Backups made before an import, a restore or a migration
are rotated the same way.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from olga_loyalty.domain.errors import InvalidInput, StorageError

KEEP_DAILY = 7
KEEP_WEEKLY = 8
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?-(?P<reason>[a-z]+)\.db$")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime
    reason: str
    size: int


def backup_folder(database_path: Path) -> Path:
    return database_path.parent / "backups"


def make_backup(database_path: Path, moment: datetime, reason: str = "manual") -> Path:
    """Copy the live database page by page into a new file, then rotate."""
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
    stamp = moment.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{database_path.stem}-{stamp}-{reason}.db"
    number = 2
    while target.exists():
        target = folder / f"{database_path.stem}-{stamp}-{number}-{reason}.db"
        number += 1
    try:
        source = sqlite3.connect(database_path, timeout=30)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            copy = sqlite3.connect(target)
            try:
                with copy:
                    source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        raise StorageError("The backup could not be written: {reason}", reason=str(exc)) from None
    os.chmod(target, 0o600)
    rotate(folder, moment.date())
    return target


def list_backups(database_path: Path) -> list[BackupFile]:
    folder = backup_folder(database_path)
    found = []
    if folder.is_dir():
        for path in folder.glob("*.db"):
            match = _NAME.match(path.name)
            if not match:
                continue
            taken = datetime.strptime(match.group("stamp"), "%Y%m%d-%H%M%S")
            found.append(BackupFile(path, taken, match.group("reason"), path.stat().st_size))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def rotate(folder: Path, today: date) -> list[Path]:
    """Keep every backup of today, the newest backup of each of the last 7 days that have one,
    and the newest of each of the last 8 ISO weeks; delete the rest."""
    backups = []
    for path in folder.glob("*.db"):
        match = _NAME.match(path.name)
        if match:
            backups.append((datetime.strptime(match.group("stamp"), "%Y%m%d-%H%M%S"), path))
    backups.sort(reverse=True)
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


def check_backup_file(path: Path, latest_schema: int) -> int:
    """Refuse a file that is not a sound Olga Loyalty database. Returns its schema version."""
    if not path.is_file():
        raise InvalidInput("The file {path} does not exist.", field="file", path=str(path))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise InvalidInput(
                    "{name} is damaged (integrity check: {result}); nothing was restored.",
                    field="file",
                    name=path.name,
                    result=str(result)[:80],
                )
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise InvalidInput(
            "{name} is not an Olga Loyalty backup; nothing was restored.",
            field="file",
            name=path.name,
        ) from None
    if version is None or int(version) > latest_schema:
        raise InvalidInput(
            "{name} was written by a newer version of Olga Loyalty; nothing was restored.",
            field="file",
            name=path.name,
        )
    return int(version)


def restore_into(database_path: Path, backup: Path) -> None:
    """Replace the live database's content with the backup's, page by page (the online backup
    API in the other direction), so that open connections see a consistent switch."""
    converted = None
    try:
        converted = _with_page_size_of(database_path, backup)
        source = sqlite3.connect(f"file:{converted or backup}?mode=ro", uri=True)
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
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
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
