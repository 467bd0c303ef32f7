from __future__ import annotations

import itertools
import os
import sqlite3
import time
from datetime import datetime

import pytest
from hypothesis import settings

# No time limit per example: speed is measured by the benchmark (make bench), never asserted
# in a unit test; hypothesis's default 200 ms deadline failed on a loaded machine when the
# first example paid for a lazy import (anyascii's tables).
settings.register_profile("olga", deadline=None)
settings.load_profile("olga")

os.environ.setdefault("OLGA_LOYALTY_LANG", "en")
os.environ["TZ"] = "UTC"  # screens and outputs show local times: make them the same everywhere
time.tzset()

from olga_loyalty.config import FixedClock  # noqa: E402
from olga_loyalty.domain.customers import CustomerInput  # noqa: E402
from olga_loyalty.services import customers  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402
from olga_loyalty.storage.db import close_database  # noqa: E402

START = datetime.fromisoformat("2026-01-10T10:00:00+01:00")

#: The XDG variables that would move platformdirs' folders away from HOME.
XDG_VARIABLES = (
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DOCUMENTS_DIR",
    "XDG_DESKTOP_DIR",
    "OLGA_LOYALTY_DB",
)


@pytest.fixture(autouse=True)
def user_home(tmp_path_factory, monkeypatch):
    """Every test runs as an installed program would, in an empty home folder: platformdirs'
    folders are under a temporary HOME and the package does not count as a source checkout,
    so no test writes into the checkout's data/ and exports/ (or the real home)."""
    from olga_loyalty import logs, paths

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in XDG_VARIABLES + ("DISPLAY", "WAYLAND_DISPLAY"):  # no file manager either
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(paths, "PACKAGE_DIR", home / "site-packages" / "olga_loyalty")
    yield home
    logs.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


#: `make test-postgres` sets this to a throwaway server (scripts/with_postgres.py); every
#: test then gets its own new database on it instead of a SQLite file.
POSTGRES = os.environ.get("OLGA_TEST_POSTGRES", "")
_numbers = itertools.count()


def fresh_database(tmp_path, name: str = "loyalty.db"):
    """Where a test keeps its shop: a new SQLite file, or a new database on the test server."""
    if not POSTGRES:
        return tmp_path / name
    import psycopg2

    database = f"t{os.getpid()}_{next(_numbers)}"
    admin = psycopg2.connect(POSTGRES)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    return POSTGRES.rsplit("/", 1)[0] + "/" + database


def dump_database(location) -> list:
    """Every row of every table, in a fixed order: "nothing was written" is dump == dump."""
    if not POSTGRES:
        with sqlite3.connect(location) as conn:
            return list(conn.iterdump())
    import psycopg2

    conn = psycopg2.connect(str(location))
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
            tables = [name for (name,) in cursor.fetchall()]
            rows = []
            for table in tables:
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
                rows.append((table, [tuple(map(str, row)) for row in cursor.fetchall()]))
            return rows
    finally:
        conn.close()


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + POSTGRES if POSTGRES else 'SQLite files'}"


def pytest_collection_modifyitems(config, items):
    if not POSTGRES:
        return
    skip = pytest.mark.skip(reason="about the SQLite file itself (backups, crashes, the file)")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture
def db_path(tmp_path):
    return fresh_database(tmp_path)


@pytest.fixture
def shop(db_path, clock):
    shop = open_shop(str(db_path), clock)
    yield shop
    close_database()


PHONES = iter(range(10_000_000, 99_999_999))


def new_phone() -> str:
    return f"0151 {next(PHONES)}"


def register(
    shop, first="Anna", last="Müller", phone=None, consents=("data_processing",), **fields
):
    data = CustomerInput(first_name=first, last_name=last, phone=phone or new_phone(), **fields)
    return customers.register(shop, data, consents=set(consents), staff="Olga").customer
