"""One business action = one transaction: waiting in line for the write lock, retrying while
another till holds it, running what waits for the commit, and the action's line in the log."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from typing import TypeVar

import peewee

from olga_loyalty import logs
from olga_loyalty.domain.errors import DatabaseBusy, StorageError
from olga_loyalty.storage import queue
from olga_loyalty.storage.models import database
from olga_loyalty.storage.sql import failure_reason, is_lock_error, is_sqlite

#: How long a statement waits for a lock inside SQLite (ms); and, while a write action waits
#: for the write lock at BEGIN, how long SQLite waits before `write_action` looks again.
BUSY_TIMEOUT_MS = 5000
BEGIN_WAIT_MS = 20

#: How long a write waits for another till before the user is told (seconds).
LOCK_PATIENCE = 8.0

T = TypeVar("T")

_actions = threading.local()


def write_action(func: Callable[..., T]) -> Callable[..., T]:
    """One business action = one transaction, retried while another till holds the lock.
    Once it is committed, the outermost action writes its line to the log (ids and amounts
    only, `olga_loyalty.logs`)."""
    name = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"

    @wraps(func)
    def run(*args, **kwargs) -> T:
        depth = getattr(_actions, "depth", 0)
        if depth == 0:
            _actions.done = []
        _actions.depth = depth + 1
        try:
            result = transaction(*args, **kwargs)
        except BaseException:
            if depth == 0:
                _actions.done = []
            raise
        finally:
            _actions.depth = depth
        if name not in logs.NOT_LOGGED and not func.__name__.startswith("_"):
            _actions.done.append((name, result))  # a step of a larger action logs nothing
        if depth == 0:
            # committed: each business action in it gets its line (a protected action's
            # check, which wraps the action, is not one itself)
            done, _actions.done = _actions.done, []
            for action, value in done:
                logs.action(action, value)
        return result

    def transaction(*args, **kwargs) -> T:
        if database.in_transaction():
            # Part of a larger action (a protected action, a purchase that adds a follow-up):
            # a savepoint; only the outermost action waits and retries, as a whole.
            with database.atomic():
                return func(*args, **kwargs)
        sqlite = is_sqlite()
        delay = 0.05
        deadline = time.monotonic() + LOCK_PATIENCE
        while True:
            began = False
            if getattr(_actions, "depth", 1) == 1:
                _actions.done = []  # a retry: what the failed attempt did was rolled back
            place = None
            try:
                if sqlite:
                    # The writers of one file line up first (storage/queue.py), so that the
                    # till that waited longest asks next.
                    place = _join_queue(deadline)
                    # Waiting for the write lock is done here, not by SQLite, whose busy
                    # handler sleeps up to 100 ms between looks: among several busy tills one
                    # could lose every race for the lock until it gave up. Looking again every
                    # few milliseconds, after a random pause, gives each till its turn.
                    database.execute_sql(f"PRAGMA busy_timeout = {BEGIN_WAIT_MS}")
                try:
                    with database.atomic():
                        began = True
                        if sqlite:
                            database.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                        result = func(*args, **kwargs)
                finally:
                    if sqlite and not began:
                        database.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            except (peewee.OperationalError, sqlite3.OperationalError) as exc:
                _drop_after_commit()
                if not is_lock_error(exc):
                    raise StorageError(
                        "The database could not be written: {reason}", reason=failure_reason(exc)
                    ) from None
                if time.monotonic() >= deadline:
                    raise _busy() from None
                if sqlite and not began:
                    time.sleep(random.uniform(0.0005, 0.004))
                else:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
            except peewee.DatabaseError as exc:
                _drop_after_commit()
                if is_lock_error(exc):
                    raise _busy() from None
                if isinstance(exc, peewee.IntegrityError):
                    raise
                raise StorageError(
                    "The database could not be written: {reason}", reason=failure_reason(exc)
                ) from None
            except BaseException:
                _drop_after_commit()
                raise
            else:
                _run_after_commit()
                return result
            finally:
                if place is not None:
                    place.leave()

    return run


@contextmanager
def turn_held() -> Iterator[None]:
    """The database's write turn kept over several transactions (SQLite; elsewhere nothing):
    the tills' writes wait in line until the block ends (`storage/queue.holding`), at most
    `LOCK_PATIENCE` each, after which they are told the database is busy."""
    with ExitStack() as stack:
        if is_sqlite():
            try:
                stack.enter_context(queue.holding(database.obj.database, LOCK_PATIENCE))
            except TimeoutError:
                raise _busy() from None
        yield


def _busy() -> DatabaseBusy:
    return DatabaseBusy(
        "The database is busy (another till is saving). Nothing was saved; "
        "please try again in a moment."
    )


def _join_queue(deadline: float) -> queue.Place | None:
    try:
        return queue.join(database.obj.database, max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        raise _busy() from None


_after_commit = threading.local()


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the business action's transaction has committed (an erasure's
    checkpoint, which cannot run inside a transaction); never when it is rolled back."""
    pending = getattr(_after_commit, "pending", None)
    if pending is None:
        pending = _after_commit.pending = []
    if callback not in pending:
        pending.append(callback)


def _drop_after_commit() -> None:
    if database.transaction_depth() == 0:
        _after_commit.pending = []


def _run_after_commit() -> None:
    if database.transaction_depth() > 0:
        return  # an inner action: the outer transaction commits later
    pending = getattr(_after_commit, "pending", None) or []
    _after_commit.pending = []
    for callback in pending:
        callback()
