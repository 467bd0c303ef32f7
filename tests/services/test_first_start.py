"""The first start's dialog saves the shop once: the first till to save names it; a second
till whose dialog was open at the same time is told, and nothing of its own is written
(docs/ui.md, "The first start")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.services import settings as settings_service
from olga_loyalty.services.shop import Shop, ShopSettings, open_shop, read_setting
from olga_loyalty.storage.db import close_database
from tests.conftest import dump_database, fresh_database


@pytest.fixture
def new_shop(tmp_path, clock):
    """A new database whose first start has not been finished, as two tills find it."""
    location = str(fresh_database(tmp_path, "new.db"))
    shop = open_shop(location, clock)
    assert not shop.settings.setup_done
    yield shop
    close_database()


def test_the_first_till_to_save_names_the_shop(new_shop):
    other_till = Shop(new_shop.clock, new_shop.location).warm()  # its dialog is open too
    assert not other_till.settings.setup_done

    first = new_shop.finish_setup(
        ShopSettings(name="Boutique Anna", region="AT", currency="EUR", language="de")
    )
    second = other_till.finish_setup(
        ShopSettings(name="Boutique Berta", region="CH", currency="CHF", language="en")
    )

    assert first.saved and not second.saved
    anna = ShopSettings(
        name="Boutique Anna", region="AT", currency="EUR", language="de", setup_done=True
    )
    assert first.settings == second.settings == anna
    # the second till now works with the stored settings, not with what it typed
    assert other_till.settings == anna
    assert read_setting("shop") == {
        "address": "",
        "currency": "EUR",
        "language": "de",
        "name": "Boutique Anna",
        "region": "AT",
        "setup_done": True,
        "theme": "dark",
    }


def test_a_refused_first_start_writes_nothing(new_shop):
    new_shop.finish_setup(ShopSettings(name="Boutique Anna"))
    before = dump_database(new_shop.location)
    result = Shop(new_shop.clock, new_shop.location).finish_setup(
        ShopSettings(name="Boutique Berta", language="en")
    )
    assert not result.saved
    assert dump_database(new_shop.location) == before


def test_a_bad_name_is_refused_before_anything_is_written(new_shop):
    before = dump_database(new_shop.location)
    with pytest.raises(InvalidInput) as caught:
        new_shop.finish_setup(ShopSettings(name="x" * 81))
    assert caught.value.field == "name"
    assert dump_database(new_shop.location) == before
    assert not new_shop.settings.setup_done


def test_settings_made_elsewhere_without_a_name_do_not_count_as_set_up(new_shop):
    """The theme chosen in the palette during the first start (or `settings set theme` on the
    command line) marks the shop set up, but without a name: the dialog still saves its
    fields, and the theme stays."""
    settings_service.set_value(Shop(new_shop.clock, new_shop.location), "theme", "light")
    result = new_shop.finish_setup(ShopSettings(name="Boutique Anna", language="en"))
    assert result.saved
    assert (result.settings.name, result.settings.language, result.settings.theme) == (
        "Boutique Anna",
        "en",
        "light",
    )


def test_a_shop_named_on_the_command_line_meanwhile_keeps_its_name(new_shop):
    settings_service.set_value(Shop(new_shop.clock, new_shop.location), "name", "Olga & Töchter")
    result = new_shop.finish_setup(replace(new_shop.settings, name="Boutique Anna"))
    assert not result.saved
    assert result.settings.name == "Olga & Töchter"
    assert read_setting("shop")["name"] == "Olga & Töchter"
