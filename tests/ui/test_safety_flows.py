"""The screens' side of issue 14: a restore of another shop's backup asks with a warning,
an old 4-digit PIN still opens the settings and is asked to be changed, every protected
action of a screen goes through `safety.run_protected`."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, Static, TabbedContent

from olga_loyalty.services import safety
from olga_loyalty.services.shop import write_setting
from olga_loyalty.storage.models import AuditEntry, Customer
from olga_loyalty.ui.screens.confirm import TypedConfirm
from olga_loyalty.ui.screens.search import SearchScreen
from olga_loyalty.ui.screens.settings import SettingsScreen
from tests.ui.conftest import settle

SIZE = (80, 24)


def text_of(widget) -> str:
    return str(widget.render())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


def another_shops_backup(shop) -> str:
    """A backup of this shop turned into one of another shop (its own id, its own customer)."""
    mine = safety.backup(shop, "manual")
    # named after this database, as the backups it lists are (another database's are not)
    theirs = mine.with_name(f"{Path(shop.location).stem}-20261101-080000-manual.db")
    shutil.copy(mine, theirs)
    mine.unlink()
    with sqlite3.connect(theirs) as conn:
        conn.execute("UPDATE setting SET value = ? WHERE key = 'shop_id'", (json.dumps("f" * 32),))
        conn.execute("UPDATE customer SET first_name = 'Fremde' WHERE id = 1")
    conn.close()
    return theirs.name


async def open_the_backups(pilot) -> None:
    """Settings (F9), the Backups tab."""
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    pilot.app.screen.query_one(TabbedContent).active = "tab-backups"
    await settle(pilot)


@pytest.mark.sqlite_only
async def test_restoring_another_shops_backup_warns_then_restores(app_factory, ui_shop):
    name = another_shops_backup(ui_shop)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_the_backups(pilot)
        assert app.screen.query_one("#backups", DataTable).row_count == 1
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirm)
        shown = " ".join(text_of(w) for w in app.screen.query(Static))
        assert f"{name} is a backup of another shop" in shown
        await type_text(pilot, "RESTORE")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
    assert Customer.get_by_id(1).first_name == "Fremde"
    assert [e.detail for e in AuditEntry.select().where(AuditEntry.action == "restore")] == [
        f"from {name} (another shop's backup)"
    ]


@pytest.mark.sqlite_only
async def test_a_backup_deleted_meanwhile_is_refused_and_leaves_the_list(app_factory, ui_shop):
    """The list was read, then the file was deleted (by hand, or rotated by another till):
    ctrl+r says so in words and the list no longer offers it (before, it stayed)."""
    gone = safety.backup(ui_shop, "manual")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_the_backups(pilot)
        table = app.screen.query_one("#backups", DataTable)
        assert table.row_count == 1
        gone.unlink()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert [n.message for n in app._notifications] == [f"The file {gone} does not exist."]
        assert table.row_count == 0


async def test_an_old_four_digit_pin_opens_the_settings_which_ask_for_a_new_one(
    app_factory, ui_shop
):
    salt = bytes(range(16))
    params = {"n": 2**14, "r": 8, "p": 1}
    write_setting("pin", {"salt": salt.hex(), "hash": safety._hash("2468", salt, params), **params})
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await type_text(pilot, "2468")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one(TabbedContent).active == "tab-pin"
        assert "set under the old rules" in text_of(screen.query_one("#pin-warning", Static))
        screen.query_one("#new_pin", Input).value = "1357"
        screen.query_one("#new_pin_again", Input).value = "1357"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "6 to 20 digits" in text_of(screen.query_one("#new_pin-error", Label))
        screen.query_one("#new_pin", Input).value = "drei kleine Hunde"
        screen.query_one("#new_pin_again", Input).value = "drei kleine Hunde"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one("#pin-warning", Static).display
        assert not safety.pin_needs_change()
        screen.query_one(TabbedContent).active = "tab-staff"  # goes on with the new PIN
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [(e.action, e.detail) for e in AuditEntry.select().order_by(AuditEntry.id)] == [
        ("settings", "PIN set"),
        ("settings", "staff"),
    ]
    safety.authorise(ui_shop, "settings", "drei kleine Hunde")


async def test_an_erasure_on_the_card_scrubs_the_audit_rows_the_screens_wrote(
    app_factory, ui_shop, user_home
):
    """The screens' protected actions (adjust, data export, erase) go through
    `app.protected` → `safety.run_protected` and link their audit rows to the customer, so
    that her erasure scrubs what they say about her."""
    from olga_loyalty.ui.screens.card import CardScreen
    from olga_loyalty.ui.screens.pin import PinScreen

    safety.set_pin(ui_shop, "246810")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(1)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await type_text(pilot, "246810")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "+10")
        await pilot.press("tab")
        await type_text(pilot, "Kulanz Anna Mueller")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        await pilot.press("d")  # her data export
        await settle(pilot)
        await type_text(pilot, "246810")
        await pilot.press("enter")
        await settle(pilot)
        rows = AuditEntry.select().where(AuditEntry.action != "backup").order_by(AuditEntry.id)
        assert [(e.action, e.detail, e.customer_id) for e in rows] == [
            ("adjust", "customer #1: +10 (Kulanz Anna Mueller)", 1),
            ("export", "customer #1", 1),
        ]
        await pilot.press("ctrl+delete")
        await settle(pilot)
        await type_text(pilot, "246810")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirm)
        await type_text(pilot, "ERASE")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
    rows = AuditEntry.select().where(AuditEntry.action != "backup").order_by(AuditEntry.id)
    assert [(e.action, e.detail, e.customer_id) for e in rows] == [
        ("adjust", "customer #1", 1),
        ("export", "customer #1", 1),
        ("erase", "customer #1", 1),
    ]
    assert Customer.get_by_id(1).erased_at is not None
    exports = user_home / "Documents" / "Olga Loyalty"
    assert [p.name for p in exports.iterdir()] == ["customer-1-data-2026-11-23.xlsx"]


async def test_a_stored_name_with_an_escape_sequence_is_shown_not_obeyed_in_the_header(
    app_factory, ui_shop
):
    """A name stored before the input rules (an old version, an old backup) with ESC ]2;…
    BEL in it retitled the terminal's window from the card's header line, and ESC [2J with
    U+202E wiped it (a tester); the card's body already showed the stand-ins."""
    from olga_loyalty.ui.screens.card import CardScreen

    Customer.update(first_name="Eva\x1b]2;PWNED\x07x\u202e").where(Customer.id == 1).execute()
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(1)
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        last = Customer.get_by_id(1).last_name
        assert app.screen.sub_title == f"Eva␛]2;PWNED␇x\ufffd {last}"
