"""The log for whoever helps the shop: a rotating file in the log folder (`olga_loyalty.paths`).

- One INFO line per business action, with ids and amounts only. Never a name, phone, email,
  birthday or note: the log must not become a second copy of personal data. `action()` keeps
  numbers and drops everything else, and takes of a stored row only its id and the ids it
  refers to.
- The full traceback of every unexpected error (`unexpected()`); the user is shown one line,
  "Unexpected error; details in PATH".
About 1 MB a file and 5 files (`olga-loyalty.log`, `.1` … `.4`). The file and its folder are
made at the first line, never by a command that logs nothing (`paths`). When the folder
cannot be written, the program runs on without a log.
"""

from __future__ import annotations

import dataclasses
import logging
import logging.handlers
import os
import re
from decimal import Decimal
from pathlib import Path

LOGGER = logging.getLogger("olga_loyalty")
FILE_NAME = "olga-loyalty.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 4  # with the current file: 5 files
FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(message)s"
#: Written inside another action, which is logged itself (the audit entry of a protected
#: action, the PIN check around it).
NOT_LOGGED = {"safety.audit", "safety._checked"}

_handler: _QuietRotatingFile | None = None


class _QuietRotatingFile(logging.handlers.RotatingFileHandler):
    """Never disturbs the till: a log that cannot be written is skipped, not printed into the
    screen; when another process holds the file (Windows cannot rename an open file) the line
    goes into the current file, a little past its size."""

    def _open(self):
        folder = Path(self.baseFilename).parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, 0o600)  # POSIX; Windows: the profile's permissions
        except OSError:
            pass
        return stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.shouldRollover(record):
                try:
                    self.doRollover()
                except OSError:
                    pass
            logging.FileHandler.emit(self, record)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass


def setup(folder: Path) -> Path:
    """Send the program's log lines to `folder/olga-loyalty.log` (again: replaces the file)."""
    global _handler
    path = Path(folder) / FILE_NAME
    if _handler is not None and Path(_handler.baseFilename) == path.absolute():
        return path
    close()
    _handler = _QuietRotatingFile(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    _handler.setFormatter(logging.Formatter(FORMAT))
    LOGGER.addHandler(_handler)
    LOGGER.setLevel(logging.INFO)
    return path


def close() -> None:
    global _handler
    if _handler is not None:
        LOGGER.removeHandler(_handler)
        _handler.close()
        _handler = None


def log_file() -> Path | None:
    return Path(_handler.baseFilename) if _handler is not None else None


# -- business actions ------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, (int, Decimal))  # bool is an int: yes/no answers are kept too


def _is_row(value) -> bool:
    return hasattr(value, "_meta") and hasattr(value, "__data__")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _row_ids(row, prefix: str = "") -> dict[str, object]:
    """A stored row: its id and the ids it refers to (`customer`, `purchase`), nothing else."""
    from peewee import ForeignKeyField

    meta = row._meta
    key = meta.primary_key.name if meta.primary_key else "id"
    found: dict[str, object] = {}
    if _is_number(row.__data__.get(key)):
        found[prefix or "id"] = row.__data__[key]
    if not prefix:
        for field in meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and _is_number(row.__data__.get(field.name)):
                found[field.name] = row.__data__[field.name]
    return found


def summary(value, *, nested: bool = False) -> dict[str, object]:
    """The numbers of an action's result: ids, points, amounts, counts."""
    if value is None:
        return {}
    if _is_number(value):
        return {"result": value}
    if _is_row(value):
        return _row_ids(value)
    if isinstance(value, tuple):
        found: dict[str, object] = {}
        for item in value:
            found.update(
                _row_ids(item, _snake(type(item).__name__)) if _is_row(item) else summary(item)
            )
        return found
    if isinstance(value, (list, set, frozenset, dict)):
        return {"count": len(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if _is_number(item):
                found[field.name] = item
            elif _is_row(item):
                found.update(_row_ids(item, field.name))
            elif not nested and dataclasses.is_dataclass(item) and not isinstance(item, type):
                found.update(summary(item, nested=True))
        return found
    return {}


def action(name: str, result=None, **numbers) -> None:
    """One line: the action and its numbers (anything that is not a number is left out)."""
    fields = summary(result)
    fields.update({key: value for key, value in numbers.items() if _is_number(value)})
    LOGGER.info(" ".join([name, *(f"{key}={value}" for key, value in fields.items())]))


# -- unexpected errors ------------------------------------------------------------------------


def unexpected(error: BaseException, where: str) -> None:
    LOGGER.error(
        "unexpected error in %s", where, exc_info=(type(error), error, error.__traceback__)
    )


def unexpected_message(t) -> str | None:
    """The one line a user sees, naming the log file; None when there is no log to point to."""
    path = log_file()
    if path is not None and path.exists():
        return t("Unexpected error; details in {path}", path=str(path))
    return None
