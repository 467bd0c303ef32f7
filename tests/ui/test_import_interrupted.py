"""The import screen after an import that a crash interrupted after it was decided: F5
finishes it before the file is checked and says so above the check's result; an import
(ctrl+s) that finds one says so above its result. In English and German."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from olga_loyalty.services import imports
from olga_loyalty.storage.models import Customer, ImportRun
from tests.services.test_import_batches import Crash, customer_list, stop_publishing_at
from tests.ui.conftest import settle

SIZE = (80, 24)

COMPLETED = {
    "en": "An import interrupted earlier (kunden.csv) was completed: 2 customers written now, "
    "5 in all.",
    "de": "Ein früher unterbrochener Import (kunden.csv) wurde abgeschlossen: 2 Kundinnen jetzt "
    "importiert, insgesamt 5.",
}
CHECKED = {
    "en": "0 of 5 rows can be imported, 5 refused. ctrl+s imports the good rows.",
    "de": "0 von 5 Zeilen importierbar, 5 abgelehnt. Strg+S importiert die gültigen Zeilen.",
}
IMPORTED = {
    "en": "Imported 3 of 3 rows; 0 refused.",
    "de": "3 von 3 Zeilen importiert; 0 abgelehnt.",
}


def crash_an_import(shop, monkeypatch, sheet) -> None:
    """An import of `sheet` stopped by a crash after its first batch of three."""
    go_on = stop_publishing_at(monkeypatch, 2, Crash)
    with pytest.raises(Crash):
        imports.run(shop, imports.check_file(shop, sheet), staff="Olga")
    go_on()


def summary(app) -> list[str]:
    return str(app.screen.query_one("#summary", Static).render()).splitlines()


@pytest.mark.parametrize("language", ["en", "de"])
async def test_the_check_finishes_an_interrupted_import_first_and_says_so(
    app_factory, ui_shop, tmp_path, monkeypatch, language
):
    sheet = customer_list(tmp_path, 5)
    crash_an_import(ui_shop, monkeypatch, sheet)
    assert (Customer.select().count(), ImportRun.select().count()) == (3 + 3, 1)
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # a single pause let F8 arrive too early on a loaded machine
        await pilot.press("f8")
        await settle(pilot)
        app.screen.query_one("#file", Input).value = str(sheet)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = summary(app)
        assert (lines[0], lines[-1]) == (COMPLETED[language], CHECKED[language])
        table = app.screen.query_one(DataTable)
        assert table.row_count == 5
        assert str(table.get_row_at(0)[1]) == (
            "The phone +4915210000000 is already registered."
            if language == "en"
            else "Die Telefonnummer +4915210000000 ist schon vergeben."
        )
        assert (Customer.select().count(), ImportRun.select().count()) == (3 + 5, 0)

        # a crash after the check (another till's import): the import finishes it first
        (tmp_path / "other").mkdir()
        crash_an_import(ui_shop, monkeypatch, customer_list(tmp_path / "other", 5, start=10))
        new = tmp_path / "neu.csv"
        new.write_bytes(customer_list(tmp_path / "other", 3, start=20).read_bytes())
        app.screen.query_one("#file", Input).value = str(new)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        crash_an_import(ui_shop, monkeypatch, customer_list(tmp_path / "other", 5, start=30))
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # the import's result names both: the one its check finished, the one it finished
        assert summary(app) == [COMPLETED[language], COMPLETED[language], IMPORTED[language]]
    assert (Customer.select().count(), ImportRun.select().count()) == (3 + 5 + 5 + 3 + 5, 0)


async def test_the_start_says_which_interrupted_import_it_finished(ui_shop, tmp_path, monkeypatch):
    """The daily run at the start writes the rest of a decided import a crash or Ctrl+C left
    behind; it did so without a word (a tester)."""
    from olga_loyalty.ui.app import LoyaltyApp

    crash_an_import(ui_shop, monkeypatch, customer_list(tmp_path, 5))
    app = LoyaltyApp(ui_shop, language="en", run_daily=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert COMPLETED["en"] in messages
    assert (Customer.select().count(), ImportRun.select().count()) == (3 + 5, 0)
