"""Never lose a record: backups and restore, the owner PIN, and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.domain.text import visible
from olga_loyalty.services import erasure
from olga_loyalty.services.shop import Shop, read_setting, write_setting
from olga_loyalty.storage import backup as backups
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import is_sqlite, write_action
from olga_loyalty.storage.models import AuditEntry, database

#: Actions the owner PIN protects (SPEC §10).
PROTECTED = ("settings", "adjust", "erase", "import", "restore", "export")
PIN_TRIES = 3
PIN_LOCK = timedelta(minutes=1)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


# -- audit log -------------------------------------------------------------------------


@write_action
def audit(
    shop: Shop, action: str, detail: str = "", staff: str = "", customer_id: int | None = None
) -> None:
    # The detail may quote a file name or a reason: kept without control characters, so the
    # audit view never sends a terminal an escape sequence.
    AuditEntry.create(
        at=shop.now(),
        staff=visible(" ".join(staff.split())[:80]),
        action=visible(action[:40]),
        detail=visible(detail[:500]),
        customer_id=customer_id,  # her erasure scrubs this detail (services/erasure.py)
    )


def audit_log(limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )


# -- owner PIN ---------------------------------------------------------------------------


def _hash(pin: str, salt: bytes, params: dict) -> str:
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=params["n"], r=params["r"], p=params["p"], dklen=32
    ).hex()


def pin_is_set() -> bool:
    return bool(read_setting("pin"))


def set_pin(shop: Shop, new_pin: str | None, *, staff: str = "") -> None:
    """Set (4–12 digits) or clear (None/empty) the owner PIN; stored as a salted scrypt hash."""
    if not new_pin:
        write_setting("pin", None)
        audit(shop, "pin", "cleared", staff)
        return
    if not new_pin.isdigit() or not 4 <= len(new_pin) <= 12:
        raise InvalidInput("The PIN must be 4 to 12 digits.", field="pin")
    salt = secrets.token_bytes(16)
    write_setting("pin", {"salt": salt.hex(), "hash": _hash(new_pin, salt, SCRYPT), **SCRYPT})
    write_setting("pin_failures", {"count": 0, "locked_until": None})
    audit(shop, "pin", "set", staff)


def check_pin(
    shop: Shop, pin: str | None, action: str, *, staff: str = "", detail: str = ""
) -> None:
    """Let a protected action through (and log it), or refuse it. Three wrong PINs lock the
    protected actions for a minute."""
    stored = read_setting("pin")
    if stored:
        now = shop.now()
        failures = read_setting("pin_failures") or {"count": 0, "locked_until": None}
        locked_until = failures.get("locked_until")
        if locked_until and datetime.fromisoformat(locked_until) > now:
            raise Refused(
                "Too many wrong PINs: protected actions are locked until {time}.",
                field="pin",
                time=datetime.fromisoformat(locked_until).astimezone().strftime("%H:%M:%S"),
            )
        if not pin:
            raise InvalidInput("This needs the owner PIN.", field="pin")
        expected = _hash(pin, bytes.fromhex(stored["salt"]), stored)
        if not hmac.compare_digest(expected, stored["hash"]):
            count = int(failures.get("count", 0)) + 1
            if count >= PIN_TRIES:
                write_setting(
                    "pin_failures", {"count": 0, "locked_until": (now + PIN_LOCK).isoformat()}
                )
                audit(shop, "pin-locked", action, staff)
                raise Refused("Wrong PIN. Protected actions are locked for a minute.", field="pin")
            write_setting("pin_failures", {"count": count, "locked_until": None})
            raise Refused("Wrong PIN ({left} tries left).", field="pin", left=PIN_TRIES - count)
        if failures.get("count"):
            write_setting("pin_failures", {"count": 0, "locked_until": None})


# -- backups -------------------------------------------------------------------------------


def database_path(shop: Shop) -> Path | None:
    """The SQLite file, or None on PostgreSQL (backed up by the server's own tools)."""
    if not is_sqlite():
        return None
    return Path(database.obj.database)


def backup(shop: Shop, reason: str = "manual", *, staff: str = "") -> Path | None:
    path = database_path(shop)
    if path is None:
        return None
    made = backups.make_backup(path, shop.now().astimezone().replace(tzinfo=None), reason)
    audit(shop, "backup", f"{reason}: {made.name}", staff)
    return made


def backup_if_first_today(shop: Shop) -> Path | None:
    """The automatic backup at the first start of each day."""
    path = database_path(shop)
    if path is None:
        return None
    today = shop.today()
    if any(b.taken_at.date() == today for b in backups.list_backups(path)):
        return None
    return backup(shop, "daily")


def list_backups(shop: Shop) -> list[backups.BackupFile]:
    path = database_path(shop)
    return backups.list_backups(path) if path else []


def restore(shop: Shop, file: Path, *, staff: str = "") -> Path:
    """Check the file (integrity, schema version), back up the current database, then replace
    it and bring the schema up to date. Returns the backup made of the current database."""
    path = database_path(shop)
    if path is None:
        raise Refused("Restore works on the SQLite database; PostgreSQL has its own tools.")
    backups.check_backup_file(Path(file), migrations.LATEST)
    carried = erasure.journal_before_restore()  # no one erased since the backup comes back
    safety_copy = backup(shop, "restore", staff=staff)
    backups.restore_into(path, Path(file))
    erasure.reapply_after_restore(shop, carried)
    migrations.migrate(shop.clock)
    shop.reset_caches()
    audit(shop, "restore", f"from {Path(file).name}", staff)
    return safety_copy
