"""Issue 15: Textual's own texts (the palette, the footer, a Select's open list, the quit
hint) are in the shop's language; every footer fits whole at 80 columns with F1 and the
palette visible."""

from __future__ import annotations

import pytest
from textual.widgets import Footer, Select, TabbedContent
from textual.widgets._footer import FooterKey

from olga_loyalty.storage.models import Customer
from tests.ui.conftest import palette_answered, settle
from tests.ui.test_markup_walk import screen_text

SIZE = (80, 24)

#: Texts Textual itself shows (8.2.8), which must not reach the German screen.
TEXTUAL_ENGLISH = [
    "Search for commands",
    "Search for themes",
    "No matches found",
    "Dismiss menu",
    "palette",
    "Open the command palette",
    "Exit the command palette",
    "to quit the app",
    "Quit the app",
    "Change theme",
    "Show keys and help panel",
    "Save screenshot",
    "Maximize",
    "Minimize",
    "textual-dark",
    "textual-light",
    "Copy selected text",
]


def footer_problems(app) -> list[str]:
    """What is wrong with the footer at this width: a key cut or hidden behind the
    palette, F1 or the palette missing."""
    problems = []
    for footer in app.screen.query(Footer):
        keys = [k for k in footer.query(FooterKey) if k.display]
        palette = [k for k in keys if k.has_class("-command-palette")]
        others = [k for k in keys if not k.has_class("-command-palette")]
        if not palette:
            problems.append("the palette key is not shown")
        if not any(k.key == "f1" for k in others):
            problems.append("F1 is not shown")
        limit = palette[0].region.x if palette else app.size.width
        for key in others:
            if key.region.width == 0 or key.region.right > limit:
                problems.append(f"{key.key_display} {key.description} is cut")
    return problems


def english_on(app) -> list[str]:
    text = screen_text(app)
    return [words for words in TEXTUAL_ENGLISH if words in text]


async def walk(pilot):
    """The screens and Textual's own widgets a shop sees, one after the other."""
    app = pilot.app
    anna = Customer.get(Customer.last_name == "Müller")
    yield "search"
    await pilot.press("ctrl+p")
    await settle(pilot)
    yield "palette"
    await pilot.press(*"xyzzyq")
    await palette_answered(pilot, nothing_found=True)
    yield "palette, nothing found"
    await pilot.press("escape")
    await settle(pilot)
    app.action_change_theme()
    await settle(pilot)
    yield "theme palette"
    await pilot.press("escape")
    await settle(pilot)
    app.open_card(anna.id)
    await settle(pilot)
    yield "card"
    await pilot.press("ctrl+c")  # in a text field it copies; here Textual says how to quit
    await settle(pilot)
    yield "quit hint"
    app.clear_notifications()
    for key in ("p", "r", "a", "c", "n"):
        await pilot.press(key)
        await settle(pilot)
        yield f"card {key}"
        await pilot.press("escape")
        await settle(pilot)
    await pilot.press("escape")
    await settle(pilot)
    for key in ("f1", "f2", "f3", "f6", "f7", "f8"):
        await pilot.press(key)
        await settle(pilot)
        yield key
        await pilot.press("escape")
        await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    for tab in ("tab-shop", "tab-programme", "tab-texts", "tab-staff", "tab-pin", "tab-audit"):
        app.screen.query_one(TabbedContent).active = tab
        await settle(pilot)
        yield f"settings {tab}"
    app.screen.query_one(TabbedContent).active = "tab-shop"
    await settle(pilot)
    language = app.screen.query_one("#language", Select)
    language.focus()
    language.expanded = True
    await settle(pilot)
    yield "an open list"


@pytest.mark.parametrize("language", ["en", "de"])
async def test_footers_fit_at_80_columns_with_f1_and_the_palette(app_factory, language):
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        async for name in walk(pilot):
            seen.append(name)
            if not app.screen.query(Footer):
                continue  # the palette and an open list cover the footer
            assert footer_problems(app) == [], f"{name}:\n{screen_text(app)}"
    assert len(seen) == 24  # every screen was seen


async def test_no_english_of_textuals_own_in_the_german_ui(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        async for name in walk(pilot):
            assert english_on(app) == [], f"{name}:\n{screen_text(app)}"
            if name == "palette":
                assert "Befehl suchen…" in screen_text(app)
            if name == "palette, nothing found":
                assert "Nichts gefunden" in screen_text(app)
            if name == "quit hint":
                assert [n.message for n in app._notifications] == [
                    "Mit ^q beenden Sie Olga Loyalty."
                ]
            if name == "an open list":
                assert "Liste schließen" in screen_text(app)


async def test_the_palette_lists_no_command_of_textuals_own(app_factory):
    """Found on re-running the issue: the German palette listed Textual's 'Copy selected
    text' twice (Strg+C and Super+C) on the search and the card."""
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for opened in (False, True):
            if opened:
                app.open_card(Customer.get(Customer.last_name == "Müller").id)
                await settle(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert [t for t in titles if t in TEXTUAL_ENGLISH] == []
            assert len(titles) == len(set(titles))


async def test_the_english_texts_are_found_when_they_are_there(app_factory):
    """The check above can fail: Textual's English palette, as it comes, is caught."""
    from textual.command import CommandPalette

    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CommandPalette())
        await settle(pilot)
        assert "Search for commands" in english_on(app)


async def test_the_keys_the_card_footer_leaves_out_are_in_the_palette(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(Customer.get(Customer.last_name == "Müller").id)
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Lösch")
        await palette_answered(pilot)
        assert "Auf dieser Seite (Strg+Entf)" in screen_text(app)


@pytest.mark.parametrize("language", ["en", "de"])
async def test_the_settings_tabs_fit_at_80_columns(app_factory, language):
    from textual.widgets import Tabs

    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-audit"  # the last tab
        await settle(pilot)
        tabs = app.screen.query_one(Tabs)
        assert tabs.virtual_size.width <= tabs.size.width, screen_text(app)
        assert screen_text(app).splitlines()[1].split()[0] in ("Shop", "Geschäft")
