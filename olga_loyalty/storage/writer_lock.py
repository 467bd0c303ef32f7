"""Whether the writer of a decided import is still at work (docs/reliability.md, "Imports").

A decided import is written batch by batch; a crash in between leaves the rest for the next
import, daily run or start of the UI. To tell a crashed writer from one still writing, the
writer holds a lock for its run from before the run is decided until its last batch, and
whoever finds the run takes the same lock without waiting: taken, the writer is gone (the
system releases the lock of a process that ends, a kill -9 included); not taken, the run is
being written and is left alone. Chosen over a heartbeat with a staleness limit because it
is right at once and at any pace: a crashed import is finished by the very next import or
daily run, and a writer that waits long for the disk, for a till or for a sleeping laptop is
never taken for dead.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on the writer's
  connection; the server releases it when the connection ends. A till that loses its power
  or network sends no goodbye: the holder's connection asks the server to probe it after
  KEEPALIVE seconds of silence, so that the server ends it (and the lock) within about a
  minute and a half rather than the system's default two hours.
- SQLite: an `flock` of a file beside the database (`loyalty.db-import-7` for run 7), as the
  tills' queue does (storage/queue.py). The holder removes the file as it lets go; whoever
  locks it checks that the file is still there, so two never hold the same run.
- Where neither exists (Windows has no `flock`, or the file cannot be made), `take` gives a
  hold that is not exclusive (`Hold.exclusive` False): the caller then judges by the run's
  heartbeat instead.
"""

from __future__ import annotations

import os
import time

import peewee

from olga_loyalty.storage.models import database
from olga_loyalty.storage.queue import queue_path
from olga_loyalty.storage.sql import fetch_rows, is_sqlite

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

#: The first key of the PostgreSQL advisory locks of import runs (the second: the run's id).
ADVISORY_NAME = "olga-loyalty import run"
#: While waiting for a lock (`take(..., wait=...)`), how long between two looks (seconds).
LOOK_AGAIN = 0.01
#: PostgreSQL: the server's TCP keepalive on a holder's connection (idle seconds, seconds
#: between probes, probes): a till gone without a word is noticed after about 80 s.
KEEPALIVE = {"tcp_keepalives_idle": 50, "tcp_keepalives_interval": 10, "tcp_keepalives_count": 3}


class Hold:
    """A run's lock, held until `release()`. Not `exclusive`: there is no lock here."""

    exclusive = False

    def release(self) -> None:
        """Let go (again: nothing)."""

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class _FileHold(Hold):
    exclusive = True

    def __init__(self, fd: int, path: str) -> None:
        self._fd, self._path = fd, path

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            os.unlink(self._path)  # still held: no one else can have locked this file
        except OSError:
            pass
        os.close(self._fd)  # closing the descriptor releases its flock
        self._fd = -1


class _AdvisoryHold(Hold):
    exclusive = True

    def __init__(self, number: int) -> None:
        self._number = number
        self._connection = database.connection()

    def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        if database.is_closed() or database.connection() is not connection:
            return  # the connection ended, and the lock with it
        try:
            fetch_rows(
                "SELECT pg_advisory_unlock(hashtext(?), CAST(? AS integer))",
                (ADVISORY_NAME, self._number),
            )
        except (
            peewee.DatabaseError,
            peewee.InterfaceError,
        ):  # the connection is lost: so is the lock
            pass


def lock_path(run_id: int) -> str | None:
    """The lock file of a run of this SQLite database; None where there is none (a database
    in memory)."""
    queue = queue_path(database.obj.database)
    return None if queue is None else f"{str(queue).removesuffix('-queue')}-import-{run_id}"


def take(run_id: int, *, wait: float = 0.0) -> Hold | None:
    """The lock of import run `run_id`, or None when another process (or another thread of
    this one) holds it, also after `wait` seconds of looking again."""
    deadline = time.monotonic() + wait
    while True:
        hold = _try(run_id)
        if hold is not None or time.monotonic() >= deadline:
            return hold
        time.sleep(LOOK_AGAIN)


def _try(run_id: int) -> Hold | None:
    if not is_sqlite():
        (got,) = fetch_rows(
            "SELECT pg_try_advisory_lock(hashtext(?), CAST(? AS integer))",
            (ADVISORY_NAME, run_id),
        )[0]
        if not got:
            return None
        for name, value in KEEPALIVE.items():  # for this connection (ignored over a socket file)
            fetch_rows("SELECT set_config(?, ?, false)", (name, str(value)))
        return _AdvisoryHold(run_id)
    path = lock_path(run_id)
    if fcntl is None or path is None:
        return Hold()
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError:
            return Hold()  # no file here (a read-only folder): the heartbeat decides
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError:  # a file system without flock
            os.close(fd)
            return Hold()
        try:
            current = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            current = False
        if current:
            return _FileHold(fd, path)
        # the holder before removed this file as it let go: lock the one there now
        os.close(fd)
