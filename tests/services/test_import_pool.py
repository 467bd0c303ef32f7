"""The import's row checks on every core (services/import_pool.py, issue 19): a file checked
by the worker processes gives exactly the report of the same file checked in one process —
the same good rows in file order, the same refusals with the same reasons at the same rows
(a bad phone, a bad email, the same phone twice, a birthday that is no date), the same
cleaned control characters."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from olga_loyalty.services import import_pool, imports
from tests.conftest import register

ROWS = 6000  # three chunks of CHUNK_ROWS


def mixed_list(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["Vorname", "Nachname", "Handy", "E-Mail", "Geburtstag", "Punkte"])
        for n in range(ROWS):
            phone = f"0152 {10_000_000 + n}"
            email = f"k{n}@example.com"
            first, birthday = f"Vor{n}", "24.12.1980"
            if n % 7 == 3:
                phone = "12"  # not a phone number
            if n % 11 == 5:
                email = "kein-at.example.com"
            if n % 13 == 9:
                phone = f"0152 {10_000_000 + n - 1}"  # the row before's phone again
            if n % 17 == 2:
                first = f"Vor\x07{n}"  # a control character: removed and counted
            if n % 19 == 4:
                birthday = "31.02.1980"
            if n == 4321:
                phone = "0151 1234 5678"  # Anna's: registered already
            out.writerow([first, f"Nach{n}", phone, email, birthday, n % 5])


def summary(report: imports.ImportReport) -> tuple:
    return (
        report.total,
        report.empty,
        report.cleaned_cells,
        [(r.row, r.data, sorted(r.consents), r.points, r.digests) for r in report.good],
        [(row, type(error).__name__, str(error)) for row, error in report.refused],
        [(row, str(note)) for row, note in report.notes],
    )


def test_the_pool_checks_a_file_exactly_as_one_process_does(shop, tmp_path, monkeypatch):
    register(shop, "Anna", "Kasse", phone="0151 1234 5678")
    sheet = tmp_path / "kunden.csv"
    mixed_list(sheet)
    used = []
    made = import_pool.Checkers.__init__

    def spy(self, file_bytes):
        made(self, file_bytes)
        used.append(self._pool is not None)

    monkeypatch.setattr(import_pool.Checkers, "__init__", spy)
    monkeypatch.setattr(import_pool, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(import_pool.os, "cpu_count", lambda: 2)
    pooled = imports.check_file(shop, sheet)
    monkeypatch.setattr(import_pool, "worker_count", lambda file_bytes: 0)
    alone = imports.check_file(shop, sheet)
    assert used == [True, False]
    assert summary(pooled) == summary(alone)
    # and the rules did refuse: every kind of bad row is there, in file order
    reasons = [str(error) for _, error in pooled.refused]
    assert len(pooled.good) + len(pooled.refused) + pooled.empty == ROWS
    assert [row for row, _ in pooled.refused] == sorted(row for row, _ in pooled.refused)
    assert [r.row for r in pooled.good] == sorted(r.row for r in pooled.good)
    assert any("12" in text for text in reasons)
    assert pooled.cleaned_cells > 0 and len(pooled.refused) > ROWS // 5


def test_the_pool_starts_inside_the_terminal_ui(tmp_path):
    """Inside the UI, printed text is captured by an object whose fileno() is -1 (Textual's),
    which multiprocessing's resource tracker is handed at its start: before, the pool failed
    with "bad value(s) in fds_to_keep" and the import screen's check of a big file was done
    by one core, or not at all. A fresh interpreter, since the tracker starts once per
    process; the rows are checked by the workers (their process ids), in file order."""
    script = tmp_path / "in_the_ui.py"
    script.write_text(
        "import os, sys\n"
        "from olga_loyalty.services import import_pool\n"
        "class Captured:\n"
        "    def write(self, text): return len(text)\n"
        "    def flush(self): pass\n"
        "    def fileno(self): return -1\n"
        "def where(raw, number, context):\n"
        "    return number, raw[0], os.getpid()\n"
        "def main():\n"
        "    real, sys.stderr = sys.stderr, Captured()\n"
        "    try:\n"
        "        with import_pool.Checkers(10_000_000) as checkers:\n"
        "            rows = [[n] for n in range(3 * import_pool.CHUNK_ROWS)]\n"
        "            out = list(checkers.map_rows(where, rows, None))\n"
        "    finally:\n"
        "        sys.stderr = real\n"
        "    in_order = [number for number, _ in out] == list(range(2, len(rows) + 2))\n"
        "    pids = {pid for _, (_, _, pid) in out}\n"
        "    print(len(out), in_order, os.getpid() not in pids)\n"
        "if __name__ == '__main__':\n"
        "    main()\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.stdout.split() == ["7500", "True", "True"]
