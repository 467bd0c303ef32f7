import unicodedata
from datetime import date

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.customers import (
    CustomerInput,
    consent_problems,
    fold,
    fold_german,
    is_mobile,
    name_keys,
    normalize_email,
    normalize_phone,
    normalize_salutation,
    parse_birthday,
    phone_for_display,
    phone_search_key,
    phone_start,
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
        ("0151 123", "The phone number 0151 123 is too short: digits are missing."),
        ("0151 1234567", "The phone number 0151 1234567 is too short: digits are missing."),
        ("030 12", "The phone number 030 12 is too short: digits are missing."),
        ("0171 123456", "The phone number 0171 123456 is too short: digits are missing."),
        (
            "0151 123456789",
            "The phone number 0151 123456789 is too long: it has digits too many.",
        ),
        (
            "0157 111222333",
            "The phone number 0157 111222333 is too long: it has digits too many.",
        ),
        (
            "0199 1234567",
            "The phone number 0199 1234567 does not exist in the numbering plan "
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


#: The folding table (docs/rules.md, "Search"): the name, its plain key, its spelled-out key.
FOLDING = [
    ("Müller", "muller", "mueller"),
    ("Björn", "bjorn", "bjoern"),
    ("Straße", "strasse", "strasse"),
    ("STRASSE", "strasse", "strasse"),
    ("Yılmaz", "yilmaz", "yilmaz"),  # Turkish dotless ı
    ("YILMAZ", "yilmaz", "yilmaz"),
    ("İpek", "ipek", "ipek"),  # Turkish dotted capital İ
    ("Çelik", "celik", "celik"),
    ("Søren", "soren", "soeren"),  # ø: both ways Danes and Germans type it
    ("Łukasz", "lukasz", "lukasz"),
    ("Đorđević", "dordevic", "dordevic"),
    ("Ærø", "aero", "aeroe"),
    ("Œuvray", "oeuvray", "oeuvray"),
    ("Þórunn", "thorunn", "thorunn"),
    ("Guðrún", "gudrun", "gudrun"),
    ("Ħal", "hal", "hal"),
    ("Məmmədov", "memmedov", "memmedov"),  # Azerbaijani schwa
    ("Ŀlorenç", "llorenc", "llorenc"),
    ("O’Brien", "o'brien", "o'brien"),
    ("Иванова", "ivanova", "ivanova"),
    ("ẞ", "ss", "ss"),
]


@pytest.mark.parametrize(("name", "plain", "spelled"), FOLDING)
def test_the_folding_table(name, plain, spelled):
    assert name_keys(name) == (plain, spelled)
    assert plain in query_forms(name.lower()) or spelled in query_forms(name.lower())


#: Every letter of the Latin blocks European names are written in (Latin-1 Supplement,
#: Latin Extended-A) and the schwa of Azerbaijani names.
EUROPEAN_LETTERS = [
    chr(code) for code in [*range(0xC0, 0x180), 0x18F, 0x259] if chr(code).isalpha()
]


@pytest.mark.parametrize("letter", EUROPEAN_LETTERS)
def test_every_european_letter_folds_to_plain_letters(letter):
    for key in name_keys(letter):
        # ŉ (Afrikaans 'n) keeps its apostrophe
        assert key.isascii() and key.replace("'", "").isalpha(), (letter, key)
        assert key == key.lower(), (letter, key)


@given(st.text(max_size=40))
def test_keys_are_ascii_and_folding_twice_changes_nothing(text):
    for key in name_keys(text):
        assert key.isascii()
        assert fold(key) == key


NAME_LETTERS = st.sampled_from(
    EUROPEAN_LETTERS + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -'")
)


@given(st.text(NAME_LETTERS, min_size=1, max_size=20), st.data())
def test_every_start_of_a_name_finds_it(name, data):
    """What the till types is a start of the name as written: one of its forms is a prefix
    of one of the stored keys, and of the spelled-out key only when the form holds "ae",
    "oe" or "ue" (the service searches that column only then)."""
    cut = data.draw(st.integers(min_value=1, max_value=len(name)))
    typed = name[:cut]
    plain, spelled = name_keys(name)
    forms = query_forms(typed)
    if not forms:
        return  # spaces only
    assert any(plain.startswith(f) for f in forms) or any(
        spelled.startswith(f) and any(pair in f for pair in ("ae", "oe", "ue")) for f in forms
    ), (name, typed, forms)


def test_a_phone_start_is_an_e164_prefix():
    assert phone_start("0151 2345", "DE") == "+491512345"
    assert phone_start("0157", "DE") == "+49157"
    assert phone_start("+43 664", "DE") == "+43664"
    assert phone_start("0043 664", "DE") == "+43664"
    assert phone_start("(0151) 23-45", "DE") == "+491512345"
    assert phone_start("1512", "DE") is None  # bare digits: an ending
    assert phone_start("0", "DE") is None
    assert phone_start("0664 12", "AT") == "+4366412"
    assert phone_start("06 1234", "IT") == "+39061234"  # Italy keeps its 0: no trunk prefix


def test_sms_consent_needs_a_mobile_and_email_consent_an_address():
    assert is_mobile("+4915112345678")
    assert is_mobile("+12015550123")  # US: "fixed line or mobile"
    assert not is_mobile("+49301234567")  # Berlin landline
    assert consent_problems({"email", "sms"}, email="a@b.de", phone="+4915112345678") == {}
    problems = consent_problems({"email", "sms"}, email="", phone="+49301234567", region="DE")
    assert {name: str(error) for name, error in problems.items()} == {
        "consent_email": "Consent to newsletters by email needs an email address: please enter one.",
        "consent_sms": "Consent to offers by SMS needs a mobile number; 030 1234567 is not one.",
    }
    assert consent_problems({"data_processing"}, email="", phone="+49301234567") == {}
