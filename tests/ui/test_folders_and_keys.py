"""Issue 16 in the UI: the folders shown in the settings, files named by their absolute path
with the folder opened on request, a bare file name to import looked up in the exports folder,
the desktop shortcut from the palette, unexpected errors pointing at the log, and every F-key
action reachable without F-keys (macOS laptops)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Input, Static, TabbedContent

from olga_loyalty import logs, paths
from olga_loyalty.ui.app import LoyaltyApp, _screens
from olga_loyalty.ui.screens.help import _own_bindings
from olga_loyalty.ui.screens.purchase import PurchaseScreen
from tests.conftest import POSTGRES
from tests.ui.conftest import palette_answered, settle

POSTGRES_PASSWORD = POSTGRES.split("://", 1)[-1].split("@")[0].partition(":")[2]

SIZE = (100, 30)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


def record_notices(app, monkeypatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: seen.append(str(message)))
    return seen


async def test_the_settings_show_the_four_folders(app_factory, ui_shop, user_home):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-backups"
        await settle(pilot)
        shown = str(app.screen.query_one("#folders", Static).render())
    if POSTGRES:  # a server: no password shown, no backups folder
        database = ui_shop.location.replace(":" + POSTGRES_PASSWORD + "@", ":***@")
        backups = "(on the server: back it up with pg_dump)"
    else:
        database, backups = ui_shop.location, Path(ui_shop.location).parent / "backups"
    assert shown.splitlines() == [
        f"Database: {database}",
        f"Backups:  {backups}",
        f"Exports:  {user_home / 'Documents' / 'Olga Loyalty'}",
        f"Logs:     {user_home / '.local' / 'state' / 'olga-loyalty' / 'log'}",
    ]


@pytest.mark.parametrize("has_file_manager", [True, False])
async def test_a_written_file_is_named_in_full_and_its_folder_opens(
    app_factory, user_home, monkeypatch, has_file_manager
):
    opened: list[Path] = []
    monkeypatch.setattr(
        paths, "file_manager", lambda platform=None: ["xdg-open"] if has_file_manager else None
    )
    monkeypatch.setattr(
        paths, "open_folder", lambda folder: has_file_manager and not opened.append(folder)
    )
    app = app_factory()
    notices = record_notices(app, monkeypatch)
    exports = user_home / "Documents" / "Olga Loyalty"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(1)
        await settle(pilot)
        await pilot.press("f")  # the consent form
        await settle(pilot)
        form = exports / "consent-form-1-2026-11-23.pdf"
        assert form.exists()
        hint = "\nctrl+o opens the folder." if has_file_manager else ""
        assert notices == [f"Written: {form}{hint}"]
        await pilot.press("ctrl+o")
        await settle(pilot)
    if has_file_manager:
        assert opened == [exports]
    else:
        assert notices[-1] == f"The folder is {exports}"


async def test_a_folder_called_like_markup_is_shown_as_it_is(app_factory, user_home, monkeypatch):
    odd = user_home / "[b]Kasse[/i] 100%"
    monkeypatch.setattr(paths, "exports_folder", lambda: odd)
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts are drawn
        await settle(pilot)
        app.blank_consent_form()
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        summary = str(app.screen.query_one("#summary", Static).render())
        notices = [n.message for n in app._notifications]
    assert notices == [f"Written: {odd / 'consent-form-blank-2026-11-23.pdf'}"]
    assert f"is looked up in {odd} (ctrl+o opens it)." in summary


async def test_a_bare_file_name_to_import_is_looked_up_in_the_exports_folder(
    app_factory, user_home, tmp_path, monkeypatch
):
    from olga_loyalty.storage.models import Customer

    exports = user_home / "Documents" / "Olga Loyalty"
    exports.mkdir(parents=True)
    (exports / "kunden.csv").write_bytes(
        "Vorname;Nachname;Handy;Einwilligung\r\nJörg;Weiß;0160 1111 2222;ja\r\n".encode("cp1252")
    )
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await type_text(pilot, "kunden.csv")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        summary = str(app.screen.query_one("#summary", Static).render())
    assert summary == "Imported 1 of 1 row; 0 refused."
    assert Customer.get(Customer.last_name == "Weiß").first_name == "Jörg"
    assert app.last_folder == exports
    assert list(work.iterdir()) == []


async def test_the_desktop_shortcut_from_the_palette(app_factory, ui_shop, user_home, monkeypatch):
    desktop = user_home / "Desktop"
    desktop.mkdir()
    app = app_factory()
    notices = record_notices(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "desktop shortcut")
        await palette_answered(pilot)
        await pilot.press("enter")
        await settle(pilot)
    entry = desktop / "olga-loyalty.desktop"
    assert notices == [f"Wrote the shortcut {entry}."]
    assert f" -m olga_loyalty --db {ui_shop.location}\n" in entry.read_text()


async def test_an_unexpected_error_shows_where_the_details_are(app_factory, user_home, monkeypatch):
    from olga_loyalty.services import customers

    log = logs.setup(user_home / "logs")

    def broken(*args, **kwargs):
        raise RuntimeError("the search index is gone")

    monkeypatch.setattr(customers, "find", broken)
    app = app_factory()
    notices = record_notices(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "mueller")
        await pilot.pause(0.3)
        await settle(pilot)
    assert notices and set(notices) == {f"Unexpected error; details in {log}"}
    text = log.read_text(encoding="utf-8")
    assert "ERROR" in text and "Traceback (most recent call last)" in text
    assert "RuntimeError: the search index is gone" in text
    assert 'in broken\n    raise RuntimeError("the search index is gone")' in text


def test_every_f_key_action_has_a_key_or_a_palette_entry_without_f_keys():
    """F-keys on macOS laptops need fn: each action on an F-key is also in the palette (the
    app's actions as commands, a screen's shown keys as "On this screen") or on another key."""
    checked = []
    for _title, cls, _extra in _screens():
        bindings: list[Binding] = []
        for binding in _own_bindings(cls):
            bindings += [
                Binding(key.strip(), binding.action, binding.description, binding.show)
                for key in binding.key.split(",")
            ]
        for binding in bindings:
            if not (binding.key.startswith("f") and binding.key[1:].isdigit()):
                continue
            other_key = any(
                b.action == binding.action and not b.key.startswith("f") for b in bindings
            )
            if cls is LoyaltyApp:
                in_palette = binding.action in APP_PALETTE
            else:
                in_palette = binding.show and bool(binding.description)
            assert other_key or in_palette, (cls.__name__, binding.key)
            checked.append((cls.__name__, binding.key))
    assert sorted(checked) == [
        ("ImportScreen", "f5"),
        ("LoyaltyApp", "f1"),
        ("LoyaltyApp", "f2"),
        ("LoyaltyApp", "f3"),
        ("LoyaltyApp", "f6"),
        ("LoyaltyApp", "f7"),
        ("LoyaltyApp", "f8"),
        ("LoyaltyApp", "f9"),
        ("PurchaseScreen", "f4"),
    ]


#: The app's actions the palette offers (checked against the real palette below).
APP_PALETTE = {"help", "settings", "export", "import", "reports", "follow_ups", "reminders"}


async def test_the_palette_offers_the_app_actions_and_the_screens_keys(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        callbacks = {getattr(c.callback, "__name__", "") for c in commands}
        assert {f"action_{name}" for name in APP_PALETTE} <= callbacks
        app.open_card(1)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)
        await type_text(pilot, "80,00")
        await settle(pilot)
        # F4 "Max points" without F4: the palette, as on a Mac without fn
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "max points")
        await palette_answered(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # her balance (570) is less than half of 80,00 in points (800)
        assert app.screen.query_one("#redeem", Input).value == "570"


async def test_the_palette_still_opens_after_the_first_start(tmp_path):
    """The set-up rebuilds the screens in the chosen language; ctrl+p (the way to every F-key
    action without F-keys) used to be gone after it, until the next start."""
    from textual.command import CommandPalette

    from olga_loyalty.storage.db import close_database
    from tests.conftest import fresh_database
    from tests.ui.conftest import build_shop

    shop = build_shop(fresh_database(tmp_path, "new.db"), setup_done=False)
    app = LoyaltyApp(shop, language="en", run_daily=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await type_text(pilot, "Boutique")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert shop.settings.setup_done
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)
    finally:
        close_database()


async def test_a_typed_path_that_looks_like_markup_gets_its_message(app_factory, user_home):
    """The import screen names the file it looked for; `[/i]` in it used to stop the app."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await type_text(pilot, "[/i]x.csv")
        await pilot.press("f5")
        await settle(pilot)
        message = str(app.screen.query_one("#file-error", Static).render())
    exports = user_home / "Documents" / "Olga Loyalty"
    assert message == f"The file {exports / '[/i]x.csv'} does not exist."
