"""`make bench`: Olga Loyalty at shop scale (issue 7).

Makes a fresh database with `demo` (BENCH_CUSTOMERS, default 100,000 customers with two years
of purchases), then measures the till's hot paths through the same services the UI calls,
each next to its physical limit measured in the same run. Prints a table, then one JSON
object as the very last line.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOW = "2026-11-23T10:30:00+00:00"
os.environ["OLGA_LOYALTY_NOW"] = NOW

from olga_loyalty.config import FixedClock  # noqa: E402
from olga_loyalty.services import customers, demo, newsletter, points  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402
from olga_loyalty.storage.db import close_database  # noqa: E402

QUERIES = 200


def median_ms(func, inputs) -> float:
    for value in inputs[:20]:  # warm-up
        func(value)
    times = []
    for value in inputs:
        start = time.perf_counter()
        func(value)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def raw_find(conn, today: str, window_start: str):
    """The physical limit: the same index range and the same balance/tier aggregates, in plain
    sqlite3, with nothing built around them."""

    def run(where: str, params: tuple):
        rows = conn.execute(
            f"SELECT id, first_name, last_name, phone FROM customer WHERE {where} AND erased_at IS NULL "
            "LIMIT 50",
            params,
        ).fetchall()
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        if ids:
            conn.execute(
                f"SELECT customer_id, SUM(remaining), MIN(expires_on) FROM lot WHERE customer_id IN ({marks}) "
                "AND remaining > 0 AND expires_on >= ? GROUP BY customer_id",
                (*ids, today),
            ).fetchall()
            conn.execute(
                f"SELECT customer_id, SUM(paid) FROM purchase WHERE customer_id IN ({marks}) "
                "AND created_at > ? GROUP BY customer_id",
                (*ids, window_start),
            ).fetchall()
        return rows

    return run


def main() -> None:
    count = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
    work = Path(tempfile.mkdtemp(prefix="olga-bench-"))
    try:
        measure(work, count)
    finally:
        # the database and the files are ~450 MB at 100,000 customers; BENCH_KEEP=1 keeps them
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, count: int) -> None:
    db_path = work / "bench.db"
    clock = FixedClock(datetime.fromisoformat(NOW))
    shop = open_shop(str(db_path), clock)
    started = time.perf_counter()
    made = demo.generate(shop, count, seed=42)
    demo_s = time.perf_counter() - started
    from dataclasses import replace

    shop.save_settings(replace(shop.settings, name="Bench", language="en", setup_done=True))
    rng = random.Random(1)
    conn = sqlite3.connect(db_path)
    people = conn.execute("SELECT id, phone, last_key FROM customer").fetchall()
    sample = rng.sample(people, min(QUERIES, len(people)))
    phones = [p[1] for p in sample]
    suffixes = [p[1][-4:] for p in sample]
    prefixes = [p[2][:3] for p in sample]
    ledger_entries = conn.execute("SELECT COUNT(*) FROM ledger_entry").fetchone()[0]
    results: dict = {"customers": made["customers"], "ledger_entries": ledger_entries}

    results["find_phone_ms"] = median_ms(lambda q: customers.find(shop, q), phones)
    results["find_suffix_ms"] = median_ms(lambda q: customers.find(shop, q), suffixes)
    results["find_surname_ms"] = median_ms(lambda q: customers.find(shop, q), prefixes)
    today = clock.today().isoformat()
    window = (
        clock.now().replace(tzinfo=None) - __import__("datetime").timedelta(days=365)
    ).isoformat(" ")
    raw = raw_find(conn, today, window)
    raw_phone = median_ms(lambda q: raw("phone = ?", (q,)), phones)
    raw_suffix = median_ms(
        lambda q: raw("phone_rev >= ? AND phone_rev < ?", (q[::-1], q[::-1] + "\uffff")), suffixes
    )
    raw_surname = median_ms(
        lambda q: raw("last_key >= ? AND last_key < ?", (q, q + "\uffff")), prefixes
    )
    results["find_ratio_to_raw"] = max(
        results["find_phone_ms"] / raw_phone,
        results["find_suffix_ms"] / raw_suffix,
        results["find_surname_ms"] / raw_surname,
    )
    ids = [p[0] for p in sample]
    results["show_ms"] = median_ms(lambda cid: customers.card(shop, cid, 20), ids)

    buyers = [
        row[0]
        for row in conn.execute(
            "SELECT customer_id FROM lot WHERE remaining > 0 AND expires_on >= ? GROUP BY customer_id "
            "HAVING SUM(remaining) >= 150 LIMIT 400",
            (today,),
        ).fetchall()
    ]
    rng.shuffle(buyers)

    def purchase(cid):
        points.record_purchase(shop, cid, Decimal("80.00"), redeem=100)

    results["purchase_ms"] = median_ms(purchase, buyers[: QUERIES + 20])

    # export of every consented customer vs. a bare openpyxl write-only dump of the same rows
    export_dir = work / "exports"
    start = time.perf_counter()
    exported = newsletter.export(shop, "email", "all", folder=export_dir)
    results["export_s"] = time.perf_counter() - start
    from openpyxl import Workbook, load_workbook

    rows = list(load_workbook(exported.path, read_only=True).active.iter_rows(values_only=True))
    start = time.perf_counter()
    bare = Workbook(write_only=True)
    sheet = bare.create_sheet()
    for row in rows:
        sheet.append(row)
    bare.save(work / "bare.xlsx")
    results["export_ratio_to_bare"] = results["export_s"] / (time.perf_counter() - start)

    # import of a customer list of `count` rows vs. a bare openpyxl read-only pass + phonenumbers
    import phonenumbers

    sheet_path = work / "import.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Vorname", "Nachname", "Telefon", "E-Mail", "Geburtstag", "Punkte"])
    for n in range(count):
        ws.append(
            [
                f"Imma{n}",
                "Import",
                f"+49170{7_000_000 + n:08d}",
                f"imma{n}@example.org",
                "24.12.1980",
                10,
            ]
        )
    wb.save(sheet_path)
    start = time.perf_counter()
    for row in load_workbook(sheet_path, read_only=True).active.iter_rows(
        min_row=2, values_only=True
    ):
        phonenumbers.parse(str(row[2]), "DE")
    bare_import = time.perf_counter() - start
    from olga_loyalty.services import imports

    start = time.perf_counter()
    report = imports.check_file(shop, sheet_path, consented_on="2025-06-01")
    imports.import_rows(shop, report)
    results["import_s"] = time.perf_counter() - start
    results["import_ratio_to_bare"] = results["import_s"] / bare_import
    results["imported"] = report.imported

    clock.advance(days=1)
    start = time.perf_counter()
    points.daily(shop)
    results["daily_s"] = time.perf_counter() - start
    from olga_loyalty.services import reminders

    reminders.due(shop)  # warm-up
    start = time.perf_counter()
    results["reminders_due"] = len(reminders.due(shop))
    results["reminders_due_s"] = time.perf_counter() - start
    close_database()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as after a day's close: no WAL left over
    conn.close()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OLGA_LOYALTY_NOW": NOW}
    probe = str(Path(__file__).with_name("startup_probe.py"))

    def startup(mode: str) -> float:
        times = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, probe, mode, str(db_path)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times.append(json.loads(out.strip().splitlines()[-1])["startup_s"])
        return statistics.median(times)

    results["startup_s"] = startup("app")
    results["startup_ratio_to_bare"] = results["startup_s"] / startup("bare")
    keys = ",".join(prefixes[:30] + suffixes[:30])
    out = subprocess.run(
        [sys.executable, probe, "keys", str(db_path), keys],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    probe_result = json.loads(out.strip().splitlines()[-1])
    results["keystroke_ms"] = statistics.median(probe_result["keystroke_ms"])
    results["rss_mb"] = probe_result["rss_mb"]
    results["demo_s"] = demo_s

    print(f"{'measure':<24}{'value':>14}")
    for key, value in results.items():
        print(f"{key:<24}{value:>14.3f}" if isinstance(value, float) else f"{key:<24}{value:>14}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
