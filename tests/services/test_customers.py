from datetime import date

import pytest

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.domain.errors import InvalidInput, NotFound, Refused
from olga_loyalty.services import customers
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, CustomerChange, LedgerEntry, Lot
from tests.conftest import register


def test_registration_writes_consents_and_welcome_bonus(shop):
    result = customers.register(
        shop,
        CustomerInput(
            first_name="Anna",
            last_name="Müller",
            phone="0151 1234 5678",
            email="Anna@Example.COM",
            birthday="1980-12-24",
        ),
        consents={"data_processing", "email"},
        method="verbal",
        staff="Olga",
    )
    c = result.customer
    assert (c.phone, c.email, c.email_key) == (
        "+4915112345678",
        "Anna@example.com",
        "anna@example.com",
    )
    assert (c.last_key, c.last_key_de, c.phone_rev, c.birthday_md) == (
        "muller",
        "mueller",
        "87654321151",
        1224,
    )
    records = {r.purpose: r for r in Consent.select().where(Consent.customer == c.id)}
    assert sorted(records) == ["data_processing", "email"]
    assert records["email"].method == "verbal"
    assert records["email"].text_version == 1
    assert records["email"].recorded_by == "Olga"
    assert (result.welcome_points, result.welcome_expires_on) == (100, date(2026, 3, 11))
    assert ledger.balance(c.id, shop.today()) == 100


def test_registration_without_data_consent_writes_nothing(shop):
    with pytest.raises(InvalidInput, match="needs the customer's consent to data processing"):
        customers.register(shop, CustomerInput("Anna", "M", "0151 12345678"), consents={"email"})
    assert Customer.select().count() == 0
    assert Consent.select().count() == 0


def test_duplicate_phone_and_email_name_the_existing_customer(shop):
    register(shop, phone="0151 1234 5678", email="anna@example.com")
    with pytest.raises(InvalidInput) as caught:
        register(shop, "Berta", "Bauer", phone="+49 151 12345678")
    assert (
        str(caught.value)
        == "The phone number 01511 2345678 is already registered to Anna Müller (#1)."
    )
    assert caught.value.params["id"] == 1
    with pytest.raises(
        InvalidInput, match="The email ANNA@example.com is already registered to Anna Müller"
    ):
        register(shop, "Berta", "Bauer", email="ANNA@EXAMPLE.com")
    assert Customer.select().count() == 1


def test_edit_keeps_a_change_history_and_new_search_keys(shop, clock):
    c = register(shop, phone="0151 1234 5678")
    clock.advance(days=1)
    changed = customers.edit(
        shop, c.id, CustomerInput(last_name="Schäfer", phone="0151 1111 2222"), staff="Eva"
    )
    assert changed == ["last_name", "phone"]
    rows = [
        (h.field, h.old_value, h.new_value, h.changed_by) for h in customers.change_history(c.id)
    ]
    assert sorted(rows) == [
        ("last_name", "Müller", "Schäfer", "Eva"),
        ("phone", "+4915112345678", "+4915111112222", "Eva"),
    ]
    assert [h.id for h in customers.find(shop, "schaefer")] == [c.id]
    assert customers.find(shop, "mueller") == []
    assert customers.edit(shop, c.id, CustomerInput(last_name="Schäfer")) == []


def test_edit_to_a_taken_phone_is_refused(shop):
    register(shop, phone="0151 1234 5678")
    b = register(shop, "Berta", "Bauer")
    with pytest.raises(InvalidInput, match="already registered to Anna Müller"):
        customers.edit(shop, b.id, CustomerInput(phone="01511 2345678"))
    assert CustomerChange.select().count() == 0


def test_resolve_by_id_or_phone(shop):
    c = register(shop, phone="0151 1234 5678")
    assert customers.resolve(shop, "1").id == c.id
    assert customers.resolve(shop, "#1").id == c.id
    assert customers.resolve(shop, "+49 151 12345678").id == c.id
    with pytest.raises(NotFound, match="No customer found for '2'"):
        customers.resolve(shop, "2")
    with pytest.raises(InvalidInput, match="neither a customer number nor a phone number"):
        customers.resolve(shop, "Anna")


def test_consent_give_and_withdraw_keep_records(shop, clock):
    c = register(shop)
    customers.give_consent(shop, c.id, "sms", method="digital", staff="Olga")
    with pytest.raises(Refused, match="already given"):
        customers.give_consent(shop, c.id, "sms")
    clock.advance(days=3)
    customers.withdraw_consent(shop, c.id, "sms", method="digital")
    with pytest.raises(Refused, match="no active consent"):
        customers.withdraw_consent(shop, c.id, "sms")
    customers.give_consent(shop, c.id, "sms", method="paper_signed")
    records = customers.consent_records(c.id)
    sms = [r for r in records if r.purpose == "sms"]
    assert len(sms) == 2
    assert sms[1].withdrawn_at is not None and sms[1].withdrawn_method == "digital"
    assert sms[0].withdrawn_at is None
    assert customers.consent_states(c.id)["sms"].active


def test_withdrawing_data_processing_erases(shop):
    c = register(shop, phone="0151 1234 5678", email="a@example.com", notes="Size 38")
    customers.edit(shop, c.id, CustomerInput(notes="Size 40"))
    with pytest.raises(Refused, match="erases the customer"):
        customers.withdraw_consent(shop, c.id, "data_processing")
    assert Customer.get_by_id(c.id).erased_at is None
    customers.withdraw_consent(shop, c.id, "data_processing", erase_confirmed=True)
    erased = Customer.get_by_id(c.id)
    assert (erased.first_name, erased.last_name, erased.phone, erased.email, erased.notes) == (
        "Erased #1",
        "",
        None,
        None,
        "",
    )
    assert erased.last_key == "" and erased.phone_rev == ""
    assert [(h.old_value, h.new_value) for h in customers.change_history(c.id)] == [("", "")]
    forfeit = LedgerEntry.get(LedgerEntry.kind == "forfeit")
    assert forfeit.points == -100
    assert Lot.get(Lot.customer == c.id).remaining == 0
    assert customers.find(shop, "muller") == []
    assert customers.find(shop, "5678") == []
    with pytest.raises(NotFound):
        customers.resolve(shop, "1")


def test_email_consent_needs_an_email_and_sms_consent_a_mobile(shop, db_path):
    from tests.conftest import dump_database

    before = dump_database(db_path)
    for consents, phone, field, message in (
        ({"data_processing", "email"}, "0151 1234 5678", "consent_email", "needs an email"),
        ({"data_processing", "sms"}, "030 1234567", "consent_sms", "030 1234567 is not one"),
    ):
        with pytest.raises(InvalidInput, match=message) as caught:
            customers.register(
                shop,
                CustomerInput(first_name="Eva", last_name="Eck", phone=phone),
                consents=consents,
            )
        assert caught.value.field == field
    assert dump_database(db_path) == before  # nothing written
    landline = register(shop, "Lea", "Land", phone="030 1234567")
    with pytest.raises(Refused, match="needs a mobile number; 030 1234567 is not one"):
        customers.give_consent(shop, landline.id, "sms")
    with pytest.raises(Refused, match="needs an email address"):
        customers.give_consent(shop, landline.id, "email")
    assert sorted(s for s, v in customers.consent_states(landline.id).items() if v.active) == [
        "data_processing"
    ]


def test_an_edit_keeps_what_an_active_marketing_consent_needs(shop):
    anna = register(
        shop,
        "Anna",
        "Arm",
        phone="0151 1234 5678",
        email="anna@example.com",
        consents=("data_processing", "email", "sms"),
    )
    with pytest.raises(InvalidInput, match="withdraw that consent before removing") as caught:
        customers.edit(shop, anna.id, CustomerInput(email=""))
    assert caught.value.field == "email"
    with pytest.raises(InvalidInput, match="the new number must be a mobile number") as caught:
        customers.edit(shop, anna.id, CustomerInput(phone="030 1234567"))
    assert caught.value.field == "phone"
    assert customers.edit(shop, anna.id, CustomerInput(phone="0160 1112223")) == ["phone"]
    customers.withdraw_consent(shop, anna.id, "email")
    assert customers.edit(shop, anna.id, CustomerInput(email="")) == ["email"]


def test_an_email_beginning_like_a_formula_is_refused_at_registration_and_edit(shop):
    data = CustomerInput(
        first_name="Eva", last_name="Formel", phone="0151 7777 1111", email="=1+2@example.com"
    )
    with pytest.raises(InvalidInput, match="begins like a spreadsheet formula") as caught:
        customers.register(shop, data, consents={"data_processing"})
    assert caught.value.field == "email"
    assert Customer.select().where(Customer.last_name == "Formel").count() == 0
    anna = register(shop, phone="0151 7777 2222", email="anna@example.com")
    with pytest.raises(InvalidInput, match="begins like a spreadsheet formula"):
        customers.edit(shop, anna.id, CustomerInput(email="=2*3@example.com"))
    assert Customer.get_by_id(anna.id).email == "anna@example.com"
