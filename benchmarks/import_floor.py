"""The floor of the import's writing (issue 19, item 3): the rows a 100,000-row customer list
adds — a customer, her consent, her opening lot and its ledger entry, two import origins —
inserted with plain `sqlite3.executemany` in one transaction into a copy of a shop, with no
check, no staging and no Python per row beyond building the tuples. What the import's own
writing (`benchmarks/import_profile.py`) costs beyond this is its staging, its batches and
its conversions; the check comes on top of both.

    python benchmarks/import_floor.py /tmp/big/l.db [rows]     # a shop made by `demo`
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = Path(tempfile.mkdtemp(prefix="olga-floor-"))
    try:
        copy = work / "shop.db"
        shutil.copy(sys.argv[1], copy)
        db = sqlite3.connect(copy, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-16000")  # as storage/db.py SQLITE_PRAGMAS
        first = db.execute("SELECT max(id) FROM customer").fetchone()[0] + 1
        first_lot = db.execute("SELECT max(id) FROM lot").fetchone()[0] + 1
        now = "2026-11-23 10:30:00"
        ids = range(first, first + count)
        rows = {
            "customer (id, first_name, last_name, salutation, phone, email, email_key, "
            "birthday, birthday_md, notes, language, registered_at, registered_by, first_key, "
            "first_key_de, last_key, last_key_de, phone_rev)": [
                (c, f"Imma{n}", "Import", "", f"+4999{n:09d}", f"imma{n}@example.org",
                 f"imma{n}@example.org", "1980-12-24", 1224, "", "de", now, "", f"imma{n}",
                 f"imma{n}", "import", "import", f"{n:09d}"[::-1] + "9994")
                for n, c in enumerate(ids)
            ],
            "consent (customer_id, purpose, given_at, method, text_id, text_version, "
            "recorded_by, source)": [
                (c, "data_processing", "2025-06-01 00:00:00", "paper_signed", 1, 1, "",
                 f"import i.xlsx row {n + 2}")
                for n, c in enumerate(ids)
            ],
            "lot (id, customer_id, kind, points, remaining, awarded_on, expires_on, "
            "created_at)": [
                (first_lot + n, c, "opening", 10, 10, "2026-11-23", "2027-11-23", now)
                for n, c in enumerate(ids)
            ],
            "ledger_entry (customer_id, kind, points, lot_id, created_at, staff, reason)": [
                (c, "opening", 10, first_lot + n, now, "", "opening balance from import")
                for n, c in enumerate(ids)
            ],
            "import_origin (customer_id, digest, source)": [
                (c, hashlib.sha256(f"{kind}{n}".encode()).hexdigest(), f"import i.xlsx row {n + 2}")
                for n, c in enumerate(ids)
                for kind in ("phone", "email")
            ],
        }  # fmt: skip
        print("load at start", os.getloadavg())
        began = time.perf_counter()
        db.execute("BEGIN")
        for table, values in rows.items():
            marks = ", ".join("?" * len(values[0]))
            started = time.perf_counter()
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            print(
                f"{table.split()[0]:14} {len(values):8} rows {time.perf_counter() - started:6.2f} s"
            )
        db.execute("COMMIT")
        print(f"all, with the commit {time.perf_counter() - began:6.2f} s")
        db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
