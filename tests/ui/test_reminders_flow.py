"""The reminder screens as the owner uses them: mail settings typed into the E-Mail tab (bad
values refused next to the field, nothing saved), then F2 and `s` sends to a real SMTP
server in the background; a test mail from the dialog; the daily run queues by itself."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TabbedContent, TextArea

from olga_loyalty.services import reminders
from olga_loyalty.ui.app import LoyaltyApp
from tests.smtp_server import SmtpServer
from tests.ui.conftest import settle
from tests.ui.test_snapshots import type_text


def no_keyring():
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())


async def fill(pilot, field: str, text: str) -> None:
    box = pilot.app.screen.query_one(f"#{field}", Input)
    box.value = ""
    box.focus()
    await type_text(pilot, text)


async def test_mail_settings_are_typed_checked_and_saved(app_factory, ui_shop):
    no_keyring()
    app = app_factory("en")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-mail"
        await settle(pilot)
        await fill(pilot, "host", "smtp.example.de")
        await fill(pilot, "port", "abc")
        await fill(pilot, "sender", "Boutique Olga <olga@example.de>")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.screen.query_one("#port-error").render())
        assert error == "mail.port must be a whole number from 1 to 65535, not 'abc'."
        assert reminders.mail_settings().host == ""  # nothing saved
        await fill(pilot, "port", "2525")
        app.screen.query_one("#body", TextArea).text = "Hallo {vorname}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(app.screen.query_one("#body-error").render()).startswith(
            "'{vorname}' is not a placeholder; the placeholders are {first_name}, {points}"
        )
        app.screen.query_one("#body", TextArea).text = "Liebe {first_name}, alles Gute!"
        await pilot.press("ctrl+s")
        await settle(pilot)
    account = reminders.mail_settings()
    assert (account.host, account.port, account.security, account.sender) == (
        "smtp.example.de",
        2525,
        "starttls",
        "Boutique Olga <olga@example.de>",
    )
    assert reminders.reminder_settings().text("birthday", "de") == (
        "Alles Gute zum Geburtstag, {first_name}!",
        "Liebe {first_name}, alles Gute!",
    )


async def test_f2_sends_the_queue_in_the_background(app_factory, ui_shop):
    from olga_loyalty.services import settings as settings_service

    no_keyring()
    with SmtpServer() as server:
        for key, value in (
            ("mail.host", "127.0.0.1"),
            ("mail.port", str(server.port)),
            ("mail.security", "none"),
            ("mail.sender", "Boutique Olga <olga@example.de>"),
            ("mail.rate_per_minute", "1000"),
            ("reminders.expiring.days", "110"),
        ):
            settings_service.set_value(ui_shop, key, value)
        app = app_factory("en")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count == 1
            assert str(table.get_row_at(0)[0]) == "due"
            await pilot.press("s")
            await settle(pilot)
            assert str(app.screen.query_one(DataTable).get_row_at(0)[0]) == "sent"
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("ctrl+u")
            await type_text(pilot, "owner@example.de")
            await pilot.press("enter")
            await settle(pilot)
            answer = str(app.screen.query_one("#answer").render())
            assert answer == (
                "The mail server accepted the test mail to owner@example.de: 250 2.0.0 Ok: queued"
            )
        assert [(m.rcpt_tos, m.message["Subject"]) for m in server.inbox.mails] == [
            (["anna@example.com"], "Your bonus points expire on 10/03/2027"),
            (["owner@example.de"], "Test message from Olga Loyalty"),
        ]


async def test_the_daily_run_of_the_ui_queues_and_sends_by_itself(tmp_path, ui_shop):
    from olga_loyalty.services import settings as settings_service

    no_keyring()
    with SmtpServer() as server:
        for key, value in (
            ("mail.host", "127.0.0.1"),
            ("mail.port", str(server.port)),
            ("mail.security", "none"),
            ("mail.sender", "Boutique Olga <olga@example.de>"),
            ("mail.rate_per_minute", "1000"),
            ("reminders.expiring.days", "110"),
            ("reminders.send", "on"),
        ):
            settings_service.set_value(ui_shop, key, value)
        app = LoyaltyApp(ui_shop, language="en", run_daily=True)
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(4):
                await settle(pilot)
        assert [m.rcpt_tos for m in server.inbox.mails] == [["anna@example.com"]]
