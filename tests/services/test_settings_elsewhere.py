"""A till that keeps running sees the settings another till or the command line changed.

Found by the adversarial test after issues 13-20: `Shop` cached the programme, the shop
settings, the consent texts and the staff names, and only its own saves reset them. A
running till's purchase then computed (and the service recorded) points with the old point
value and tier rates, and a registration recorded consent to a text version the form had not
shown. Two `Shop` objects on one database stand for two tills (or a till and the command
line): each has its own caches, as each process has."""

from __future__ import annotations

from decimal import Decimal

import pytest

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.domain.errors import Refused
from olga_loyalty.services import customers, points, settings
from olga_loyalty.services.shop import Shop, new_consent_text
from olga_loyalty.storage.models import Consent, Customer, Purchase
from tests.conftest import register


@pytest.fixture
def till(shop, clock):
    """A second till on the same database, its caches filled now."""
    return Shop(clock, shop.location).warm()


def test_a_purchase_uses_the_programme_changed_elsewhere(shop, till):
    anna = register(shop, phone="0151 1234 5678")
    old = till.programme
    assert old.point_value == Decimal("0.05")
    settings.set_value(shop, "point_value", "0,10")
    settings.set_value(shop, "tiers", "Base:0:3,Silver:500:4,Gold:1500:5")
    assert till.programme == old  # cached: nothing re-read yet

    result = points.record_purchase(till, anna.id, "100", staff="Olga")

    assert result.plan.tier.rate == Decimal("3")
    assert result.plan.earned_points == 300
    purchase = Purchase.get_by_id(result.purchase_id)
    assert (purchase.rate, purchase.earned_points) == ("3", 300)
    assert till.programme.point_value == Decimal("0.10")


def test_a_purchase_previewed_with_the_old_programme_is_refused(shop, till):
    anna = register(shop, phone="0151 1234 5678")
    shown = till.programme
    settings.set_value(shop, "tiers", "Base:0:3,Silver:500:4,Gold:1500:5")
    with pytest.raises(Refused) as caught:
        points.record_purchase(till, anna.id, "100", programme_shown=shown)
    assert "changed (on another till or the command line) since the preview" in str(caught.value)
    assert caught.value.field == "amount"
    assert Purchase.select().count() == 0
    # the till now holds the new programme: a preview made with it is recorded
    result = points.record_purchase(till, anna.id, "100", programme_shown=till.programme)
    assert result.plan.earned_points == 300


def test_the_shop_settings_and_staff_changed_elsewhere_are_seen(shop, till):
    settings.set_value(shop, "currency", "CHF")
    shop.save_staff(["Olga", "Berta"])
    assert till.settings.currency == "EUR"
    assert till.refresh() is True
    assert till.settings.currency == "CHF"
    assert till.staff_names() == ["Olga", "Berta"]
    assert till.refresh() is False  # nothing changed since: one read, no re-read


def test_a_registration_records_the_text_the_form_showed_or_is_refused(shop, till):
    shown = {p: t.version for p, t in till.consent_texts().items()}
    assert shown == {"data_processing": 1, "email": 1, "sms": 1}
    new_consent_text(shop, "email", "Neuer Text v2")
    data = CustomerInput(
        first_name="Berta", last_name="Bauer", phone="0151 2222 2222", email="berta@example.com"
    )

    with pytest.raises(Refused) as caught:
        customers.register(
            till, data, consents={"data_processing", "email"}, texts_shown=shown, staff="Olga"
        )
    assert "The consent text changed" in str(caught.value)
    assert Customer.select().count() == 0
    assert Consent.select().count() == 0
    # the refusal re-read the texts: the form shows version 2 now, and that is recorded
    assert till.consent_texts()["email"].text == "Neuer Text v2"
    now_shown = {p: t.version for p, t in till.consent_texts().items()}
    done = customers.register(
        till, data, consents={"data_processing", "email"}, texts_shown=now_shown, staff="Olga"
    )
    versions = {
        c.purpose: c.text_version
        for c in Consent.select().where(Consent.customer == done.customer.id)
    }
    assert versions == {"data_processing": 1, "email": 2}


def test_a_text_changed_for_a_consent_she_does_not_give_does_not_matter(shop, till):
    shown = {p: t.version for p, t in till.consent_texts().items()}
    new_consent_text(shop, "sms", "Neuer SMS-Text")
    data = CustomerInput(first_name="Berta", last_name="Bauer", phone="0151 2222 2222")
    done = customers.register(till, data, consents={"data_processing"}, texts_shown=shown)
    assert done.customer.id


@pytest.mark.sqlite_only  # restore copies the SQLite file
def test_a_restore_makes_every_till_re_read(shop, till, tmp_path):
    from olga_loyalty.services import safety

    made = safety.backup(shop, "manual")
    settings.set_value(shop, "point_value", "0,10")
    assert till.refresh() is True
    assert till.programme.point_value == Decimal("0.10")
    safety.restore(shop, made)
    assert till.refresh() is True
    assert till.programme.point_value == Decimal("0.05")
