"""Imported cells lose their control characters, and the dry run counts them (issue 13)."""

from __future__ import annotations

from olga_loyalty.cli import main
from olga_loyalty.services import imports
from olga_loyalty.storage.models import Consent, Customer


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_cells_are_stripped_and_counted(shop, tmp_path):
    file = write(
        tmp_path / "kunden\x1b[2J.csv",
        "Vorname;Nachname\x07;Handy;Notiz;Einwilligung\n"
        'Anna\x01;Muster\u202e;0151 12345678;"Größe 38\x1b[31m\nmag Leinen";ja\n'
        "Berta;Bauer;0160 1112223;;ja\n",
    )
    report = imports.check_file(shop, file)
    assert report.cleaned_cells == 4  # the header, the first name, the last name, the note
    assert report.headers[1] == "Nachname"
    assert [(row.data.first_name, row.data.last_name, row.data.notes) for row in report.good] == [
        ("Anna", "Muster", "Größe 38[31m\nmag Leinen"),
        ("Berta", "Bauer", ""),
    ]
    imports.import_rows(shop, report, staff="Olga")
    assert [c.last_name for c in Customer.select().order_by(Customer.id)] == ["Muster", "Bauer"]
    assert {c.source for c in Consent.select()} == {
        "import kunden[2J.csv row 2",
        "import kunden[2J.csv row 3",
    }


def test_the_dry_run_says_how_many_cells_were_cleaned(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "k.csv", "Name;Telefon;DSGVO\nAnna\x01 Muster;0151 12345678;ja\n")
    assert main(["settings", "set", "name", "Boutique"]) == 0  # a dry run needs the shop
    assert main(["--lang", "en", "import", "customers", "k.csv", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        "1 cell held invisible control characters; they were removed.",
        "Dry run: 1 of 1 row can be imported, 0 refused. Nothing was written.",
    ]
