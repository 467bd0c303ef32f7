"""Pilot: a running till sees settings changed on another till or the command line (found by
the adversarial test: the purchase computed and recorded points with the old programme, the
registration recorded consent to a text the form had not shown)."""

from __future__ import annotations

from textual.widgets import Label, Static

from olga_loyalty.services import settings
from olga_loyalty.services.shop import Shop, new_consent_text
from olga_loyalty.storage.models import Consent, Customer, Purchase
from olga_loyalty.ui.screens.card import CardScreen
from olga_loyalty.ui.screens.purchase import PurchaseScreen
from olga_loyalty.ui.screens.register import RegisterScreen
from tests.ui.conftest import settle
from tests.ui.test_flows import SIZE, fill_registration, text_of, type_text

NEW_TIERS = "Base:0:3,Silver:500:4,Gold:1500:5"


def elsewhere(ui_shop) -> Shop:
    """The command line or another till: the same database, its own caches."""
    return Shop(ui_shop.clock, ui_shop.location).warm()


async def test_the_purchase_form_opens_with_the_programme_changed_elsewhere(app_factory, ui_shop):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        settings.set_value(elsewhere(ui_shop), "tiers", NEW_TIERS)
        app.open_card(Customer.get(Customer.last_name == "Müller").id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)
        await type_text(pilot, "100")
        await settle(pilot)
        assert "earned: 400 points (Silver)" in text_of(app.screen.query_one("#preview", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)  # saved: it shows what to charge
        assert "To pay: €100.00" in text_of(app.screen.query_one("#preview", Static))
    purchase = Purchase.select().order_by(Purchase.id.desc()).get()
    assert (purchase.earned_points, purchase.rate) == (400, "4")


async def test_a_purchase_from_a_stale_preview_is_refused_then_shown_anew(app_factory, ui_shop):
    app = app_factory()
    count = Purchase.select().count()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(Customer.get(Customer.last_name == "Müller").id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await type_text(pilot, "100")
        await settle(pilot)
        assert "earned: 150 points (Silver)" in text_of(app.screen.query_one("#preview", Static))
        settings.set_value(elsewhere(ui_shop), "tiers", NEW_TIERS)  # while the form is open
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)
        assert text_of(app.screen.query_one("#amount-error", Label)).startswith(
            "The bonus programme was changed (on another till or the command line) since the "
            "preview was shown; nothing was saved."
        )
        assert Purchase.select().count() == count
        assert "earned: 400 points (Silver)" in text_of(app.screen.query_one("#preview", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)  # saved: it shows what to charge
        assert "To pay: €100.00" in text_of(app.screen.query_one("#preview", Static))
    purchase = Purchase.select().order_by(Purchase.id.desc()).get()
    assert (purchase.earned_points, purchase.rate) == (400, "4")


async def test_the_registration_shows_and_records_the_consent_text_changed_elsewhere(
    app_factory, ui_shop
):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert "(v1)" in text_of(app.screen.query_one("#consent_text_email", Static))
        await fill_registration(pilot, app, phone="0151 5550 1234")
        app.screen.query_one("#consent_data_processing").value = True
        app.screen.query_one("#consent_email").value = True
        new_consent_text(elsewhere(ui_shop), "email", "Neuer Text v2")  # while the form is open
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert text_of(app.screen.query_one("#consent_data-error", Label)).startswith(
            "The consent text changed (on another till or the command line)"
        )
        assert Customer.select().where(Customer.last_name == "Zwetschke").count() == 0
        shown = text_of(app.screen.query_one("#consent_text_email", Static))
        assert shown == "Neuer Text v2  (v2)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    eva = Customer.get(Customer.last_name == "Zwetschke")
    versions = {
        c.purpose: c.text_version for c in Consent.select().where(Consent.customer == eva.id)
    }
    assert versions == {"data_processing": 1, "email": 2}


async def test_a_registration_form_opened_after_the_change_shows_the_new_text(app_factory, ui_shop):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        new_consent_text(elsewhere(ui_shop), "email", "Neuer Text v2")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert text_of(app.screen.query_one("#consent_text_email", Static)) == (
            "Neuer Text v2  (v2)"
        )
