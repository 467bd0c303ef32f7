"""A decided import is finished by another process only when its writer is gone (docs/
reliability.md, "Imports"): a daily run, a check or another import leaves a run that its
importer is still writing alone, and finishes one whose importer was killed at once; a
re-import after a crash tells that it finished the earlier import first, and refuses the
rows as registered, not as "registered at another till meanwhile". On SQLite and PostgreSQL
(`make test-postgres`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from olga_loyalty.config import FixedClock
from olga_loyalty.services import imports, points
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import Customer, ImportRun, StagedRow
from tests.conftest import START, fresh_database
from tests.reliability.test_crash_and_tills import check_database
from tests.services.test_import_batches import customer_list

ROOT = Path(__file__).resolve().parents[2]
ROWS = 12  # 3 a batch: paused after 6


@pytest.fixture(autouse=True)
def _closed():
    yield
    close_database()


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OLGA_LOYALTY_NOW": "2026-01-10T10:00"}


def cli(db, *argv: str, refused: str = "") -> subprocess.CompletedProcess:
    """The command line in a process of its own; it must succeed and print no error (or,
    with `refused`, exit 1 with that error: every row of a file refused)."""
    done = subprocess.run(
        [sys.executable, "-m", "olga_loyalty", "--db", str(db), *argv],
        env=env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == ((1, refused) if refused else (0, ""))
    return done


def start_paused_importer(tmp_path: Path, how: str = "service"):
    """A shop, a customer list of ROWS rows, and an importer in a child process that has
    written its first two batches and waits; its database closed here. `how`: through the
    service, or `cli`, the command line."""
    db = fresh_database(tmp_path)
    open_shop(str(db), FixedClock(START))
    close_database()
    sheet = customer_list(tmp_path, ROWS)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.importer",
            str(db),
            str(sheet),
            str(tmp_path),
            how,
        ],
        env=env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (tmp_path / "paused").exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"the importer did not pause: {child.communicate()}")
        time.sleep(0.02)
    return db, sheet, child


def state() -> tuple[int, int, int, list[str]]:
    """Customers, distinct phones, staged rows and the runs' states."""
    return (
        Customer.select().count(),
        Customer.select(Customer.phone).distinct().count(),
        StagedRow.select().count(),
        [run.state for run in ImportRun.select()],
    )


def test_a_run_its_importer_is_writing_is_left_to_it(tmp_path):
    """Before: the daily run (also a check, another import, the UI's start) wrote the
    importer's remaining batches, and the importer said "Imported 0 of 12 rows; 0 refused"
    (the rows were there, each once)."""
    db, sheet, child = start_paused_importer(tmp_path)
    try:
        shop = open_shop(str(db), FixedClock(START))
        assert state() == (6, 6, 6, ["ready"])
        points.daily(shop)  # the UI runs it at every start
        assert state() == (6, 6, 6, ["ready"])
        assert imports.finish_interrupted(shop) == []  # as before every import
        close_database()
        dry_run = cli(db, "import", "customers", str(sheet), "--dry-run")
        assert dry_run.stdout.splitlines()[-1] == (
            "Dry run: 6 of 12 rows can be imported, 6 refused. Nothing was written."
        )
        open_shop(str(db), FixedClock(START))
        assert state() == (6, 6, 6, ["ready"])
        close_database()
    finally:
        (tmp_path / "go").write_text("go")
        out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert json.loads(out) == {"imported": ROWS, "refused": []}
    open_shop(str(db), FixedClock(START))
    assert state() == (ROWS, ROWS, 0, [])
    check_database(db)


@pytest.mark.parametrize("then", ["daily run", "re-import", "re-import, German"])
def test_an_importer_killed_in_its_batches_is_finished_at_once(tmp_path, then):
    """kill -9 between two batches, then the next daily run or import (at once: the lock of a
    killed process is free) writes the rest: every row once, balances equal to the ledger.
    The re-import says so first; before, it refused the 6 rows it had just written itself as
    "registered at another till meanwhile"."""
    db, sheet, child = start_paused_importer(tmp_path)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    if then == "daily run":
        shop = open_shop(str(db), FixedClock(START))
        assert state()[:3] == (6, 6, 6)
        points.daily(shop)
    else:
        german = then.endswith("German")
        # every row of the file is written by now: the re-import itself refuses them all
        nothing = (
            "Nichts wurde importiert: jede Zeile wurde abgelehnt."
            if german
            else "Nothing was imported: every row was refused."
        )
        done = cli(
            db,
            *(["--lang", "de"] if german else []),
            "import",
            "customers",
            str(sheet),
            refused=f"error: {nothing}\n",
        )
        lines = done.stdout.splitlines()
        refused = [line for line in lines if line.startswith(("Row ", "Zeile "))]
        if german:
            assert lines[0] == (
                "Ein früher unterbrochener Import (kunden.csv) wurde abgeschlossen: "
                "6 Kundinnen jetzt importiert, insgesamt 12."
            )
            assert lines[-1] == "0 von 12 Zeilen importiert; 12 abgelehnt."
            assert (
                refused[0]
                == "Zeile 2 abgelehnt: Die Telefonnummer +4915210000000 ist schon vergeben."
            )
        else:
            assert lines[0] == (
                "An import interrupted earlier (kunden.csv) was completed: "
                "6 customers written now, 12 in all."
            )
            assert lines[-1] == "Imported 0 of 12 rows; 12 refused."
            assert refused == [
                f"Row {n + 2} refused: The phone +491521000{n:04d} is already registered."
                for n in range(ROWS)
            ]
        open_shop(str(db), FixedClock(START))
    assert state() == (ROWS, ROWS, 0, [])
    check_database(db)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_command_line_import_stopped_after_the_decision_says_so(tmp_path, stop):
    """SIGTERM (a `kill`, a shutdown) ended the command without a word, its progress line
    left open; Ctrl+C said "interrupted; nothing more was saved" although the import was
    decided and half written (a tester). Both now say what is left and who writes it, and
    the next daily run writes it and says so."""
    db, _, child = start_paused_importer(tmp_path, "cli")
    child.send_signal(stop)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out) == (1, "")
    assert err == (
        "error: Interrupted after the import was decided: 6 rows are still to be written. "
        "The next import, daily run or start of Olga Loyalty writes them.\n"
    )
    done = cli(db, "daily")
    assert done.stdout.splitlines()[0] == (
        "An import interrupted earlier (kunden.csv) was completed: "
        "6 customers written now, 12 in all."
    )
    open_shop(str(db), FixedClock(START))
    assert state() == (ROWS, ROWS, 0, [])
    check_database(db)
