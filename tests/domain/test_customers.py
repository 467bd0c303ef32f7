import unicodedata
from datetime import date

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.customers import (
    CustomerInput,
    fold,
    fold_german,
    name_keys,
    normalize_email,
    normalize_phone,
    normalize_salutation,
    parse_birthday,
    phone_for_display,
    phone_search_key,
    query_forms,
    validate_customer_all,
)
from olga_loyalty.domain.errors import InvalidInput

TODAY = date(2026, 1, 10)


@pytest.mark.parametrize(
    "text", ["0151 1234 5678", "+49 151 12345678", "0049151-12345678", "(0151) 12345678"]
)
def test_one_number_written_four_ways(text):
    assert normalize_phone(text, "DE") == "+4915112345678"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please enter a phone number."),
        ("12", "The phone number 12 is too short: please add the area code or mobile prefix."),
        ("abc", "'abc' is not a phone number: use only digits, spaces and + ( ) - / ."),
        ("+999 123", "The phone number +999 123 has an unknown country code."),
        ("01511234567890123", "The phone number 01511234567890123 is too long."),
        (
            "0151 123",
            "The phone number 0151 123 does not exist in the numbering plan "
            "(check the area code or mobile prefix).",
        ),
    ],
)
def test_bad_phones_say_why(text, message):
    with pytest.raises(InvalidInput) as caught:
        normalize_phone(text, "DE")
    assert str(caught.value) == message
    assert caught.value.field == "phone"


def test_phone_region_decides_national_numbers():
    assert normalize_phone("0664 1234567", "AT") == "+436641234567"
    assert phone_for_display("+4915112345678", "DE") == "01511 2345678"
    assert phone_for_display("+436641234567", "DE") == "+43 664 1234567"


def test_phone_search_key_is_reversed_national_digits():
    assert phone_search_key("+4915112345678") == "87654321151"
    assert phone_search_key("+390612345678") == "876543216"  # without Italy's leading zero


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_phone_search_key_matches_phonenumbers_national_number(region):
    # The key is cut from the E.164 text without a parse; it must be what a parse gives.
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        parsed = phonenumbers.parse(e164, None)
        assert phone_search_key(e164) == str(parsed.national_number)[::-1]


def test_email_domain_lowercased_and_checked():
    assert normalize_email(" Anna.Muster@Example.COM ") == "Anna.Muster@example.com"
    assert normalize_email("") == ""
    with pytest.raises(InvalidInput, match="is not an email address"):
        normalize_email("anna@")
    with pytest.raises(InvalidInput, match="is not an email address"):
        normalize_email("anna at example.com")


@pytest.mark.parametrize(
    "address, start",
    [("=1+2@example.com", "="), ("=HYPERLINK@example.com", "="), ("-a!b@example.com", "-")],
)
def test_an_email_that_begins_like_a_formula_is_refused(address, start):
    """Found by the adversarial test: `=1+2@example.com` was accepted and then altered by
    the exports' formula guard. An address is refused when an export would have to alter it
    (exports/cells.py `neutralise`); so a stored address always leaves unchanged."""
    from olga_loyalty.exports.cells import neutralise

    with pytest.raises(InvalidInput) as caught:
        normalize_email(address)
    assert str(caught.value) == (
        f"'{address}' begins like a spreadsheet formula ({start}); an address like that "
        "cannot go into an export unchanged. Check it with the customer."
    )
    assert neutralise(address) != address
    for fine in ("+1@example.com", "-info@example.com", "anna=b@example.com", "a+b@example.com"):
        assert normalize_email(fine) == fine
        assert neutralise(fine) == fine


def test_folding_both_forms():
    assert name_keys("Müller") == ("muller", "mueller")
    assert fold("Björn") == "bjorn"
    assert fold_german("Straße") == "strasse"
    assert fold("ÇELİK") == "celik"
    assert query_forms("MÜL") == {"mul", "muel"}
    assert query_forms("mueller") == {"mueller"}


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30))
def test_the_ascii_shortcut_folds_as_the_unicode_way(text):
    """fold and fold_german skip the Unicode work for ASCII text: the result must be what
    casefold + NFKD (and the German table) give."""
    slow = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    ).strip()
    assert fold(text) == slow
    assert fold_german(text) == slow


def test_the_domain_check_is_remembered_but_never_a_refusal():
    import sys

    assert normalize_email("anna@example.org") == "anna@example.org"
    check = sys.modules["email_validator.validate_email"].validate_email_domain_name
    before = check.cache_info().hits
    assert normalize_email("bernd@example.org") == "bernd@example.org"
    assert check.cache_info().hits == before + 1
    for _ in range(2):  # refused each time, not remembered as good
        with pytest.raises(InvalidInput, match="is not an email address"):
            normalize_email("carla@-example.org")


def test_salutation_words():
    assert normalize_salutation("frau") == "Frau"
    assert normalize_salutation("Mr") == "Herr"
    assert normalize_salutation("") == ""
    with pytest.raises(InvalidInput, match="Frau, Herr or empty"):
        normalize_salutation("Dr.")


def test_birthday_rules():
    assert parse_birthday("1980-12-24", TODAY) == date(1980, 12, 24)
    assert parse_birthday("24.12.1980", TODAY) == date(1980, 12, 24)
    assert parse_birthday("", TODAY) is None
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        parse_birthday("2026-01-11", TODAY)
    with pytest.raises(InvalidInput, match="more than 120 years ago"):
        parse_birthday("1900-01-01", TODAY)
    with pytest.raises(InvalidInput, match="is not a date"):
        parse_birthday("1980-02-30", TODAY)


def test_every_wrong_field_is_reported_at_once():
    fields, errors = validate_customer_all(
        CustomerInput(first_name="  ", last_name="x" * 81, phone="12", email="nope", notes="ok"),
        region="DE",
        today=TODAY,
    )
    assert fields is None
    assert sorted(errors) == ["email", "first_name", "last_name", "phone"]
    assert str(errors["first_name"]) == "Please enter the first name."
    assert str(errors["last_name"]) == "The last name is too long (81 characters; at most 80)."


def test_names_are_trimmed_and_control_characters_refused():
    fields, errors = validate_customer_all(
        CustomerInput(first_name="  Anna   Lena ", last_name="Müller", phone="0151 12345678"),
        region="DE",
        today=TODAY,
    )
    assert errors == {}
    assert fields.first_name == "Anna Lena"
    _, errors = validate_customer_all(
        CustomerInput(first_name="An\x00na", last_name="M", phone="0151 12345678"),
        region="DE",
        today=TODAY,
    )
    assert str(errors["first_name"]) == "The first name contains characters that cannot be printed."


def test_a_number_cell_that_lost_its_plus():
    assert normalize_phone("4915134567890", "DE") == "+4915134567890"
    assert normalize_phone("015134567890", "DE") == "+4915134567890"
    assert normalize_phone("436641234567", "DE") == "+436641234567"
