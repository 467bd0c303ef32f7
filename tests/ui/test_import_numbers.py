"""The import screen writes its counts as numbers of the shop's language (1,234 / 1.234), as the
command line does: before, a big file read "20000 of 20000 rows"."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.ui.conftest import settle
from tests.ui.test_flows import text_of, type_text

ROWS = 1234


@pytest.mark.parametrize(
    ("language", "checked", "imported"),
    [
        ("en", "1,234 of 1,234 rows can be imported, 0 refused.", "Imported 1,234 of 1,234 rows"),
        ("de", "1.234 von 1.234 Zeilen importierbar, 0 abgelehnt.", "1.234 von 1.234"),
    ],
)
async def test_the_import_screen_writes_its_counts_as_numbers(
    app_factory, tmp_path, language, checked, imported
):
    path = tmp_path / "kunden.csv"
    lines = ["Vorname;Nachname;Handy;DSGVO"]
    lines += [f"Vor{n};Nach{n};0152 {10_000_000 + n};ja" for n in range(ROWS)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    app = app_factory(language)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await type_text(pilot, str(path))
        await pilot.press("f5")
        await settle(pilot)
        summary = text_of(app.screen.query_one("#summary", Static))
        assert checked in summary
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert imported in text_of(app.screen.query_one("#summary", Static))
