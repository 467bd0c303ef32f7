"""The backup files of the shop's SQLite database: where the database is, which backups
there are, and what a file offered for a restore is. Reads only; taking a backup and the
restore itself are services/safety.py (they write the audit log)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from olga_loyalty.domain.errors import LoyaltyError, Refused
from olga_loyalty.services.shop import Shop, read_setting
from olga_loyalty.storage import backup as backups
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import is_sqlite
from olga_loyalty.storage.models import database


def database_path(shop: Shop) -> Path | None:
    """The SQLite file, or None on PostgreSQL (backed up by the server's own tools)."""
    if not is_sqlite():
        return None
    return Path(database.obj.database)


def list_backups(shop: Shop) -> list[backups.BackupFile]:
    path = database_path(shop)
    return backups.list_backups(path) if path else []


def shop_id() -> str | None:
    """This shop's id (migration "shop id"): which backups are its own."""
    return read_setting("shop_id")


@dataclass(frozen=True)
class RestoreCheck:
    """What a file offered for a restore is: its name, schema version, and whose it is."""

    name: str
    version: int
    owner: str | None  # the shop id in the backup; None: made before shop ids existed
    this_shop: bool

    @property
    def warning(self) -> LoyaltyError | None:
        """What the owner must be told before the restore (or None)."""
        if self.owner is None:
            return Refused(
                "{name} was made before backups carried a shop id; it is restored as this "
                "shop's own.",
                name=self.name,
            )
        if not self.this_shop:
            return Refused(
                "{name} is a backup of another shop: its customers, settings and owner PIN "
                "would replace this shop's.",
                name=self.name,
            )
        return None


def check_file(copy: Path, name: str) -> RestoreCheck:
    """A working copy of a file offered for a restore, checked (integrity, schema)."""
    version = backups.check_backup_file(copy, migrations.LATEST, name)
    backups.check_schema(copy, version, name)
    owner = backups.shop_id_of(copy)
    return RestoreCheck(name, version, owner, owner is None or owner == shop_id())


def check_restore(shop: Shop, file: Path) -> RestoreCheck:
    """Everything a restore checks before it asks (integrity, the schema of the file's
    version, whose shop it is), without changing anything."""
    path = database_path(shop)
    if path is None:
        raise Refused("Restore works on the SQLite database; PostgreSQL has its own tools.")
    file = Path(file)
    copy = backups.working_copy(file, backups.backup_folder(path))
    try:
        return check_file(copy, file.name)
    finally:
        copy.unlink(missing_ok=True)
