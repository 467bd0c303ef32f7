"""Issue 15: a light theme for a bright shop, chosen in the palette or the settings and kept
as the setting `theme`; the command line refuses anything but dark or light."""

from __future__ import annotations

from textual.widgets import Select, TabbedContent

from olga_loyalty import cli
from olga_loyalty.services.shop import read_setting
from tests.ui.conftest import palette_answered, settle

SIZE = (80, 24)


async def test_the_palette_theme_is_shown_at_once_and_kept(app_factory, ui_shop):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Aussehen")
        await palette_answered(pilot)
        await pilot.press("enter")  # the palette's "Aussehen": dark or light
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press(*"hell")
        await palette_answered(pilot)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.theme == "textual-light"
        assert [n.message for n in app._notifications][-1] == (
            "Das Aussehen ist in den Einstellungen gespeichert."
        )
    assert read_setting("shop")["theme"] == "light"


async def test_the_settings_shop_tab_keeps_the_theme(app_factory, ui_shop):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-shop"
        await settle(pilot)
        app.screen.query_one("#theme", Select).value = "light"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.theme == "textual-light"
    assert read_setting("shop")["theme"] == "light"


def test_the_command_line_sets_the_theme_and_refuses_others(tmp_path, monkeypatch, capsys):
    from tests.conftest import fresh_database

    monkeypatch.setenv("OLGA_LOYALTY_DB", str(fresh_database(tmp_path, "t.db")))
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")
    assert cli.main(["settings", "set", "shop.theme", "pink"]) == 2
    assert capsys.readouterr().err == "error: The theme must be dark or light.\n"
    assert cli.main(["settings", "set", "shop.theme", "Light"]) == 0
    assert read_setting("shop")["theme"] == "light"
