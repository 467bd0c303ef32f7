"""Every text shown is text (issue 13, item 1): a customer whose every field holds markup —
`[/i]`, `[b]`, `[link=…]`, `\\[` — and a shop whose staff, tiers, reasons, notes, consent
texts and file names hold it too. Every screen is walked like a user would, at 80×24 in
English and German; each must show the text literally (and none may crash: a MarkupError
used to stop the till at every start)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from dataclasses import replace

import pytest
from rich.console import Console
from textual.widgets import Input, TabbedContent

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.services import customers, followups, points, safety
from olga_loyalty.services.settings import set_value
from olga_loyalty.services.shop import new_consent_text
from olga_loyalty.storage.db import close_database
from olga_loyalty.ui.app import LoyaltyApp
from olga_loyalty.ui.screens.card import CardScreen
from olga_loyalty.ui.screens.confirm import TypedConfirm
from olga_loyalty.ui.screens.pin import PinScreen
from olga_loyalty.ui.screens.search import SearchScreen
from olga_loyalty.ui.screens.settings import SettingsScreen
from tests.conftest import fresh_database
from tests.ui.conftest import build_shop, palette_answered, settle

SIZE = (80, 24)
FIRST = "Crash[/i]"
LAST = "[b]Kaya\\[z"
NOTES = "[/red] x [link=https://evil.example]hier[/link]"
STAFF = "Eva[/i]"
REASON = "Kulanz [/b]"
COMPLAINT = "Naht [/i] offen"
TIER = "Gold[/]"


def screen_text(app) -> str:
    """What the terminal shows, as plain text (the screen and the ones under a dialog)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        record=True,
        legacy_windows=False,
        color_system=None,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


#: The marked shop's database file name (without .db): a name cannot hold `/`, so no
#: closing tag: `[b]` and `\\[` would vanish as markup.
MARKED_STEM = "[b]Laden[i] \\[x"


@pytest.fixture
def marked_shop(tmp_path):
    # the file name holds markup too: a backup listed on the screen is named after it
    shop = build_shop(fresh_database(tmp_path, f"{MARKED_STEM}.db"))
    shop.save_settings(replace(shop.settings, name="[b]Boutique[/i]"))
    set_value(shop, "tiers", f"Base:0:1,{TIER}:100:2")
    shop.remember_staff(STAFF)
    new_consent_text(shop, "email", "Newsletter [b]ja[/b] [link=x]Abmelden[/link] \\[1]")
    crash = customers.register(
        shop,
        CustomerInput(
            first_name=FIRST,
            last_name=LAST,
            phone="0151 5550 1234",
            email="crash@example.com",
            birthday="1990-11-05",
            notes=NOTES,
        ),
        consents={"data_processing", "email"},
        staff=STAFF,
    ).customer
    points.record_purchase(shop, crash.id, "150.00", staff=STAFF)
    points.adjust(shop, crash.id, 50, reason=REASON, staff=STAFF)
    complaint = followups.record(shop, crash.id, "complaint", COMPLAINT, follow_up="0")
    followups.record(shop, crash.id, "call", "[b]Anruf", follow_up="0", staff=STAFF)
    safety.audit(shop, "adjust", f"customer #{crash.id}: +50 ({REASON})", STAFF, crash.id)
    shop.crash_id, shop.complaint_id = crash.id, complaint.id
    yield shop
    close_database()


def app_for(shop, language: str) -> LoyaltyApp:
    app = LoyaltyApp(shop, language=language, run_daily=False)
    app.staff = STAFF
    return app


def shows(app, *texts: str) -> None:
    screen = screen_text(app)
    for text in texts:
        assert text in screen, f"{text!r} not shown on {type(app.screen).__name__}:\n{screen}"


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", "[": "left_square_bracket"}.get(ch, ch))


@pytest.mark.parametrize("language", ["en", "de"])
async def test_every_screen_shows_markup_literally(marked_shop, language):
    shop = marked_shop
    app = app_for(shop, language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # the till starts: the search screen lists her among the latest customers
        assert isinstance(app.screen, SearchScreen)
        shows(app, "[b]Kaya\\[z, Crash[/…", "Gold[…", "(2): Crash[/i] [b]Kaya\\[z")
        await type_text(pilot, "5550 1234")
        await settle(pilot)
        shows(app, "[b]Kaya\\[z, Crash[/…")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        shows(
            app,
            f"{FIRST} {LAST}  #4",
            "[/red] x",
            "[link=https://evil.example]h",
            f" {TIER} ",
            REASON,
        )

        for key, texts in [
            ("p", [f"{FIRST} {LAST}"]),  # purchase dialog title
            ("r", [f"{FIRST} {LAST}"]),  # refund
            ("a", [f"{FIRST} {LAST}"]),  # adjust
            ("n", [f"{FIRST} {LAST}"]),  # feedback
            ("c", []),  # consents
        ]:
            await pilot.press(key)
            await settle(pilot)
            shows(app, *texts)
            await pilot.press("escape")
            await settle(pilot)
        # the purchase preview names her tier
        await pilot.press("p")
        await settle(pilot)
        await type_text(pilot, "10")
        await settle(pilot)
        shows(app, f"({TIER})")
        await pilot.press("escape", "enter")  # "Discard?" — yes
        await settle(pilot)
        # the edit form holds her fields as typed, and an error quotes what was typed
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.query_one("#first_name", Input).value == FIRST
        app.screen.query_one("#phone", Input).value = "[/i]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        shows(app, "'[/i]' is not a phone number" if language == "en" else "'[/i]'")
        await pilot.press("escape", "enter")  # "Discard?" — yes
        await settle(pilot)
        # the erase dialog names her
        await pilot.press("ctrl+delete")
        await settle(pilot)
        shows(app, f"{FIRST} {LAST}")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # follow-ups due, the outcome and the apology dialogs
        await pilot.press("f3")
        await settle(pilot)
        shows(app, "[b]Anruf", "Naht [/i] offen"[:17])
        await pilot.press("enter")
        await settle(pilot)
        shows(app, "[b]Anruf")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("down", "a")
        await settle(pilot)
        shows(app, COMPLAINT)
        await pilot.press("escape", "escape")
        await settle(pilot)

        # reports: her in the lists, the tier in the figures
        await pilot.press("f6")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-lists"
        await pilot.press("2")  # birthdays this month
        await settle(pilot)
        shows(app, f"{FIRST} {LAST}"[:24])
        await pilot.press("escape")
        await settle(pilot)

        # settings: the audit log with the staff name and the reason
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-audit"
        await settle(pilot)
        shows(app, "Eva[/i]", REASON)
        app.screen.query_one(TabbedContent).active = "tab-texts"
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # registration shows the consent text with its markup as written
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.screen.query_one("#form").scroll_end(animate=False)
        await settle(pilot)
        shows(app, "Newsletter [b]ja[/b] [link=x]Abmelden[/link] \\[1]")
        await pilot.press("escape")
        await settle(pilot)

        # the bonus dialog's preview for her tier, the export screen, help
        app.action_bonus()
        await settle(pilot)
        box = app.screen.query_one("#segment", Input)
        box.value = f"tier:{TIER}"
        await type_text(pilot, "50")
        await settle(pilot)
        await pilot.press("escape", "enter")  # "Discard?" — yes
        await settle(pilot)
        for key in ("f7", "f1"):
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)

        # the command palette finds her by name
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "crash")
        await palette_answered(pilot)
        shows(app, f"{FIRST} {LAST} · ")
        await pilot.press("escape")
        await settle(pilot)


async def test_the_import_screen_shows_hostile_headers_and_cells_literally(marked_shop, tmp_path):
    file = tmp_path / "[b]liste[i].csv"
    file.write_text("Vorname;Nachname;[b]Handy[/i]\n[/i]Anna;[b]Kaya;[b]0151\n", encoding="utf-8")
    app = app_for(marked_shop, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        app.screen.query_one("#file", Input).value = str(file)
        app.screen.query_one("#map", Input).value = "[b]Handy[/i]=phone"
        await pilot.press("f5")
        await settle(pilot)
        shows(app, "[b]Handy[/i] → phone", "'[b]0151' is not a phone number")


async def test_a_notification_with_markup_is_shown_as_it_is(marked_shop):
    app = app_for(marked_shop, "en")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.notify("Written: exports/[b]x[/i].xlsx")
        await settle(pilot)
        from textual.widgets._toast import Toast

        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert toasts == ["Written: exports/[b]x[/i].xlsx"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("language", ["en", "de"])
async def test_the_pin_dialog_and_the_restore_question_show_markup_literally(marked_shop, language):
    """The screens issue 14 changed: the PIN dialog (with a wrong PIN's message) and the
    question before a restore of another shop's backup, whose file name holds markup (a
    name cannot hold `/`, so no closing tag: `[b]` and `\\[` would vanish as markup)."""
    shop = marked_shop
    safety.set_pin(shop, "246810")
    mine = safety.backup(shop, "manual")
    stem = MARKED_STEM
    theirs = mine.with_name(f"{stem}-20261101-080000-manual.db")
    shutil.copy(mine, theirs)
    mine.unlink()
    with sqlite3.connect(theirs) as conn:  # another shop's: its own id
        conn.execute("UPDATE setting SET value = ? WHERE key = 'shop_id'", (json.dumps("f" * 32),))
    conn.close()
    app = app_for(shop, language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await type_text(pilot, "111111")
        await pilot.press("enter")
        await settle(pilot)
        shows(app, "Wrong PIN (2 tries left)." if language == "en" else "(noch 2 Versuche)")
        await type_text(pilot, "246810")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one(TabbedContent).active = "tab-backups"
        await settle(pilot)
        shows(app, stem)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await type_text(pilot, "246810")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirm)
        screen = screen_text(app)
        assert "␊" not in screen  # the warning and the question on lines of their own
        shows(app, stem)
        joined = " ".join(screen.replace("█", " ").split())
        assert f"{stem}-20261101-080000-manual.db" in joined, joined
        await pilot.press("escape")
        await settle(pilot)
