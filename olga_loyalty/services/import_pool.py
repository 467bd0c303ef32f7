"""The import's row checks on every core (issue 19).

Each row of a customer list gets the registration form's whole check (phonenumbers' parse
and numbering plan, email-validator, names, birthday, control characters) and its keyed
hashes: about 0.1 ms a row, the same work for every row and independent of the others. A
big file is cut into chunks that worker processes check while this process reads the
results in file order; what depends on the rows before (the same phone twice in the file)
and on the database (registered, erased, imported before) is then decided by the caller,
row by row, exactly as for a small file, so the refusals and their order are the same.

The workers are separate interpreters (`spawn`: no copy of a process that has threads and
an open database), started while the file is still being read: starting one takes a few
tenths of a second, which a small file's whole check does not; so a file below
POOL_MIN_BYTES is checked in this process. If the workers cannot start or die (a script
that runs the import without `if __name__ == "__main__":`), the rest is checked here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

#: Files smaller than this are checked in this process (an .xlsx of ~5,000 rows).
POOL_MIN_BYTES = 200_000
#: Rows per task: big enough that sending them costs little, small enough to share evenly.
CHUNK_ROWS = 2500
#: At most this many worker processes (the machine's cores, when it has fewer).
MAX_WORKERS = 4


def worker_count(file_bytes: int) -> int:
    """How many worker processes check a file of this size: none for a small file or on a
    machine with one core."""
    cores = os.cpu_count() or 1
    if file_bytes < POOL_MIN_BYTES or cores < 2:
        return 0
    return min(cores, MAX_WORKERS)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (POSIX), which a pool's first queue starts,
    with an error output it can be given. It is handed `sys.stderr.fileno()`, and inside the
    terminal UI that is Textual's capture of printed text, whose fileno() is -1: starting a
    pool there failed with "bad value(s) in fds_to_keep" and the import screen's check of a
    big file did nothing. The tracker then writes to nowhere rather than into the screen."""
    if os.name != "posix":
        return
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        return
    from multiprocessing import resource_tracker  # only here: POSIX, and only for a pool

    with open(os.devnull, "w") as nowhere:
        shown, sys.stderr = sys.stderr, nowhere
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = shown


def _nothing() -> None:
    """The default warm-up: nothing to load."""


class Checkers:
    """The worker processes of one import check (a context manager). Made before the file
    is read, so that they start while it is read. A subclass names in `warm_up` what each
    worker loads at its start (a module-level function, sent by reference: the worker
    imports its module)."""

    warm_up = staticmethod(_nothing)

    def __init__(self, file_bytes: int) -> None:
        self.workers = worker_count(file_bytes)
        self._pool: ProcessPoolExecutor | None = None
        self._warm: list[Future[object]] = []
        if self.workers:
            try:
                _start_resource_tracker()
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("spawn")
                )
                self._warm = [self._pool.submit(type(self).warm_up) for _ in range(self.workers)]
            except (OSError, RuntimeError, ValueError):
                self._pool = None  # checked in this process, the same way

    def __enter__(self) -> Checkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_rows(
        self,
        check: Callable[[Sequence[Any], int, Any], Any],
        rows: Sequence[Sequence[Any]],
        context: Any,
        *,
        first_number: int = 2,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """(row number, `check(row, number, context)`) for every row, in file order. `check`
        must be a module-level function and `context` and the results plain data (tuples
        rather than objects: sent between processes in a fraction of the time pickle
        takes to write and rebuild each object), so that they can be sent to the workers."""
        total = len(rows)
        starts = list(range(0, total, CHUNK_ROWS))
        done = 0  # chunks yielded
        if self._pool is not None and len(starts) > 1:
            try:
                results = self._pool.map(
                    _check_chunk,
                    [check] * len(starts),
                    [context] * len(starts),
                    [first_number + start for start in starts],
                    [rows[start : start + CHUNK_ROWS] for start in starts],
                )
                for start, chunk in zip(starts, results, strict=True):
                    if progress:
                        progress(start, total)
                    for offset, result in enumerate(chunk):
                        yield first_number + start + offset, result
                    done += 1
            except (BrokenProcessPool, OSError, RuntimeError):
                pass  # the rest is checked here, the same way
        for start in starts[done:]:
            if progress:
                progress(start, total)
            first = first_number + start
            chunk = _check_chunk(check, context, first, rows[start : start + CHUNK_ROWS])
            for offset, result in enumerate(chunk):
                yield first + offset, result


def _check_chunk(
    check: Callable[[Sequence[Any], int, Any], Any],
    context: Any,
    first: int,
    rows: Sequence[Sequence[Any]],
) -> list[Any]:
    """One chunk, row by row (in a worker, or here)."""
    return [check(raw, first + offset, context) for offset, raw in enumerate(rows)]
