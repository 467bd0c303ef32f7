"""`make bench` still runs (benchmarks/run.py with its till processes, benchmarks/tills.py):
a small shop, every key of the JSON line; no figure is asserted (speed is measured on a quiet
machine, never in a test). Issue 18 removed a service function the till script called, and
only the 100,000-customer run found it, after seven minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEYS = {
    "backend", "customers", "ledger_entries", "find_phone_ms", "find_suffix_ms",
    "find_surname_ms", "find_ratio_to_raw", "show_ms", "purchase_ms", "export_s",
    "export_ratio_to_bare", "import_s", "import_ratio_to_bare", "imported", "daily_s",
    "reminders_due", "reminders_due_s", "report_s", "tills4_purchase_p50_ms",
    "tills4_purchase_p99_ms", "tills4_busy", "tills4_refused", "startup_s",
    "startup_ratio_to_bare", "keystroke_ms", "rss_mb",
}  # fmt: skip


@pytest.mark.sqlite_only
def test_the_benchmark_runs_to_its_json_line(tmp_path):
    env = {**os.environ, "BENCH_CUSTOMERS": "300", "TMPDIR": str(tmp_path)}
    env.pop("OLGA_LOYALTY_DB", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= set(result), KEYS - set(result)
    assert (result["backend"], result["customers"], result["imported"]) == ("sqlite", 300, 300)
    assert (result["tills4_busy"], result["tills4_refused"]) == (0, 0)
