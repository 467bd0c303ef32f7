"""Read-only jobs side by side (storage/parallel.py, the reports): each on its own
connection, closed (or given back to PostgreSQL's pool) when the job ends; an error of one
job is raised to the caller; the results come back by the jobs' names."""

from __future__ import annotations

import threading

import pytest

from olga_loyalty.storage import parallel
from olga_loyalty.storage.db import fetch_rows
from olga_loyalty.storage.models import database


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)


def test_the_jobs_read_on_their_own_threads_and_give_their_results_by_name(shop, two_cores):
    seen = {}

    def job(name, sql):
        def read():
            seen[name] = threading.current_thread().name
            return fetch_rows(sql)[0][0]

        return read

    results = parallel.read_side_by_side(
        {
            "one": job("one", "SELECT 1"),
            "two": job("two", "SELECT 2"),
            "three": job("three", "SELECT 3"),
        }
    )
    assert results == {"one": 1, "two": 2, "three": 3}
    assert list(results) == ["one", "two", "three"]
    assert all(thread.startswith("olga-read") for thread in seen.values())
    assert not database.is_closed()  # the caller's own connection is left as it was


def test_each_job_closes_its_connection(shop, two_cores, monkeypatch):
    closed = []

    def read():
        fetch_rows("SELECT 1")
        assert not database.is_closed()  # this thread's connection is open ...
        return threading.current_thread()

    original = database.obj.close

    def close():
        closed.append(threading.current_thread().name)
        return original()

    monkeypatch.setattr(database.obj, "close", close)
    parallel.read_side_by_side({"a": read, "b": read})
    assert len(closed) == 2 and all(name.startswith("olga-read") for name in closed)


def test_an_error_of_one_job_is_raised_to_the_caller(shop, two_cores):
    def broken():
        fetch_rows("SELECT no_such_column FROM customer")

    with pytest.raises(Exception, match="no_such_column"):
        parallel.read_side_by_side({"good": lambda: fetch_rows("SELECT 1"), "broken": broken})


def test_one_core_reads_in_the_callers_thread(shop, monkeypatch):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    caller = threading.current_thread().name
    assert parallel.read_side_by_side({"a": lambda: threading.current_thread().name}) == {
        "a": caller
    }
