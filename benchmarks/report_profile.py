"""`reports.compute` at shop scale, alone: CPU (of all its threads) and wall time, median of
5 after a warm-up, as `report_s` in benchmarks/run.py, on an existing shop (read only). TRACE=1 prints the CPU of every statement that takes 10 ms or more.

    python benchmarks/report_profile.py /tmp/big/l.db
    PARTS=1 python benchmarks/report_profile.py /tmp/big/l.db   # side by side vs one after another
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
    if os.environ.get("PARTS"):
        compare_parts(shop)
        return
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


def compare_parts(shop: Any) -> None:
    """PARTS=1: the report's parts side by side (as shipped) and one after another in this
    thread, five times each in turn after a warm-up, with each part's own CPU."""
    side_by_side = reports.read_side_by_side
    parts: dict[str, list[float]] = {}

    def timed(jobs: dict[str, Any]) -> dict[str, Any]:
        def wrap(name: str, job: Any) -> Any:
            def run() -> Any:
                started = time.thread_time()
                try:
                    return job()
                finally:
                    parts.setdefault(name, []).append(time.thread_time() - started)

            return run

        return side_by_side({name: wrap(name, job) for name, job in jobs.items()})

    def one_after_another(jobs: dict[str, Any]) -> dict[str, Any]:
        return {name: job() for name, job in jobs.items()}

    ways = {"side by side": timed, "one after another": one_after_another}
    walls: dict[str, list[float]] = {way: [] for way in ways}
    for run in ways.values():
        reports.read_side_by_side = run  # type: ignore[assignment]
        reports.compute(shop)  # warm-up
    for _ in range(5):
        for way, run in ways.items():
            reports.read_side_by_side = run  # type: ignore[assignment]
            started = time.perf_counter()
            reports.compute(shop)
            walls[way].append(time.perf_counter() - started)
    reports.read_side_by_side = side_by_side  # type: ignore[assignment]
    for way, times in walls.items():
        print(
            f"{way:18} wall median {statistics.median(times):.3f} s", [round(t, 3) for t in times]
        )
    for name, times in parts.items():
        print(f"  part {name:8} CPU median {statistics.median(times):.3f} s")
    print("load at end", os.getloadavg())


if __name__ == "__main__":
    main()
