"""The tills' queue for SQLite's one write lock (SPEC §10: several tills, no "busy").

SQLite lets one writer at a time in and makes the others poll: a till that waits looks again
after a sleep, and a till that has just committed and begins its next action at once takes
the lock again before a sleeping one looks. With four tills selling at full speed one of
them could wait 100 ms and more while the others served customers (measured: p99 113 ms).

So every writer of a SQLite file first lines up on an `flock` of a small file beside it
(`loyalty.db-queue`): the kernel wakes the waiters the moment the lock is released, in the
order they came, so the next till takes its turn before the one that has just written can
come back. The SQLite write lock is then taken as before (`storage.db.write_action`); the
queue only decides who asks first. Nothing is stored in the file; its lock is released by
the kernel when a process ends, a kill -9 included.

A writer that has to wait also says so: while it waits it holds a shared `flock` on a second
file, `loyalty.db-waiting`. The writer whose turn it is can ask `someone_waiting` (can it lock
that file exclusively at once?) and so keep its turn longer while nobody waits: a big import
writes in long transactions while the shop is quiet and hands over after its current short
batch when a till lines up (services/imports).

A writer can also keep its turn over several transactions (`holding`): a restore, from
reading what it must carry over until the restored file has it, so that no till's erasure or
withdrawal commits in between and is lost with the old file. Its own transactions meanwhile
join the queue as usual and are let through at once.

Where `flock` does not exist (Windows) or the file cannot be made (a read-only folder), there
is no queue and the writers poll SQLite's lock as before.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no queue
    fcntl = None  # type: ignore[assignment]


def queue_path(database_file: str) -> Path | None:
    """The queue file of a SQLite database file; None for an in-memory database."""
    if not database_file or database_file == ":memory:" or database_file.startswith("file:"):
        return None
    return Path(f"{database_file}-queue")


def waiting_path(database_file: str) -> Path | None:
    """The file on which the writers that wait for their turn hold a shared lock."""
    path = queue_path(database_file)
    return None if path is None else Path(f"{database_file}-waiting")


def _open(path: Path) -> int:
    """A lock file opened (made when missing, private), or -1 when it cannot be."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError:
        return -1


def available(database_file: str) -> bool:
    """Whether the writers of this file line up (`join` made its queue file at the first
    write)."""
    path = queue_path(database_file)
    return fcntl is not None and path is not None and path.exists()


class Place:
    """A place in the queue, held until `leave()` (the file stays open until then)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def leave(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases its flock
            self._fd = -1


_held = threading.local()


def _held_files() -> set[str]:
    files = getattr(_held, "files", None)
    if files is None:
        files = _held.files = set()
    return files


@contextmanager
def holding(database_file: str, timeout: float) -> Iterator[None]:
    """This thread's turn, waited for as `join` does and kept for the whole block: the
    block's own writes (`join` in this thread) go ahead at once, every other writer of the
    file waits in line until the block ends. Raises TimeoutError as `join`."""
    place = join(database_file, timeout)
    files = _held_files()
    files.add(database_file)
    try:
        yield
    finally:
        files.discard(database_file)
        if place is not None:
            place.leave()


def join(database_file: str, timeout: float) -> Place | None:
    """Wait for this writer's turn (at most `timeout` seconds). Returns the place, or None
    when there is no queue for this file (the caller then just polls SQLite's lock). Raises
    TimeoutError when the turn did not come in time. Inside `holding` of the same file and
    thread the turn is already this writer's: a place that holds nothing of its own."""
    if database_file in _held_files():
        return Place(-1)
    if fcntl is None:
        return None
    path = queue_path(database_file)
    if path is None:
        return None
    fd = _open(path)
    if fd < 0:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return Place(fd)
    except BlockingIOError:
        pass
    except OSError:  # a file system without flock
        os.close(fd)
        return None
    announced = _announce(database_file)
    try:
        return _wait(fd, timeout)
    finally:
        if announced >= 0:
            os.close(announced)  # no longer waiting: its shared lock goes with the descriptor


def _announce(database_file: str) -> int:
    """Say that this writer waits: a shared lock on the waiting file, held until the returned
    descriptor is closed (-1: it could not be said; the holder then cannot see this writer
    and keeps to its short batches' pace only by the time it allows itself)."""
    path = waiting_path(database_file)
    if path is None:
        return -1
    fd = _open(path)
    if fd < 0:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a holder looks (a moment)
    except OSError:
        os.close(fd)
        return -1
    return fd


def someone_waiting(database_file: str) -> bool | None:
    """Whether another writer waits for its turn on this file (asked by the writer whose
    turn it is); None when that cannot be known (no queue here: Windows, a read-only folder,
    a database in memory): the caller then assumes one may."""
    if fcntl is None:
        return None
    path = waiting_path(database_file)
    if path is None or not available(database_file):
        return None
    fd = _open(path)
    if fd < 0:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)  # also releases the lock just taken
    return False


def _wait(fd: int, timeout: float) -> Place:
    """A blocking flock, woken by the kernel at the release; bounded by `timeout` through a
    helper thread (flock itself has no timeout). A helper whose caller gave up releases the
    lock as soon as it gets it."""
    got = threading.Event()
    guard = threading.Lock()
    state = {"abandoned": False}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        with guard:
            if state["abandoned"]:
                os.close(fd)
                return
            got.set()

    threading.Thread(target=wait, name="till-queue", daemon=True).start()
    if got.wait(timeout):
        return Place(fd)
    with guard:
        if got.is_set():
            return Place(fd)
        state["abandoned"] = True
    raise TimeoutError
