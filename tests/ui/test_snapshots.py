"""Snapshots of every screen and dialog, in English and German, at 80×24, with a fixed clock
and fixed data. Look at the SVG before accepting one (`pytest --snapshot-update`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Input, TabbedContent

from olga_loyalty import paths
from olga_loyalty.storage.db import close_database
from olga_loyalty.ui.app import LoyaltyApp
from tests.conftest import fresh_database
from tests.ui.conftest import build_shop, settle

SIZE = (80, 24)

#: The folders the screens show, the same on every machine (not the test's temporary home).
FOLDERS = paths.Locations(
    database="/home/olga/.local/share/olga-loyalty/loyalty.db",
    backups=Path("/home/olga/.local/share/olga-loyalty/backups"),
    exports=Path("/home/olga/Documents/Olga Loyalty"),
    logs=Path("/home/olga/.local/state/olga-loyalty/log"),
    source="user",
)


@pytest.fixture(autouse=True)
def fixed_folders(monkeypatch):
    monkeypatch.setattr(paths, "resolve", lambda db=None, env=None: FOLDERS)
    monkeypatch.setattr(paths, "exports_folder", lambda: FOLDERS.exports)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


async def open_anna(pilot) -> None:
    await settle(pilot)
    pilot.app.open_card(1)
    await settle(pilot)


async def search_context(pilot):
    await settle(pilot)


async def search_results(pilot):
    await settle(pilot)
    await type_text(pilot, "mueller")
    await settle(pilot)


async def search_no_match(pilot):
    await settle(pilot)
    await type_text(pilot, "Zwetschke")
    await settle(pilot)


async def card(pilot):
    await open_anna(pilot)


async def purchase_preview(pilot):
    await open_anna(pilot)
    await pilot.press("p")
    await settle(pilot)
    await type_text(pilot, "80,00")
    await pilot.press("tab", "f4")
    await settle(pilot)


async def purchase_saved(pilot):
    """Saved: what to charge stays in big figures until Enter (the next customer) or Esc."""
    await open_anna(pilot)
    await pilot.press("p")
    await settle(pilot)
    await type_text(pilot, "89,90")
    await pilot.press("f4", "enter")
    await settle(pilot)


async def discard_question(pilot):
    await open_anna(pilot)
    await pilot.press("p")
    await settle(pilot)
    await type_text(pilot, "12")
    await pilot.press("escape")
    await settle(pilot)


async def purchase_error(pilot):
    await open_anna(pilot)
    await pilot.press("p")
    await settle(pilot)
    await type_text(pilot, "40")
    await pilot.press("tab", "ctrl+u")
    await type_text(pilot, "500")
    await pilot.press("enter")
    await settle(pilot)


async def refund(pilot):
    await open_anna(pilot)
    await pilot.press("r")
    await settle(pilot)
    await type_text(pilot, "50")
    await settle(pilot)


async def adjust(pilot):
    await open_anna(pilot)
    await pilot.press("a")
    await settle(pilot)
    await type_text(pilot, "-50")
    await pilot.press("tab")
    await type_text(pilot, "Double booking")
    await settle(pilot)


async def register_empty(pilot):
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)


async def register_errors(pilot):
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    pilot.app.screen.query_one("#phone", Input).value = "12"
    pilot.app.screen.query_one("#email", Input).value = "eva@"
    await pilot.press("ctrl+s")
    await settle(pilot)


async def edit(pilot):
    await open_anna(pilot)
    await pilot.press("e")
    await settle(pilot)


async def consents(pilot):
    await open_anna(pilot)
    await pilot.press("c")
    await settle(pilot)


async def withdraw_consent(pilot):
    await consents(pilot)
    await pilot.press("down", "w")
    await settle(pilot)


async def confirm_erase(pilot):
    await consents(pilot)
    await pilot.press("w")
    await settle(pilot)


def reports_tab(tab: str):
    async def run(pilot):
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = tab
        await settle(pilot)

    run.__name__ = "reports_" + tab.removeprefix("tab-")
    return run


async def follow_ups(pilot):
    from olga_loyalty.services import followups
    from olga_loyalty.storage.models import Customer

    shop = pilot.app.shop
    anna = Customer.get(Customer.last_name == "Müller")
    hans = Customer.get(Customer.last_name == "Mueller")
    followups.record(shop, anna.id, "complaint", "Naht am Mantel offen", follow_up="0")
    followups.record(shop, hans.id, "wish", "Hemd in XL bestellt", follow_up="0")
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


async def feedback_form(pilot):
    await open_anna(pilot)
    await pilot.press("n")
    await settle(pilot)
    await type_text(pilot, "Kleid in Größe 40")
    await pilot.press("tab", "7")
    await settle(pilot)


async def card_with_markup(pilot):
    """Issue 13: square brackets in every field are shown as typed, never as markup."""
    from olga_loyalty.domain.customers import CustomerInput
    from olga_loyalty.services import customers, points

    shop = pilot.app.shop
    crash = customers.register(
        shop,
        CustomerInput(
            first_name="Crash[/i]",
            last_name="[b]Kaya\\[z",
            phone="0151 5550 1234",
            notes="[/red] x [link=https://evil.example]hier[/link]",
        ),
        consents={"data_processing"},
        staff="Eva[/i]",
    ).customer
    points.adjust(shop, crash.id, 50, reason="Kulanz [/b]", staff="Eva[/i]")
    await settle(pilot)
    pilot.app.open_card(crash.id)
    await settle(pilot)


async def bonus_dialog(pilot):
    await settle(pilot)
    pilot.app.action_bonus()
    await settle(pilot)
    await type_text(pilot, "50")
    await settle(pilot)


def settings_tab(tab: str):
    async def run(pilot):
        await settle(pilot)
        if tab == "tab-backups":
            from olga_loyalty.services import safety

            safety.backup(pilot.app.shop, "manual")
        if tab == "tab-audit":  # a name and a detail too long for one line each wrap
            from olga_loyalty.services import safety

            shop = pilot.app.shop
            safety.audit(
                shop, "adjust", "customer #1: +50 (Kulanz nach Reklamation der Naht)", "Eva"
            )
            safety.audit(shop, "pin-locked", "adjust", "Eva")
            safety.audit(shop, "backup", "daily: ui-20261123-100000-daily.db", "")
        await pilot.press("f9")
        await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = tab
        await settle(pilot)

    run.__name__ = tab.replace("-", "_")
    return run


async def pin_dialog(pilot):
    from olga_loyalty.services import safety

    safety.set_pin(pilot.app.shop, "246810")
    await open_anna(pilot)
    await pilot.press("a")
    await settle(pilot)
    await type_text(pilot, "111111")
    await pilot.press("enter")
    await settle(pilot)


async def restore_other_shop(pilot):
    from tests.ui.test_safety_flows import another_shops_backup

    another_shops_backup(pilot.app.shop)
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    pilot.app.screen.query_one(TabbedContent).active = "tab-backups"
    await settle(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)


async def pin_old_rules(pilot):
    from olga_loyalty.services import safety
    from olga_loyalty.services.shop import write_setting

    salt = bytes(range(16))
    params = {"n": 2**14, "r": 8, "p": 1}
    write_setting("pin", {"salt": salt.hex(), "hash": safety._hash("2468", salt, params), **params})
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    await type_text(pilot, "2468")
    await pilot.press("enter")
    await settle(pilot)
    pilot.app.clear_notifications()
    await settle(pilot)


async def help_screen(pilot):
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


async def export_screen(pilot):
    await settle(pilot)
    await pilot.press("f7")
    await pilot.pause(0.6)
    await settle(pilot)


async def export_mailchimp(pilot):
    await export_screen(pilot)
    pilot.app.screen.query_one("#preset").value = "mailchimp"
    await pilot.pause(0.6)
    await settle(pilot)


async def import_screen(pilot):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    sheet = folder / "kunden.csv"
    sheet.write_bytes(
        "Vorname;Nachname;Handy\r\nJörg;Weiß;0160 1111 2222\r\nX;;12\r\n".encode("cp1252")
    )
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)
    pilot.app.screen.query_one("#file", Input).value = str(sheet)
    await pilot.press("f5")
    await settle(pilot)
    pilot.app.screen.query_one("#file", Input).value = "kunden.csv"  # a path that does not vary


async def import_interrupted(pilot):
    """An import a crash interrupted after it was decided (Jörg's row staged, not written):
    the check (F5) finishes it first and says so above its result."""
    import tempfile
    from pathlib import Path

    from olga_loyalty.services import imports
    from olga_loyalty.services.imports import customer_rows
    from olga_loyalty.storage.models import ImportRun

    sheet = Path(tempfile.mkdtemp()) / "kunden.csv"
    sheet.write_bytes(
        "Vorname;Nachname;Handy;DSGVO\r\nJörg;Weiß;0160 1111 2222;ja\r\nX;;12;ja\r\n".encode(
            "cp1252"
        )
    )
    shop = pilot.app.shop
    report = imports.check_file(shop, sheet)
    run_id = imports._new_run(shop, "customers", report.file, "Olga")
    imports._stage(run_id, [customer_rows.payload(row) for row in report.good])
    ImportRun.update(state="ready").where(ImportRun.id == run_id).execute()
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)
    pilot.app.screen.query_one("#file", Input).value = str(sheet)
    await pilot.press("f5")
    await settle(pilot)
    pilot.app.screen.query_one("#file", Input).value = "kunden.csv"  # a path that does not vary


def set_up_reminders(shop) -> None:
    """Mail set up, and an outbox with one mail sent and one of unknown fate; with 110 days'
    notice, Anna's 400 points expiring on 2027-03-10 are due."""
    import keyring
    from keyring.backends import fail

    from olga_loyalty.services import settings as settings_service
    from olga_loyalty.storage.models import Customer, OutboxMail

    keyring.set_keyring(fail.Keyring())  # the same words on a PC with a keyring
    for key, value in (
        ("mail.host", "smtp.example.de"),
        ("mail.sender", "Boutique Olga <olga@example.de>"),
        ("mail.user", "olga@example.de"),
        ("reminders.expiring.days", "110"),
    ):
        settings_service.set_value(shop, key, value)
    anna = Customer.get(Customer.last_name == "Müller")
    OutboxMail.create(
        customer=anna.id,
        kind="welcome",
        occasion="welcome",
        status="sent",
        address=anna.email,
        subject="Willkommen im Bonusprogramm von Boutique Olga",
        body="Hallo Anna, …",
        queued_at=datetime.fromisoformat("2025-11-02T08:00:00+00:00"),
        sent_at=datetime.fromisoformat("2025-11-02T08:00:05+00:00"),
        server_answer="250 2.0.0 Ok: queued",
    )
    OutboxMail.create(
        customer=anna.id,
        kind="birthday",
        occasion="birthday:2025",
        status="sending",
        address=anna.email,
        subject="Alles Gute zum Geburtstag, Anna!",
        body="Hallo Anna, …",
        queued_at=datetime.fromisoformat("2025-12-24T08:00:00+00:00"),
        attempted_at=datetime.fromisoformat("2025-12-24T08:00:01+00:00"),
        attempts=1,
    )


async def reminders_screen(pilot):
    await settle(pilot)
    set_up_reminders(pilot.app.shop)
    await pilot.press("f2")
    await settle(pilot)


async def mail_test_dialog(pilot):
    await reminders_screen(pilot)
    await pilot.press("t")
    await settle(pilot)


async def tab_mail(pilot):
    await settle(pilot)
    set_up_reminders(pilot.app.shop)
    await pilot.press("f9")
    await settle(pilot)
    pilot.app.screen.query_one(TabbedContent).active = "tab-mail"
    await settle(pilot)


SCENARIOS = [
    search_context,
    search_results,
    search_no_match,
    card,
    purchase_preview,
    purchase_error,
    purchase_saved,
    discard_question,
    refund,
    adjust,
    register_empty,
    register_errors,
    edit,
    consents,
    withdraw_consent,
    confirm_erase,
    settings_tab("tab-shop"),
    settings_tab("tab-programme"),
    settings_tab("tab-texts"),
    settings_tab("tab-staff"),
    settings_tab("tab-pin"),
    pytest.param(settings_tab("tab-backups"), marks=pytest.mark.sqlite_only, id="tab_backups"),
    settings_tab("tab-audit"),
    help_screen,
    export_screen,
    export_mailchimp,
    import_screen,
    import_interrupted,
    pin_dialog,
    pin_old_rules,
    pytest.param(restore_other_shop, marks=pytest.mark.sqlite_only, id="restore_other_shop"),
    reports_tab("tab-overview"),
    reports_tab("tab-months"),
    reports_tab("tab-points"),
    reports_tab("tab-lists"),
    follow_ups,
    feedback_form,
    bonus_dialog,
    reminders_screen,
    mail_test_dialog,
    tab_mail,
    card_with_markup,
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_screen(snap_compare, app_factory, scenario, language):
    assert snap_compare(app_factory(language), run_before=scenario, terminal_size=SIZE)


@pytest.mark.parametrize("language", ["en", "de"])
def test_first_start(snap_compare, tmp_path, language):
    shop = build_shop(fresh_database(tmp_path, "new.db"), setup_done=False)
    app = LoyaltyApp(shop, language=language, run_daily=False)
    try:
        assert snap_compare(app, run_before=settle, terminal_size=SIZE)
    finally:
        close_database()


@pytest.mark.parametrize("language", ["en", "de"])
def test_first_start_after_another_till_set_the_shop_up(snap_compare, tmp_path, language):
    """The search screen in the stored language, the stored name on top, and the notice."""
    from olga_loyalty.services.shop import Shop, ShopSettings

    shop = build_shop(fresh_database(tmp_path, "new.db"), setup_done=False)
    app = LoyaltyApp(shop, run_daily=False)

    async def saved_after_the_other_till(pilot) -> None:
        await settle(pilot)
        Shop(shop.clock, shop.location).save_settings(
            ShopSettings(name="Boutique Anna", language=language, setup_done=True)
        )
        await type_text(pilot, "Boutique Berta")
        await pilot.press("ctrl+s")
        await settle(pilot)

    try:
        assert snap_compare(app, run_before=saved_after_the_other_till, terminal_size=SIZE)
    finally:
        close_database()
