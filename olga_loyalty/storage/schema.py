"""The schema each version has, exactly as the migrations make it: its tables and columns,
and every object of SQLite's schema (tables, indexes, triggers, views, by name and SQL): what
a backup of that version must hold, and nothing more, before it may replace the shop's
database. A trigger or view a backup brings along would run inside the shop (an `AFTER UPDATE
ON customer` trigger copied an erased customer's name into another table).

The program does not keep a second description of its schema that could drift from the
migrations: it runs them, up to the version asked for, on a new file in a temporary folder,
in a child process (`python -m olga_loyalty.storage.schema VERSION` prints the result as
JSON), because the models of this process stay bound to the shop's open database.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import StorageError
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import close_database, open_database

Schema = dict[str, frozenset[str]]
#: (type, name) of a schema object → the table it belongs to and its SQL, normalised.
Objects = dict[tuple[str, str], str]

#: The kinds of schema objects, in messages.
SCHEMA_OBJECT_LABELS = {"table": "table", "index": "index", "trigger": "trigger", "view": "view"}
#: SQLite's own tables: made and filled by SQLite itself (AUTOINCREMENT, ANALYZE / optimize).
SQLITE_OWN_TABLES = (
    "sqlite_sequence",
    "sqlite_stat1",
    "sqlite_stat2",
    "sqlite_stat3",
    "sqlite_stat4",
)


def tables_and_columns(conn: sqlite3.Connection) -> Schema:
    """Every table of a SQLite database (SQLite's own `sqlite_*` tables left out) with the
    names of its columns."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]
    return {
        table: frozenset(row[1] for row in conn.execute(f'PRAGMA table_info("{table}")'))
        for table in tables
    }


def schema_objects(conn: sqlite3.Connection) -> Objects:
    """Every object in `sqlite_master` (tables, indexes, triggers, views), with the table it
    belongs to and its SQL with runs of white space made one space. Left out: SQLite's own
    tables and the indexes it makes itself for UNIQUE and PRIMARY KEY constraints (they
    have no SQL of their own: they follow from their table's)."""
    objects = {}
    for kind, name, table, sql in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
    ):
        if kind == "table" and name in SQLITE_OWN_TABLES:
            continue
        if kind == "index" and sql is None and name.startswith("sqlite_autoindex_"):
            continue
        objects[(kind, name)] = f"{table}: {_normalised(sql)}"
    return objects


def _normalised(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def known_schema(version: int) -> Schema:
    """The tables and columns of schema `version` (cached for the life of the process)."""
    return _known(version)[0]


def known_objects(version: int) -> Objects:
    """Every schema object of version `version` (see `schema_objects`)."""
    return _known(version)[1]


@cache
def _known(version: int) -> tuple[Schema, Objects]:
    done = subprocess.run(
        [sys.executable, "-m", "olga_loyalty.storage.schema", str(version)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise StorageError(
            "Cannot work out schema {version} of Olga Loyalty: {reason}",
            version=version,
            reason=(done.stderr.strip().splitlines() or ["?"])[-1][:200],
        )
    found = json.loads(done.stdout)
    return (
        {table: frozenset(columns) for table, columns in found["tables"].items()},
        {(kind, name): sql for kind, name, sql in found["objects"]},
    )


def _print_schema(version: int) -> None:
    with tempfile.TemporaryDirectory(prefix="olga-schema-") as folder:
        path = Path(folder) / "schema.db"
        db = open_database(str(path), create_folder=True)
        try:
            migrations.migrate(Clock(), db, up_to=version)
        finally:
            close_database()
        with sqlite3.connect(path) as conn:
            schema = tables_and_columns(conn)
            objects = schema_objects(conn)
        conn.close()
    print(
        json.dumps(
            {
                "tables": {table: sorted(columns) for table, columns in schema.items()},
                "objects": [[kind, name, sql] for (kind, name), sql in sorted(objects.items())],
            }
        )
    )


if __name__ == "__main__":
    _print_schema(int(sys.argv[1]))
