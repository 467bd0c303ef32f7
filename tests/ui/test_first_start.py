"""The first-start dialog as a person meets it: another till that set the shop up while the
dialog was open (docs/ui.md, "The first start")."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from olga_loyalty.services.shop import Shop, ShopSettings
from olga_loyalty.storage.db import close_database
from olga_loyalty.ui.app import LoyaltyApp
from olga_loyalty.ui.screens.search import SearchScreen
from olga_loyalty.ui.screens.setup import SetupScreen
from tests.conftest import fresh_database
from tests.ui.conftest import build_shop, settle

SIZE = (80, 24)

ALREADY = {
    "de": "Dieses Geschäft wurde schon an einer anderen Kasse als „Boutique Anna“ "
    "eingerichtet. Es gelten die dort gespeicherten Einstellungen; was hier eingegeben "
    "wurde, ist nicht gespeichert. Sie können sie in den Einstellungen (F9) ändern.",
    "en": "This shop had already been set up at another till as “Boutique Anna”. Its "
    "settings are used; what was typed here was not saved. Change them in the settings (F9).",
}
SEARCH_PLACEHOLDER = {
    "de": "Telefon, letzte 4 Ziffern, Nachname oder E-Mail",
    "en": "Phone, last 4 digits, surname or email",
}


@pytest.fixture
def new_shop(tmp_path):
    shop = build_shop(fresh_database(tmp_path, "new.db"), setup_done=False)
    yield shop
    close_database()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


@pytest.mark.parametrize(("stored", "typed"), [("de", "en"), ("en", "de")])
async def test_a_shop_set_up_at_another_till_meanwhile_is_shown_with_its_settings(
    new_shop, stored, typed
):
    """Two tills on a new database, both on the first-start dialog; the other till saves
    first. Before the fix this till saved over it and went on with the name it typed, while
    the other till showed its own: two names for one shop, one of them lost without a word."""
    app = LoyaltyApp(new_shop, run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        other_till = Shop(new_shop.clock, new_shop.location)
        other_till.save_settings(  # its own dialog saved first
            ShopSettings(
                name="Boutique Anna", region="AT", currency="EUR", language=stored, setup_done=True
            )
        )
        await type_text(pilot, "Boutique Berta")
        app.screen.query_one("#language", Select).value = typed
        app.screen.query_one("#currency", Select).value = "CHF"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.sub_title == "Boutique Anna"
        # the screens in the stored language, and the notice in it
        assert app.screen.query_one("#search", Input).placeholder == SEARCH_PLACEHOLDER[stored]
        assert [n.message for n in app._notifications] == [ALREADY[stored]]
    settings = new_shop.settings
    assert (settings.name, settings.region, settings.currency, settings.language) == (
        "Boutique Anna",
        "AT",
        "EUR",
        stored,
    )


async def test_a_setting_changed_before_the_first_start_still_asks_for_the_name(new_shop):
    """`olga-loyalty settings set theme light` on a new database marked the shop set up
    without a name: the first start then never asked for one, and the shop had no name on
    its screens, consent forms and mails. Now the dialog comes, and the theme stays."""
    from olga_loyalty.services import settings

    settings.set_value(new_shop, "theme", "light")
    assert new_shop.settings.setup_done and not new_shop.settings.name
    app = LoyaltyApp(new_shop, run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        await type_text(pilot, "Boutique Berta")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.sub_title == "Boutique Berta"
    assert (new_shop.settings.name, new_shop.settings.theme) == ("Boutique Berta", "light")
