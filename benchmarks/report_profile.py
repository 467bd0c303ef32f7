"""`reports.compute` at shop scale, alone: CPU (of all its threads) and wall time, median of
5 after a warm-up, as `report_s` in benchmarks/run.py, on an existing shop (read only). TRACE=1 prints the CPU of every statement that takes 10 ms or more.

    python benchmarks/report_profile.py /tmp/big/l.db
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OLGA_LOYALTY_NOW", "2026-11-24T10:30:00+00:00")

from olga_loyalty.config import FixedClock  # noqa: E402
from olga_loyalty.services import reports  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402


def main() -> None:
    now = datetime.fromisoformat(os.environ["OLGA_LOYALTY_NOW"])
    shop = open_shop(sys.argv[1], FixedClock(now))
    print("load at start", os.getloadavg())
    if os.environ.get("TRACE"):
        plain = reports.fetch_rows

        def traced(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
            started = time.process_time()
            rows = plain(sql, params)
            took = time.process_time() - started
            if took >= 0.01:
                print(f"{took:6.3f} s  {sql[:100]}")
            return rows

        reports.fetch_rows = traced  # type: ignore[assignment]
    reports.compute(shop)  # warm-up
    walls, times = [], []
    for _ in range(5):
        wall, started = time.perf_counter(), time.process_time()
        reports.compute(shop)
        times.append(time.process_time() - started)
        walls.append(time.perf_counter() - wall)
    print("CPU", [round(t, 3) for t in times], "median", round(statistics.median(times), 3))
    print("wall", [round(t, 3) for t in walls], "median", round(statistics.median(walls), 3))
    print("load at end", os.getloadavg())


if __name__ == "__main__":
    main()
