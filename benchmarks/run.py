"""`make bench` and `make bench-postgres`: Olga Loyalty at shop scale (issues 7 and 19).

Makes a fresh database with `demo` (BENCH_CUSTOMERS, default 100,000 customers with two years
of purchases), then measures the till's hot paths through the same services the UI calls,
each next to its physical limit measured in the same run, and four tills selling at once.
Prints a table, then one JSON object as the very last line.

    python benchmarks/run.py              # an SQLite file in a temporary folder
    python benchmarks/run.py --postgres   # a new database on the server named by
                                          # OLGA_TEST_POSTGRES (scripts/with_postgres.py)
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
#: Four tills at once: purchases per till; customers every till serves, and each till's own.
TILLS, TILL_PURCHASES, SHARED_CUSTOMERS, OWN_CUSTOMERS = 4, 250, 20, 100


def median_ms(func, inputs) -> float:
    for value in inputs[:20]:  # warm-up
        func(value)
    times = []
    for value in inputs:
        start = time.perf_counter()
        func(value)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Raw:
    """The driver itself (sqlite3 or psycopg2), for the physical limits: statements written
    with `?`, nothing built around them."""

    def __init__(self, location: str, backend: str) -> None:
        if backend == "sqlite":
            self.conn, self.mark = sqlite3.connect(location), "?"
        else:
            import psycopg2

            self.conn, self.mark = psycopg2.connect(location), "%s"
            self.conn.autocommit = True

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        cursor = self.conn.cursor()
        cursor.execute(sql.replace("?", self.mark) if self.mark != "?" else sql, params)
        return cursor.fetchall()

    def close(self) -> None:
        self.conn.close()


def median_s(func, runs: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def four_tills(raw: Raw, location: str, clock: FixedClock, rng: random.Random) -> dict:
    """Four till processes start at the same moment, each recording TILL_PURCHASES purchases
    with a redemption of 100 points as fast as it can (benchmarks/tills.py): each on its own
    customers and on SHARED_CUSTOMERS every till serves. The wall time of every purchase,
    waits for another till included; "busy" refusals are counted (they must be 0)."""
    rich = [
        row[0]
        for row in raw.rows(
            "SELECT customer_id FROM lot WHERE remaining > 0 AND expires_on >= ? "
            "GROUP BY customer_id HAVING SUM(remaining) >= 400 ORDER BY customer_id",
            (clock.today().isoformat(),),
        )
    ]
    rng.shuffle(rich)
    shared, rest = rich[:SHARED_CUSTOMERS], rich[SHARED_CUSTOMERS:]
    own = max(1, min(OWN_CUSTOMERS, len(rest) // TILLS))
    env = {**os.environ, "OLGA_LOYALTY_NOW": clock.now().isoformat()}
    tills = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("tills.py")), location]
            + [",".join(map(str, shared + rest[n * own : (n + 1) * own]))]
            + [str(TILL_PURCHASES), str(n + 1)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(TILLS)
    ]
    for till in tills:  # each has opened the shop
        if till.stdout.readline().strip() != "ready":
            raise SystemExit("a till did not start")
    for till in tills:
        till.stdin.write("go\n")
        till.stdin.flush()
    done = [json.loads(till.communicate(timeout=600)[0].strip().splitlines()[-1]) for till in tills]
    times = sorted(t for result in done for t in result["times_ms"])
    return {
        "tills4_purchase_p50_ms": statistics.median(times),
        "tills4_purchase_p99_ms": statistics.quantiles(times, n=100, method="inclusive")[98],
        "tills4_busy": sum(result["busy"] for result in done),
        "tills4_refused": sum(result["refused"] for result in done),
    }


def raw_find(raw: Raw, today: str, window_start: str):
    """The physical limit: the same index range and the same balance/tier aggregates, in the
    plain driver, with nothing built around them."""

    def run(where: str, params: tuple):
        rows = raw.rows(
            f"SELECT id, first_name, last_name, phone FROM customer WHERE {where} AND erased_at IS NULL "
            "LIMIT 50",
            params,
        )
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        if ids:
            raw.rows(
                f"SELECT customer_id, SUM(remaining), MIN(expires_on) FROM lot WHERE customer_id IN ({marks}) "
                "AND remaining > 0 AND expires_on >= ? GROUP BY customer_id",
                (*ids, today),
            )
            raw.rows(
                f"SELECT customer_id, SUM(paid) FROM purchase WHERE customer_id IN ({marks}) "
                "AND created_at > ? GROUP BY customer_id",
                (*ids, window_start),
            )
        return rows

    return run


def main() -> None:
    count = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
    backend = "postgresql" if "--postgres" in sys.argv[1:] else "sqlite"
    work = Path(tempfile.mkdtemp(prefix="olga-bench-"))
    server = None
    try:
        if backend == "sqlite":
            location = str(work / "bench.db")
        else:
            server = os.environ.get("OLGA_TEST_POSTGRES")
            if not server:
                sys.exit("--postgres needs OLGA_TEST_POSTGRES (make bench-postgres sets it)")
            location = server_database(server, "olga_bench", create=True)
        measure(work, location, backend, count)
    finally:
        # the database and the files are ~450 MB at 100,000 customers; BENCH_KEEP=1 keeps them
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
            if server:
                server_database(server, "olga_bench", create=False)


def server_database(server: str, name: str, *, create: bool) -> str:
    """A new, empty database on the PostgreSQL server (dropped first if a run left one), or
    (create=False) dropped. Returns its URL."""
    import psycopg2

    conn = psycopg2.connect(server)
    conn.autocommit = True
    try:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.cursor().execute(f"CREATE DATABASE {name}")
    finally:
        conn.close()
    return server.rsplit("/", 1)[0] + "/" + name


def measure(work: Path, location: str, backend: str, count: int) -> None:
    clock = FixedClock(datetime.fromisoformat(NOW))
    load_before = os.getloadavg()[0]
    shop = open_shop(location, clock)
    started = time.perf_counter()
    made = demo.generate(shop, count, seed=42)
    demo_s = time.perf_counter() - started
    from dataclasses import replace

    shop.save_settings(replace(shop.settings, name="Bench", language="en", setup_done=True))
    rng = random.Random(1)
    raw = Raw(location, backend)
    if backend == "postgresql":
        # What autovacuum does by itself a minute after a bulk load: the planner's statistics
        # and the visibility map (index-only scans) are up to date.
        raw.conn.cursor().execute("VACUUM ANALYZE")
    people = raw.rows("SELECT id, phone, last_key FROM customer ORDER BY id")
    sample = rng.sample(people, min(QUERIES, len(people)))
    phones = [p[1] for p in sample]
    suffixes = [p[1][-4:] for p in sample]
    prefixes = [p[2][:3] for p in sample]
    ledger_entries = raw.rows("SELECT COUNT(*) FROM ledger_entry")[0][0]
    results: dict = {
        "backend": backend,
        "customers": made["customers"],
        "ledger_entries": ledger_entries,
    }

    results["find_phone_ms"] = median_ms(lambda q: customers.find(shop, q), phones)
    results["find_suffix_ms"] = median_ms(lambda q: customers.find(shop, q), suffixes)
    results["find_surname_ms"] = median_ms(lambda q: customers.find(shop, q), prefixes)
    today = clock.today().isoformat()
    window = (
        clock.now().replace(tzinfo=None) - __import__("datetime").timedelta(days=365)
    ).isoformat(" ")
    plain = raw_find(raw, today, window)
    raw_phone = median_ms(lambda q: plain("phone = ?", (q,)), phones)
    raw_suffix = median_ms(
        lambda q: plain("phone_rev >= ? AND phone_rev < ?", (q[::-1], q[::-1] + "\uffff")),
        suffixes,
    )
    raw_surname = median_ms(
        lambda q: plain("last_key >= ? AND last_key < ?", (q, q + "\uffff")), prefixes
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
        for row in raw.rows(
            "SELECT customer_id FROM lot WHERE remaining > 0 AND expires_on >= ? GROUP BY customer_id "
            "HAVING SUM(remaining) >= 150 ORDER BY customer_id LIMIT 400",
            (today,),
        )
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
    from olga_loyalty.services import reports

    results["report_s"] = median_s(lambda: reports.compute(shop), 5)
    results.update(four_tills(raw, location, clock, rng))
    close_database()
    if backend == "sqlite":
        raw.rows("PRAGMA wal_checkpoint(TRUNCATE)")  # as after a day's close: no WAL left over
    raw.close()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OLGA_LOYALTY_NOW": NOW}
    probe = str(Path(__file__).with_name("startup_probe.py"))

    def startup(mode: str) -> float:
        times = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, probe, mode, location],
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
        [sys.executable, probe, "keys", location, keys],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    probe_result = json.loads(out.strip().splitlines()[-1])
    results["keystroke_ms"] = statistics.median(probe_result["keystroke_ms"])
    results["rss_mb"] = probe_result["rss_mb"]
    results["demo_s"] = demo_s
    results["load_start"], results["load_end"] = load_before, os.getloadavg()[0]

    print(f"{'measure':<24}{'value':>14}")
    for key, value in results.items():
        print(f"{key:<24}{value:>14.3f}" if isinstance(value, float) else f"{key:<24}{value:>14}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
