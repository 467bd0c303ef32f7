"""Text typed (or pasted, or sent by a scanner) and saved in one burst: every form saves all
of it. Textual runs a priority key as soon as the app reads it, while the keys before it
may still wait in the field's queue; a priority ctrl+s used to save the field empty or cut
(docs/ui.md, "Forms")."""

from __future__ import annotations

import pytest
from textual import events

from olga_loyalty.storage.db import close_database
from olga_loyalty.ui.app import LoyaltyApp
from olga_loyalty.ui.screens.search import SearchScreen
from olga_loyalty.ui.screens.setup import SetupScreen
from tests.conftest import fresh_database
from tests.ui.conftest import build_shop, settle

SIZE = (80, 24)

#: The key names of the characters typed here that are not their own name.
KEY_NAMES = {
    " ": "space",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "/": "slash",
    "&": "ampersand",
}


async def in_one_burst(pilot, text: str, *keys: str) -> None:
    """`text` typed and then `keys` pressed as a terminal delivers a paste or `tmux
    send-keys "…" C-s`: every key in the app's queue before the first is handled (Pilot's
    `press` waits for the app after each key, which hides the race)."""
    app = pilot.app
    for key, character in [(KEY_NAMES.get(ch, ch), ch) for ch in text] + [(k, None) for k in keys]:
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)


@pytest.fixture
def new_shop(tmp_path):
    shop = build_shop(fresh_database(tmp_path, "new.db"), setup_done=False)
    yield shop
    close_database()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_first_start_saves_a_name_typed_and_saved_in_one_burst(new_shop, language):
    """`tmux send-keys "Boutique [/i] Olga" C-s` on a new shop's first start: before the fix
    "Please enter the shop's name." (the field was still empty when ctrl+s ran)."""
    app = LoyaltyApp(new_shop, language=language, run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        await in_one_burst(pilot, "Boutique [/i] Olga", "ctrl+s")
        assert isinstance(app.screen, SearchScreen)
        assert app.sub_title == "Boutique [/i] Olga"
    assert new_shop.settings.name == "Boutique [/i] Olga"
    assert new_shop.settings.setup_done


async def test_the_first_start_saves_a_pasted_name(new_shop):
    app = LoyaltyApp(new_shop, language="en", run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        event = events.Paste("Boutique Olga")
        event.set_sender(app)
        app._driver.send_message(event)
        await in_one_burst(pilot, "", "ctrl+s")
        assert isinstance(app.screen, SearchScreen)
    assert new_shop.settings.name == "Boutique Olga"


async def test_two_saves_in_one_burst_save_once_and_say_nothing_of_another_till(new_shop):
    """ctrl+s twice: the second finds the shop set up (by this till) and must not say that
    another till did it."""
    app = LoyaltyApp(new_shop, language="en", run_daily=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "Boutique Olga", "ctrl+s", "ctrl+s")
        assert isinstance(app.screen, SearchScreen)
        assert [n.message for n in app._notifications] == []
    assert new_shop.settings.name == "Boutique Olga"


async def test_registration_saves_a_phone_typed_and_saved_in_one_burst(app_factory, ui_shop):
    """The last field typed and ctrl+s in one burst: before the fix "Please enter a phone
    number" (or a number cut short) and nothing saved."""
    from textual.widgets import Input

    from olga_loyalty.storage.models import Customer
    from olga_loyalty.ui.forms import TickBox
    from olga_loyalty.ui.screens.card import CardScreen

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#first_name", Input).value = "Clara"
        screen.query_one("#last_name", Input).value = "Schmidt"
        screen.query_one("#consent_data_processing", TickBox).value = True
        screen.query_one("#phone", Input).focus()
        await in_one_burst(pilot, "0170 5551 2345", "ctrl+s")
        assert isinstance(app.screen, CardScreen)
    clara = Customer.get(Customer.last_name == "Schmidt")
    assert (clara.first_name, clara.phone) == ("Clara", "+4917055512345")


async def test_the_settings_save_a_shop_name_typed_and_saved_in_one_burst(app_factory, ui_shop):
    from textual.widgets import Input

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        name = app.screen.query_one("#name", Input)
        name.value = ""
        name.focus()
        await in_one_burst(pilot, "Boutique Olga & Töchter", "ctrl+s")
    ui_shop.refresh()
    assert ui_shop.settings.name == "Boutique Olga & Töchter"


def test_no_form_saves_on_a_priority_key():
    """ctrl+s goes through the focused field's queue, after the keys typed before it; a
    priority binding would run ahead of them (Textual checks priority bindings when the app
    reads the key). Every form's ctrl+s, so that a new one does not bring the race back."""
    from olga_loyalty.ui.keys import class_bindings
    from olga_loyalty.ui.screens.bonus import BonusScreen
    from olga_loyalty.ui.screens.exports import ExportScreen
    from olga_loyalty.ui.screens.followups import FeedbackScreen
    from olga_loyalty.ui.screens.imports import ImportScreen
    from olga_loyalty.ui.screens.register import CustomerForm
    from olga_loyalty.ui.screens.settings import SettingsScreen

    forms = [SetupScreen, CustomerForm, SettingsScreen, ExportScreen, BonusScreen]
    forms += [ImportScreen, FeedbackScreen]
    for form in forms:
        (save,) = class_bindings(form)["ctrl+s"]
        assert not save.priority, form
