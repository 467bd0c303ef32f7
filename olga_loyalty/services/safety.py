"""Never lose a record: backups and restore, the owner PIN, protected actions and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from olga_loyalty import logs
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError, Plural, Refused
from olga_loyalty.domain.pin import PASSPHRASE_MAX as PASSPHRASE_MAX
from olga_loyalty.domain.pin import PASSPHRASE_MIN as PASSPHRASE_MIN
from olga_loyalty.domain.pin import PIN_DIGITS_MAX as PIN_DIGITS_MAX
from olga_loyalty.domain.pin import PIN_DIGITS_MIN as PIN_DIGITS_MIN
from olga_loyalty.domain.pin import check_new_pin
from olga_loyalty.domain.text import visible
from olga_loyalty.services import erasure
from olga_loyalty.services.backup_files import RestoreCheck as RestoreCheck
from olga_loyalty.services.backup_files import check_file, database_path, shop_id
from olga_loyalty.services.backup_files import check_restore as check_restore
from olga_loyalty.services.backup_files import list_backups as list_backups
from olga_loyalty.services.shop import Shop, read_setting, write_setting
from olga_loyalty.storage import backup as backups
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import is_sqlite, real_time, write_action
from olga_loyalty.storage.models import AuditEntry, Setting
from olga_loyalty.storage.transactions import turn_held

T = TypeVar("T")

#: The actions the owner PIN protects (SPEC §10): the one list the command line and the
#: screens use. The key is the action's name in the audit log; the words say what it is.
PROTECTED_ACTION_NAMES = {
    "settings": "Change the settings",
    "adjust": "Add or take points by hand",
    "erase": "Erase a customer",
    "import": "Import a list",
    "restore": "Restore a backup",
    "export": "Export personal data",
    "bonus": "Give a bonus to a segment",
    "move-to": "Move the shop to a server",
}
PROTECTED = tuple(PROTECTED_ACTION_NAMES)
#: The audit log's entries that are not a protected action.
OTHER_AUDIT_NAMES = {
    "pin-locked": "Locked after wrong PINs",
    "backup": "Back up the database",
}
#: Every action of the audit log by its name (translated where it is shown); an action
#: stored under another code (an older release's) is shown as its code.
AUDIT_ACTION_NAMES = PROTECTED_ACTION_NAMES | OTHER_AUDIT_NAMES
#: Actions whose work is a file, not rows: the file is written between the PIN check and the
#: audit entry, and removed again when the entry cannot be written.
FILE_ACTIONS = ("export",)
#: Actions whose work replaces or copies the whole database: they write their audit entry
#: into the database they produce (the restored content, the copy on the server).
WHOLE_DATABASE_ACTIONS = ("restore", "move-to")

PIN_TRIES = 3
PIN_LOCK_SECONDS = 60
#: scrypt cost for new PINs: 128 MiB and about 0.4 s per try on a till PC, so that trying
#: every 6-digit PIN on a stolen copy of the database takes days (docs/reliability.md).
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
#: The version of the PIN rules a stored PIN was set under; older ones (4 digits allowed,
#: a cheaper hash) keep working, and the settings ask the owner to choose a new one.
PIN_RULES = 2


# -- audit log -------------------------------------------------------------------------


@write_action
def audit(
    shop: Shop, action: str, detail: str = "", staff: str = "", customer_id: int | None = None
) -> None:
    """An entry of its own (a backup). A protected action writes its entry inside its own
    transaction (`run_protected`)."""
    _write_audit(shop, action, detail, staff, customer_id)


def audit_log(limit: int = 200) -> list[AuditEntry]:
    return list(
        AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )


# -- owner PIN ---------------------------------------------------------------------------


def _hash(pin: str, salt: bytes, params: dict) -> str:
    n, r, p = params["n"], params["r"], params["p"]
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=256 * r * n + 2**20
    ).hex()


def pin_is_set() -> bool:
    return bool(read_setting("pin"))


def pin_needs_change() -> bool:
    """A PIN set under the old rules (4 digits were enough, a cheaper hash): it still works,
    and the settings ask the owner to choose a new one."""
    stored = read_setting("pin")
    return bool(stored) and int(stored.get("rules", 1)) < PIN_RULES


@dataclass(frozen=True)
class Pin:
    """An owner PIN as typed, turned into its scrypt digest once, before any transaction (the
    slow hash must never hold the database lock). The PIN itself is not kept. `typed` is
    False when nothing was typed."""

    typed: bool = False
    salt: str = ""
    digest: str = ""


NO_PIN = Pin()


def prepare_pin(pin: str | Pin | None) -> Pin:
    if isinstance(pin, Pin):
        return pin
    if not pin:
        return NO_PIN
    stored = read_setting("pin")
    if not stored:
        return Pin(typed=True)
    return Pin(True, stored["salt"], _hash(pin.strip(), bytes.fromhex(stored["salt"]), stored))


def new_pin_record(new_pin: str | None) -> dict | None:
    """What is stored for a new PIN (None: remove it): checked and hashed, outside any
    transaction."""
    if not new_pin:
        return None
    text = check_new_pin(new_pin)
    salt = secrets.token_bytes(16)
    return {"salt": salt.hex(), "hash": _hash(text, salt, SCRYPT), "rules": PIN_RULES, **SCRYPT}


@write_action
def store_pin(record: dict | None) -> Pin:
    write_setting("pin", record)
    write_setting("pin_failures", {"count": 0, "locked_at": None})
    return Pin(True, record["salt"], record["hash"]) if record else NO_PIN


def set_pin(shop: Shop, new_pin: str | None) -> Pin:
    """Set or remove the owner PIN without asking for the old one (first set-up, tests)."""
    return store_pin(new_pin_record(new_pin))


def change_pin(shop: Shop, pin: str | Pin | None, new_pin: str | None, *, staff: str = "") -> Pin:
    """Set (at least 6 digits, or a passphrase) or remove (None/empty) the owner PIN: a
    protected settings change. Returns the new PIN, so that a screen can go on with it."""
    record = new_pin_record(new_pin)
    return run_protected(
        shop,
        "settings",
        pin,
        store_pin,
        record,
        by=staff,
        detail="PIN set" if record else "PIN removed",
    )


def _lock_pin_row() -> dict | None:
    """The stored PIN, its row locked until the transaction ends (PostgreSQL; SQLite's write
    lock is already held): parallel attempts are counted one after the other."""
    query = Setting.select().where(Setting.key == "pin")
    if not is_sqlite():
        query = query.for_update()
    row = query.first()
    return json.loads(row.value) if row else None


def _locked(locked_at: float) -> Refused:
    until = datetime.fromtimestamp(locked_at + PIN_LOCK_SECONDS).astimezone()
    return Refused(
        "Too many wrong PINs: protected actions are locked until {time}.",
        field="pin",
        time=until.strftime("%H:%M:%S"),
    )


def refuse_if_locked() -> None:
    """Before the PIN is asked for (the command line's prompt): refused at once while the
    protected actions are locked after wrong PINs, not after the PIN was typed in vain. Only
    a look: the action's own check (`_verify`) decides, in its transaction."""
    failures = read_setting("pin_failures") or {}
    locked_at = failures.get("locked_at")
    if locked_at is not None and locked_at <= real_time() < locked_at + PIN_LOCK_SECONDS:
        raise _locked(locked_at)


def _verify(shop: Shop, action: str, pin: Pin, staff: str) -> LoyaltyError | None:
    """Inside the action's transaction: None when the action may go on, else why not (a wrong
    PIN is counted here, in the same transaction that read the count)."""
    stored = _lock_pin_row()
    if not stored:
        return None
    failures = read_setting("pin_failures") or {}
    count, locked_at = int(failures.get("count") or 0), failures.get("locked_at")
    now = real_time()
    if locked_at is not None:
        if now < locked_at:
            # The clock is behind the moment of the lock (set back, or another till's clock):
            # the minute starts again from now, never longer than that.
            locked_at = now
            write_setting("pin_failures", {"count": 0, "locked_at": now})
        if now < locked_at + PIN_LOCK_SECONDS:
            return _locked(locked_at)
    if not pin.typed:
        return InvalidInput("This needs the owner PIN.", field="pin")
    if pin.salt != stored["salt"]:
        return Refused("The owner PIN was changed meanwhile; please enter it again.", field="pin")
    if not hmac.compare_digest(pin.digest, stored["hash"]):
        count += 1
        if count >= PIN_TRIES:
            write_setting("pin_failures", {"count": 0, "locked_at": now})
            _write_audit(shop, "pin-locked", action, staff)
            return Refused("Wrong PIN. Protected actions are locked for a minute.", field="pin")
        write_setting("pin_failures", {"count": count, "locked_at": None})
        left = PIN_TRIES - count
        return Refused(
            Plural("Wrong PIN ({left} try left).", "Wrong PIN ({left} tries left).", left),
            field="pin",
            left=left,
        )
    if count or locked_at is not None:
        write_setting("pin_failures", {"count": 0, "locked_at": None})
    return None


def _write_audit(
    shop: Shop, action: str, detail: str, staff: str, customer_id: int | None = None
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


def _made(value, result):
    """A detail or a customer number given as such, or made from the action's result."""
    return value(result) if callable(value) else value


@dataclass(frozen=True)
class _Denied:
    error: LoyaltyError


@write_action
def _checked(shop, action, pin, staff, work, args, kwargs, detail, audited, customer_id=None):
    """One transaction: the PIN check (and its counter), the work, the audit entry."""
    problem = _verify(shop, action, pin, staff)
    if problem is not None:
        return _Denied(problem)  # committed: the counter of wrong PINs counts
    result = work(*args, **kwargs) if work is not None else None
    if audited:
        _write_audit(shop, action, _made(detail, result), staff, _made(customer_id, result))
    return result


def _outcome(value):
    if isinstance(value, _Denied):
        raise value.error
    return value


def authorise(shop: Shop, action: str, pin: str | Pin | None, *, by: str = "") -> Pin:
    """The PIN check alone (a screen asks before it opens): counted like any attempt, no
    audit entry. Returns the prepared PIN, for the action that follows."""
    if action not in PROTECTED:
        raise ValueError(f"not a protected action: {action}")
    prepared = prepare_pin(pin)
    _outcome(_checked(shop, action, prepared, by, None, (), {}, "", False))
    return prepared


def run_protected(
    shop: Shop,
    action: str,
    pin: str | Pin | None,
    work: Callable[..., T],
    *args,
    by: str = "",
    detail: str | Callable[[T], str] = "",
    customer_id: int | Callable[[T], int | None] | None = None,
    **kwargs,
) -> T:
    """The one way into a protected action (SPEC §10), for the command line and the screens
    alike: the PIN check with its failure counter, the action and its audit entry commit
    together or not at all. `by` is who did it (the staff name in the audit log); `detail`
    (text, or made from the result) names customers by their number, never by what was
    typed. `customer_id` (a number, or made from the result) links the entry to the
    customer it is about, so that her erasure scrubs its detail (services/erasure.py).
    Further arguments go to `work`.

    Database actions run whole inside that one transaction. An export (FILE_ACTIONS) writes
    its file after the check; the audit entry follows, and if it cannot be written the file
    is removed. A restore or a move (WHOLE_DATABASE_ACTIONS) runs after the check and writes
    its entry into the database it produces."""
    if action not in PROTECTED:
        raise ValueError(f"not a protected action: {action}")
    prepared = prepare_pin(pin)
    staff = " ".join((by or "").split())[:80]
    if action in FILE_ACTIONS:
        authorise(shop, action, prepared, by=staff)
        result = work(*args, **kwargs)
        try:
            text, about = _made(detail, result), _made(customer_id, result)
            _outcome(_checked(shop, action, prepared, staff, None, (), {}, text, True, about))
        except BaseException:
            _remove_written(result)
            raise
        return result
    if action in WHOLE_DATABASE_ACTIONS:
        authorise(shop, action, prepared, by=staff)
        return work(*args, **kwargs)
    return _outcome(
        _checked(shop, action, prepared, staff, work, args, kwargs, detail, True, customer_id)
    )


def _remove_written(result) -> None:
    path = result if isinstance(result, Path) else getattr(result, "path", None)
    if isinstance(path, Path):
        path.unlink(missing_ok=True)


# -- backups -------------------------------------------------------------------------------


def backup(shop: Shop, reason: str = "manual", *, staff: str = "") -> Path | None:
    path = database_path(shop)
    if path is None:
        return None
    return _backup_of(shop, path, reason, staff)


def _backup_of(shop: Shop, path: Path, reason: str, staff: str) -> Path:
    made = backups.make_backup(path, shop.now().astimezone().replace(tzinfo=None), reason)
    audit(shop, "backup", f"{reason}: {made.name}", staff)
    logs.action(f"safety.backup.{reason}", bytes=made.stat().st_size)
    return made


def backup_meanwhile(shop: Shop, reason: str, *, staff: str = ""):
    """Start a backup in a thread and return `finish()`, which waits for it, writes its audit
    entry and returns the file (or raises its error). The copy is taken through its own
    connection as one read of the file as it is at the start (SQLite's backup API in one
    step), so work that writes meanwhile — an import staging its rows out of sight — is not
    in it and does not wait for it (0.1 s per 30 MB of database here)."""
    import threading

    path = database_path(shop)
    moment = shop.now().astimezone().replace(tzinfo=None)
    outcome: dict = {}

    def copy() -> None:
        assert path is not None  # started only for a database file
        try:
            outcome["made"] = backups.make_backup(path, moment, reason)
        except BaseException as error:  # handed to finish()
            outcome["error"] = error

    worker = threading.Thread(target=copy, name=f"backup-{reason}", daemon=True)
    if path is not None:
        worker.start()

    def finish() -> Path | None:
        """Called again, it only returns (or raises) what the first call did."""
        if path is None:
            return None
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        made = outcome["made"]
        if not outcome.get("recorded"):
            outcome["recorded"] = True
            audit(shop, "backup", f"{reason}: {made.name}", staff)
            logs.action(f"safety.backup.{reason}", bytes=made.stat().st_size)
        return made

    return finish


def backup_if_first_today(shop: Shop) -> Path | None:
    """The automatic backup at the first start of each day."""
    path = database_path(shop)
    if path is None:
        return None
    today = shop.today()
    if any(b.taken_at.date() == today for b in backups.list_backups(path)):
        return None
    return backup(shop, "daily")


@dataclass(frozen=True)
class RestoreResult:
    safety_copy: Path
    check: RestoreCheck


def restore(shop: Shop, file: Path, *, staff: str = "", other_shop: bool = False) -> RestoreResult:
    """Check the file (integrity, the schema of its version, that it is this shop's — another
    shop's only with `other_shop`), back up the current database, then replace it and bring
    the schema up to date. The restore's audit entry arrives with the restored content.

    The erasure journal of this shop is read before the safety backup and re-applied right
    after the file is replaced (services/erasure.py): a backup older than an erasure never
    brings the customer back. Another shop's backup keeps its own journal: this shop's
    customer numbers would name other people there.

    Everything runs on a private working copy of the file; a refusal leaves the database as
    it was (and the journal untouched)."""
    path = database_path(shop)
    if path is None:
        raise Refused("Restore works on the SQLite database; PostgreSQL has its own tools.")
    file = Path(file)
    copy = backups.working_copy(file, backups.backup_folder(path))
    try:
        check = check_file(copy, file.name)
        if not check.this_shop and not other_shop:
            raise Refused(
                "{name} is a backup of another shop: its customers, settings and owner PIN "
                "would replace this shop's. Nothing was restored. To restore it all the "
                "same, confirm that it is another shop's (command line: --other-shop).",
                field="file",
                name=file.name,
            )
        detail = f"from {file.name}" + ("" if check.this_shop else " (another shop's backup)")
        entry = {
            "at": str(AuditEntry.at.db_value(shop.now())),
            "staff": visible(" ".join(staff.split())[:80]),
            "action": "restore",
            "detail": visible(detail[:500]),
        }
        audited = backups.prepare_for_restore(
            copy, shop_id() if check.owner is None else None, entry
        )
        # The tills' writes wait from the reading of the journal until the restored file
        # has it: an erasure or a withdrawal committed in between went with the old file
        # (a tester: 1 of ~55 erasures during a 100,000-customer restore, each run).
        with turn_held():
            carried = erasure.journal_before_restore() if check.this_shop else None
            safety_copy = _backup_of(shop, path, "restore", staff)
            backups.restore_into(path, copy)
            copy.unlink(missing_ok=True)
            erasure.forget_secret()  # the restored database has its own (or gets this shop's)
            if carried is not None:
                # Before the migrations: a backup older than the erasure journal gets this
                # shop's secret first, then migrates itself, then everyone on the journal is
                # erased again.
                erasure.reapply_after_restore(shop, carried)
            migrations.migrate(shop.clock)
            shop.reset_caches()
            if not audited:  # a backup from before the audit log: its entry after migrating
                audit(shop, "restore", detail, staff)
    finally:
        copy.unlink(missing_ok=True)
    logs.action("safety.restore", schema=migrations.current_version())
    return RestoreResult(safety_copy, check)
