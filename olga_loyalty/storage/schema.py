"""The tables and columns each schema version has, exactly as the migrations make them: what
a backup of that version must hold before it may replace the shop's database.

The program does not keep a second description of its schema that could drift from the
migrations: it runs them, up to the version asked for, on a new file in a temporary folder,
in a child process (`python -m olga_loyalty.storage.schema VERSION` prints the result as
JSON), because the models of this process stay bound to the shop's open database.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from olga_loyalty.domain.errors import StorageError

Schema = dict[str, frozenset[str]]


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


@cache
def known_schema(version: int) -> Schema:
    """The tables and columns of schema `version` (cached for the life of the process)."""
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
    return {table: frozenset(columns) for table, columns in json.loads(done.stdout).items()}


def _print_schema(version: int) -> None:
    from olga_loyalty.config import Clock
    from olga_loyalty.storage import migrations
    from olga_loyalty.storage.db import close_database, open_database

    with tempfile.TemporaryDirectory(prefix="olga-schema-") as folder:
        path = Path(folder) / "schema.db"
        db = open_database(str(path), create_folder=True)
        try:
            migrations.migrate(Clock(), db, up_to=version)
        finally:
            close_database()
        with sqlite3.connect(path) as conn:
            schema = tables_and_columns(conn)
        conn.close()
    print(json.dumps({table: sorted(columns) for table, columns in schema.items()}))


if __name__ == "__main__":
    _print_schema(int(sys.argv[1]))
