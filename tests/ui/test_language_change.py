"""A new language chosen in the settings is confirmed in that language (docs/rules.md,
"Language")."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from olga_loyalty.ui.app import LoyaltyApp
from olga_loyalty.ui.screens.search import SearchScreen
from tests.ui.conftest import settle

SIZE = (80, 24)
SAVED = {"en": "Shop settings saved.", "de": "Geschäftsdaten gespeichert."}


@pytest.mark.parametrize(("before", "after"), [("en", "de"), ("de", "en")])
async def test_the_settings_confirm_a_new_language_in_it(ui_shop, before, after):
    """Before the fix the notice came in the language the shop had before."""
    from dataclasses import replace

    ui_shop.save_settings(replace(ui_shop.settings, language=before))
    app = LoyaltyApp(ui_shop, run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one("#language", Select).value = after
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert [n.message for n in app._notifications] == [SAVED[after]]
    assert ui_shop.settings.language == after
