"""The consent rules in the forms (issue 15): email consent needs an email address, SMS consent
a mobile number; the message stands next to the consent, nothing is written until it is
right; an edit cannot take away what an active consent needs; the import screen takes the
day every customer signed the consent form on paper."""

from __future__ import annotations

from textual.widgets import Checkbox, DataTable, Input, Label, Static

from olga_loyalty.storage.models import Consent, Customer
from olga_loyalty.ui.screens.card import CardScreen
from olga_loyalty.ui.screens.register import EditScreen, RegisterScreen
from tests.ui.conftest import settle

SIZE = (80, 24)


def text_of(widget) -> str:
    return str(widget.render())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


async def tick(pilot, app, box_id: str) -> None:
    app.screen.query_one(f"#{box_id}", Checkbox).focus()
    await pilot.press("space")


async def test_email_and_sms_consent_need_an_address_and_a_mobile(app_factory):
    app = app_factory()
    count = Customer.select().count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        await type_text(pilot, "Eva")
        await pilot.press("tab")
        await type_text(pilot, "Zwetschke")
        await pilot.press("tab")
        await type_text(pilot, "030 1234567")  # a Berlin landline
        for box in ("consent_data_processing", "consent_email", "consent_sms"):
            await tick(pilot, app, box)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert text_of(app.screen.query_one("#consent_email-error", Label)) == (
            "Consent to newsletters by email needs an email address: please enter one."
        )
        assert text_of(app.screen.query_one("#consent_sms-error", Label)) == (
            "Consent to offers by SMS needs a mobile number; 030 1234567 is not one."
        )
        assert text_of(app.screen.query_one("#consent_data-error", Label)) == ""
        assert app.focused is app.screen.query_one("#consent_email", Checkbox)
        assert Customer.select().count() == count

        app.screen.query_one("#email", Input).focus()
        await type_text(pilot, "eva@example.com")
        await tick(pilot, app, "consent_sms")  # no SMS to a landline: untick it
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    eva = Customer.get(Customer.last_name == "Zwetschke")
    assert sorted(c.purpose for c in Consent.select().where(Consent.customer == eva.id)) == [
        "data_processing",
        "email",
    ]


async def test_the_service_refuses_what_the_form_let_through(app_factory, monkeypatch):
    """The form checks with the service's own rule; should it ever let one through, the
    service's refusal lands next to the same field."""
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = app.screen
        monkeypatch.setattr(RegisterScreen, "local_errors", lambda self: {})
        for name, value in (("first_name", "Eva"), ("last_name", "Zwetschke")):
            screen.query_one(f"#{name}", Input).value = value
        screen.query_one("#phone", Input).value = "0151 5550 1234"
        screen.query_one("#consent_data_processing", Checkbox).value = True
        screen.query_one("#consent_email", Checkbox).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen.query_one("#consent_email-error", Label)) == (
            "Für die Einwilligung in den E-Mail-Newsletter ist eine E-Mail-Adresse nötig: "
            "bitte eine eingeben."
        )
    assert not Customer.select().where(Customer.last_name == "Zwetschke").exists()


async def test_an_edit_cannot_remove_the_address_an_email_consent_needs(app_factory):
    app = app_factory()
    anna = Customer.get(Customer.last_name == "Müller")  # she consented to the newsletter
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(anna.id)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        app.screen.query_one("#email", Input).focus()
        await pilot.press("ctrl+u")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        assert text_of(app.screen.query_one("#email-error", Label)) == (
            "She has consented to newsletters by email: withdraw that consent before removing "
            "her email address."
        )
    assert Customer.get_by_id(anna.id).email == "anna@example.com"


async def test_the_import_screen_takes_the_day_of_the_paper_consent(app_factory, tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_text(
        "Vorname;Nachname;Handy;E-Mail;Newsletter\n"
        "Jörg;Weiß;0160 1111 2222;joerg@example.com;ja\n"
        "Ida;Ohne;0160 3333 4444;;ja\n",
        encoding="utf-8",
    )
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await type_text(pilot, str(path))
        await pilot.press("f5")
        await settle(pilot)
        summary = text_of(app.screen.query_one("#summary", Static)).splitlines()
        assert summary[2:] == [
            "0 of 2 rows can be imported, 2 refused. ctrl+s imports the good rows.",
            "2 rows lack proof of consent to data processing: map the file's consent column, "
            "or enter under “Consent on paper” the day every customer signed the consent form.",
        ]
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(0)[0]), str(table.get_row_at(1)[0])] == ["2", "3"]

        app.screen.query_one("#consented_on", Input).focus()
        await type_text(pilot, "31.4.25")
        await pilot.press("f5")
        await settle(pilot)
        assert text_of(app.screen.query_one("#consented_on-error", Label)).startswith(
            "'31.4.25' is not a date."
        )
        await pilot.press("ctrl+u")
        await type_text(pilot, "1.4.25")
        await pilot.press("f5")
        await settle(pilot)
        assert text_of(app.screen.query_one("#consented_on-error", Label)) == ""
        summary = text_of(app.screen.query_one("#summary", Static)).splitlines()
        assert summary[2] == "2 of 2 rows can be imported, 0 refused. ctrl+s imports the good rows."
        assert [str(c) for c in table.get_row_at(0)] == [
            "3",
            "No email address: imported without email consent.",
        ]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app.screen.query_one("#summary", Static)).startswith(
            "Imported 2 of 2 rows; 0 refused."
        )
    jorg = Customer.get(Customer.last_name == "Weiß")
    given = {
        c.purpose: c.given_at.date().isoformat()
        for c in Consent.select().where(Consent.customer == jorg.id)
    }
    assert given == {"data_processing": "2025-04-01", "email": "2025-04-01"}
