"""The exit code of `import customers`: 0 when rows were imported (a dry run: can be) or the
file has none; 1 when it has rows and every one was refused, with the report printed all the
same and an `error:` line on stderr (docs/exports.md, "Exit codes")."""

from __future__ import annotations

import json

import pytest

from olga_loyalty.cli import context, main
from tests.conftest import dump_database, fresh_database

NOTHING = "error: Nothing was imported: every row was refused.\n"
NOTHING_DRY = "error: Nothing can be imported: every row would be refused.\n"


@pytest.fixture
def db(tmp_path, monkeypatch):
    location = fresh_database(tmp_path, "cli.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(location))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")
    return location


@pytest.fixture
def run(db, capsys):
    def call(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    assert call("settings", "set", "name", "Boutique Olga")[0] == 0
    assert call("settings", "set", "language", "en")[0] == 0
    return call


def sheet(tmp_path, name: str, *rows: str):
    path = tmp_path / name
    path.write_text("\n".join(["Vorname;Nachname;Handy;DSGVO", *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_every_row_refused_exits_1_with_the_report_and_writes_nothing(run, db, tmp_path):
    """Before the fix: exit 0 ("Imported 0 of 2 rows; 2 refused." and nothing else)."""
    bad = sheet(tmp_path, "bad.csv", "Anna;;0160 1111 2222;ja", "Berta;Bau;12;ja")
    before = dump_database(db)
    code, out, err = run("import", "customers", bad)
    assert (code, err) == (1, NOTHING)
    assert out.splitlines() == [
        "File: UTF-8 text, columns separated by semicolons.",
        "Columns: Vorname → first_name, Nachname → last_name, Handy → phone, DSGVO → consent_data",
        "Row 2 refused: Please enter the last name.",
        "Row 3 refused: The phone number 12 is too short: please add the area code or mobile "
        "prefix.",
        "Imported 0 of 2 rows; 2 refused.",
    ]
    code, out, err = run("import", "customers", bad, "--dry-run")
    assert (code, err) == (1, NOTHING_DRY)
    assert out.splitlines()[-1] == (
        "Dry run: 0 of 2 rows can be imported, 2 refused. Nothing was written."
    )
    code, out, err = run("import", "customers", bad, "--json")
    assert (code, err) == (1, NOTHING)
    report = json.loads(out)
    assert (report["rows"], report["good"], report["imported"]) == (2, 0, 0)
    assert [r["row"] for r in report["refused"]] == [2, 3]
    code, _, err = run("--lang", "de", "import", "customers", bad)
    assert (code, err) == (1, "error: Nichts wurde importiert: jede Zeile wurde abgelehnt.\n")
    assert dump_database(db) == before


def test_some_rows_imported_exits_0_and_the_same_file_again_exits_1(run, tmp_path):
    mixed = sheet(tmp_path, "mixed.csv", "Anna;Alt;0160 1111 2222;ja", "Berta;;0160 3333 4444;ja")
    assert run("import", "customers", mixed, "--dry-run")[:1] == (0,)
    code, out, err = run("import", "customers", mixed)
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == [
        "Row 3 refused: Please enter the last name.",
        "Imported 1 of 2 rows; 1 refused.",
    ]
    # again: Anna is registered now, so every row is refused
    code, out, err = run("import", "customers", mixed)
    assert (code, err) == (1, NOTHING)
    assert out.splitlines()[-1] == "Imported 0 of 2 rows; 2 refused."


def test_a_list_without_rows_imports_nothing_and_exits_0(run, tmp_path):
    empty = sheet(tmp_path, "empty.csv")
    assert run("import", "customers", empty) == (
        0,
        "File: UTF-8 text, columns separated by semicolons.\n"
        "Columns: Vorname → first_name, Nachname → last_name, Handy → phone, "
        "DSGVO → consent_data\n"
        "Imported 0 of 0 rows; 0 refused.\n",
        "",
    )
    assert run("import", "customers", empty, "--dry-run")[0] == 0


# -- the progress on a terminal: each step named and in percent, ended at 100 % on a line of
# its own (it was a bare `12000/12000` for a list of 6,000 rows, and the check showed
# nothing); nothing of it with --json or when stderr is not a terminal

ROWS = ("Anna;Alt;0160 1111 2222;ja", "Berta;Bau;0160 3333 4444;ja", "Cora;Ceh;0160 5555 6666;ja")


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(context, "shows_progress", lambda args: not args.json)


def test_the_check_and_the_import_each_count_to_100_percent(run, tmp_path, terminal):
    code, out, err = run("import", "customers", sheet(tmp_path, "k.csv", *ROWS))
    assert code == 0 and out.splitlines()[-1] == "Imported 3 of 3 rows; 0 refused."
    assert err.split("\n") == [
        "\rChecking the rows: 0%\rChecking the rows: 100%",
        "\rImporting: 50%\rImporting: 100%",
        "",
    ]


def test_in_german(run, tmp_path, terminal):
    code, _, err = run("--lang", "de", "import", "customers", sheet(tmp_path, "k.csv", *ROWS))
    assert code == 0
    assert err.split("\n")[0] == "\rZeilen werden geprüft: 0 %\rZeilen werden geprüft: 100 %"


def test_nothing_with_json(run, tmp_path, terminal):
    code, out, err = run("import", "customers", sheet(tmp_path, "k.csv", *ROWS), "--json")
    assert (code, err) == (0, "") and out.startswith("{")


def test_a_dry_run_counts_the_check_only(run, tmp_path, terminal):
    code, _, err = run("import", "customers", sheet(tmp_path, "k.csv", *ROWS), "--dry-run")
    assert (code, err) == (0, "\rChecking the rows: 0%\rChecking the rows: 100%\n")
