"""The import at shop scale, alone: CPU of the importing process and of its pool workers next
to the bare pass of `benchmarks/run.py` (openpyxl read-only + a phone parse per row), on a
copy of an existing shop, so that it can be repeated without making the shop again.

    olga-loyalty --db /tmp/big/l.db demo --customers 100000      # once
    python benchmarks/import_profile.py /tmp/big/l.db [rows]     # PROFILE=1 adds cProfile

On a loaded machine only the CPU seconds mean something; the load average is printed.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOW = "2026-11-23T10:30:00+00:00"
os.environ["OLGA_LOYALTY_NOW"] = NOW

import phonenumbers  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from olga_loyalty.config import FixedClock  # noqa: E402
from olga_loyalty.services import imports  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    shop_file = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = Path(tempfile.mkdtemp(prefix="olga-import-"))
    try:
        sheet = work / "import.xlsx"
        book = Workbook(write_only=True)
        ws = book.create_sheet()
        ws.append(["Vorname", "Nachname", "Telefon", "E-Mail", "Geburtstag", "Punkte"])
        for n in range(count):  # as benchmarks/run.py
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
        book.save(sheet)
        copy = work / "shop.db"
        shutil.copy(shop_file, copy)
        print("load at start", os.getloadavg())
        wall, cpu = time.perf_counter(), time.process_time()
        for row in load_workbook(sheet, read_only=True).active.iter_rows(
            min_row=2, values_only=True
        ):
            phonenumbers.parse(str(row[2]), "DE")
        bare_wall, bare_cpu = time.perf_counter() - wall, time.process_time() - cpu
        shop = open_shop(str(copy), FixedClock(datetime.fromisoformat(NOW)))
        profile = cProfile.Profile() if os.environ.get("PROFILE") else None
        workers = children_cpu()
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        report = imports.check_file(shop, sheet, consented_on="2025-06-01")
        checked = time.perf_counter() - wall
        imports.import_rows(shop, report)
        if profile:
            profile.disable()
        import_wall, import_cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"bare pass        {bare_wall:8.2f} s wall {bare_cpu:8.2f} s CPU")
        print(f"import           {import_wall:8.2f} s wall {import_cpu:8.2f} s CPU (this process)")
        print(f"  of it the check {checked:7.2f} s wall")
        print(f"  pool workers                   {children_cpu() - workers:8.2f} s CPU")
        print(f"imported {report.imported}; wall ratio {import_wall / bare_wall:.2f}")
        print("load at end", os.getloadavg())
        if profile and os.environ["PROFILE"] not in ("", "1"):
            profile.dump_stats(os.environ["PROFILE"])  # PROFILE=file: kept for pstats
        elif profile:
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
