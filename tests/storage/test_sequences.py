"""PostgreSQL id sequences follow the data (SPEC §10): after `demo`, a copy, any bulk insert,
and at open when something left them behind. On SQLite ids come from the table itself."""

from __future__ import annotations

import pytest

from olga_loyalty.services import demo
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import db as storage
from olga_loyalty.storage.db import close_database
from tests.conftest import POSTGRES, register


class Crash(BaseException):
    """The process stops here (as a kill would stop it)."""


pytestmark = pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's sequences")


def sql(url, statement):
    import psycopg2

    conn = psycopg2.connect(str(url))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
        rows = cursor.fetchall() if cursor.description else []
    conn.close()
    return rows


def test_a_sequence_left_behind_is_set_at_open(db_path, clock):
    """After an interrupted `demo` every later registration failed with a multi-line
    "IntegrityError duplicate key customer_pkey"."""
    shop = open_shop(str(db_path), clock)
    for n in range(3):
        register(shop, f"K{n}", "Kundin")
    close_database()
    sql(db_path, "SELECT setval(pg_get_serial_sequence('customer', 'id'), 1, false)")
    sql(db_path, "SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), 1, false)")
    shop = open_shop(str(db_path), clock)
    try:
        assert register(shop, "Neu", "Kundin").id == 4
        assert storage.repair_sequences() == []  # nothing behind any more
    finally:
        close_database()


def test_an_interrupted_demo_leaves_no_sequence_behind(shop, monkeypatch):
    write = demo._write
    calls = []

    def stop_after_two(rows):
        calls.append(1)
        if len(calls) == 3:
            raise Crash
        return write(rows)

    monkeypatch.setattr(demo, "_write", stop_after_two)
    with pytest.raises(Crash):
        demo.generate(shop, 30, batch_size=10)
    assert register(shop, "Nach", "Demo").id == 21  # no reopen needed
