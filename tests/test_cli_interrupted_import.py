"""`import customers` and `import unsubscribes` after an import that a crash interrupted
after it was decided: the interrupted import is finished before the file is checked, and
the command says so first (also in a dry run and in --json). Before, the check let the
crashed import's rows pass, the import then wrote them as the interrupted run and refused
them again as "registered at another till meanwhile": "Imported 0 of 10 rows; 10 refused"."""

from __future__ import annotations

import json

import pytest

from olga_loyalty.cli import main
from olga_loyalty.config import FixedClock
from olga_loyalty.services import imports
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import Customer, ImportRun, Suppression
from tests.conftest import START, fresh_database, register
from tests.services.test_import_batches import Crash, customer_list, stop_publishing_at
from tests.services.test_imports import write_csv


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    db = fresh_database(tmp_path, "cli.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")

    def call(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    call.db = db
    return call


def crash_an_import(db, monkeypatch, source_of) -> None:
    """An import of `source_of(shop)` stopped by a crash after two batches of three (as a
    kill would stop it): decided, 6 rows written, the rest staged."""
    shop = open_shop(str(db), FixedClock(START))
    go_on = stop_publishing_at(monkeypatch, 3, Crash)
    with pytest.raises(Crash):
        imports.run(shop, source_of(shop), staff="Olga")
    go_on()
    assert [r.state for r in ImportRun.select()] == ["ready"]
    close_database()


def test_a_re_import_finishes_the_interrupted_import_first_and_says_so(run, tmp_path, monkeypatch):
    sheet = customer_list(tmp_path, 10)
    crash_an_import(run.db, monkeypatch, lambda shop: imports.check_file(shop, sheet))
    code, out, err = run("import", "customers", str(sheet))
    # every row is written by now: this import refuses them all (exit 1, docs/exports.md)
    assert (code, err) == (1, "error: Nothing was imported: every row was refused.\n")
    lines = out.splitlines()
    assert lines[0] == (
        "An import interrupted earlier (kunden.csv) was completed: 4 customers written now, "
        "10 in all."
    )
    assert lines[1:3] == [
        "File: UTF-8 text, columns separated by semicolons.",
        "Columns: Vorname → first_name, Nachname → last_name, Handy → phone, E-Mail → email, "
        "Einwilligung → consent_data, Punkte → points",
    ]
    assert lines[3:-1] == [
        f"Row {n + 2} refused: The phone +49152100000{n:02d} is already registered."
        for n in range(10)
    ]
    assert lines[-1] == "Imported 0 of 10 rows; 10 refused."
    assert Customer.select().count() == 10 and ImportRun.select().count() == 0
    # nothing left to finish: the next import says nothing of it
    code, out, _ = run("import", "customers", str(sheet))
    assert out.splitlines()[0].startswith("File: ")


def test_the_dry_run_and_json_after_a_crash(run, tmp_path, monkeypatch):
    """A dry run writes nothing of its file; the decided import before it is finished first
    (the daily run or the next start would finish it anyway), so the dry run's counts are
    those the import will find."""
    sheet = customer_list(tmp_path, 10)
    crash_an_import(run.db, monkeypatch, lambda shop: imports.check_file(shop, sheet))
    (tmp_path / "more").mkdir()
    more = customer_list(tmp_path / "more", 3, start=8)  # 2 of its 3 rows in the crashed list
    code, out, err = run("--lang", "de", "import", "customers", str(more), "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "Ein früher unterbrochener Import (kunden.csv) wurde abgeschlossen: 4 Kundinnen jetzt "
        "importiert, insgesamt 10."
    )
    assert out.splitlines()[-1] == (
        "Probelauf: 1 von 3 Zeilen importierbar, 2 abgelehnt. Es wurde nichts geschrieben."
    )
    assert Customer.select().count() == 10
    report = json.loads(run("import", "customers", str(more), "--json")[1])
    assert (report["imported"], report["completed"]) == (1, [])
    close_database()
    crash_an_import(
        run.db,
        monkeypatch,
        lambda shop: imports.check_file(shop, customer_list(tmp_path, 8, start=20)),
    )
    code, out, err = run("import", "customers", str(more), "--dry-run", "--json")
    # its 3 rows are all written by now: exit 1 (docs/exports.md)
    assert (code, err) == (1, "error: Nothing can be imported: every row would be refused.\n")
    report = json.loads(out)
    assert report["completed"] == [
        {"kind": "customers", "file": "kunden.csv", "written": 2, "in_all": 8}
    ]
    assert (report["good"], report["imported"]) == (0, 0)


def test_an_unsubscribe_import_after_a_crash_says_it_finished_the_one_before(
    run, tmp_path, monkeypatch
):
    shop = open_shop(str(run.db), FixedClock(START))
    for n in range(3):
        register(shop, f"U{n}", "Ab", email=f"u{n}@example.com", consents={"data_processing"})
    close_database()
    listed = write_csv(
        tmp_path / "abmeldungen.csv",
        ["Kontakt"],
        [[f"u{n}@example.com"] for n in range(10)],
        encoding="utf-8",
    )
    crash_an_import(run.db, monkeypatch, lambda shop: listed)
    again = write_csv(tmp_path / "neu.csv", ["E-Mail"], [["neu@example.com"]], encoding="utf-8")
    code, out, err = run("import", "unsubscribes", str(again))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "An unsubscribe import interrupted earlier (abmeldungen.csv) was completed: 4 contacts "
        "put on the suppression list now.",
        "1 contact read: 0 matched, 1 unknown; 0 consents withdrawn. It is on the suppression "
        "list.",
    ]
    assert Suppression.select().count() == 11
    code, out, err = run("--lang", "de", "import", "unsubscribes", str(again), "--json")
    assert json.loads(out)["completed"] == []


def test_the_daily_run_says_which_interrupted_import_it_finished(run, tmp_path, monkeypatch):
    """A tester: after Ctrl+C once the import was decided, `daily` wrote the other 75,000 rows
    and said nothing of them."""
    sheet = customer_list(tmp_path, 10)
    crash_an_import(run.db, monkeypatch, lambda shop: imports.check_file(shop, sheet))
    code, out, err = run("daily")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "An import interrupted earlier (kunden.csv) was completed: 4 customers written now, "
        "10 in all."
    )
    assert out.splitlines()[1].startswith("Daily run for ")
    code, out, _ = run("daily", "--json")
    assert (code, json.loads(out)["completed"]) == (0, [])


def test_ctrl_c_after_the_decision_says_the_rest_will_be_written(run, tmp_path, monkeypatch):
    """It said "error: interrupted; nothing more was saved." with 25,000 customers written
    and the rest decided (a tester, 4 of 4)."""
    sheet = customer_list(tmp_path, 10)
    go_on = stop_publishing_at(monkeypatch, 3, KeyboardInterrupt)
    code, out, err = run("import", "customers", str(sheet))
    assert (code, out) == (1, "")
    assert err == (
        "error: Interrupted after the import was decided: 4 rows are still to be written. "
        "The next import, daily run or start of Olga Loyalty writes them.\n"
    )
    go_on()
    code, out, err = run("--lang", "de", "daily")
    assert out.splitlines()[0] == (
        "Ein früher unterbrochener Import (kunden.csv) wurde abgeschlossen: 4 Kundinnen jetzt "
        "importiert, insgesamt 10."
    )


def test_ctrl_c_in_demo_says_how_many_customers_stay(run, monkeypatch):
    from olga_loyalty.services import demo

    written, batches = demo._write, []

    def write(rows):
        if batches:
            raise KeyboardInterrupt
        batches.append(1)
        written(rows)

    monkeypatch.setattr(demo, "_write", write)
    code, out, err = run("--lang", "de", "demo", "--customers", "5000")
    assert (code, out) == (1, "")
    assert err == (
        "error: Abgebrochen: 2.000 Kundinnen von 5.000 wurden angelegt und bleiben, mit ihren "
        "Einkäufen. Für einen neuen Anfang bitte --db mit einer neuen Datei angeben.\n"
    )
