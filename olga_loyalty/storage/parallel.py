"""Independent read-only statements on several cores at once (the reports, issue 19 item 5).

The database drivers let go of Python's global lock while a statement runs (SQLite's
`sqlite3_step`, psycopg2 waiting for the server), so statements on separate connections in
separate threads run side by side. Each thread reads through its own connection, taken when
its first statement runs and closed (or, on PostgreSQL, given back to the pool) when its job
ends. As before, each statement sees the database as it is when it runs: a report read while
a till sells may count that sale in one figure and not yet in another.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from olga_loyalty.storage.models import database

#: More threads than this gain nothing for the reports' few statements.
MOST_THREADS = 4


def threads_for(jobs: int) -> int:
    return max(1, min(jobs, os.cpu_count() or 1, MOST_THREADS))


def read_side_by_side(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each job (a function that only reads) on its own connection, up to one thread per
    core; the results by the jobs' names. Jobs are started in the order given: put the
    longest first. An error of a job is raised here, after every job has ended."""
    workers = threads_for(len(jobs))
    if workers == 1:
        return {name: job() for name, job in jobs.items()}

    def alone(job: Callable[[], Any]) -> Any:
        try:
            return job()
        finally:
            database.close()  # this thread's connection (peewee keeps one per thread)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="olga-read") as pool:
        futures = {name: pool.submit(alone, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}
