"""Customer fields: validation with readable messages, phones, emails, search keys."""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from olga_loyalty.domain.dates import read_date
from olga_loyalty.domain.errors import Count, InvalidInput, Plural
from olga_loyalty.domain.text import check_typed, shorten

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

NAME_MAX = 80
NOTES_MAX = 2000
#: Words people type for a salutation, mapped to the stored value ("" = none).
_SALUTATION_WORDS = {
    "": "",
    "none": "",
    "keine": "",
    "-": "",
    "frau": "Frau",
    "fr.": "Frau",
    "ms": "Frau",
    "mrs": "Frau",
    "herr": "Herr",
    "hr.": "Herr",
    "mr": "Herr",
}
#: The spelled-out key: German umlauts as Germans type them without the key (and the Danish
#: and Norwegian ø, written "oe" the same way: Søren → soeren).
_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe"})


def _has_control_chars(text: str) -> bool:
    if text.isprintable():  # in C: no character of the categories below (the usual case)
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text)


def clean_name(value: str | None, *, field: str, label: str) -> str:
    """Trim and check a first or last name: required, 1–80 characters, printable."""
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput("Please enter the {label}.", field=field, label=label)
    if len(text) > NAME_MAX:
        raise InvalidInput(
            Plural(
                "The {label} is too long ({length} character; at most {maximum}).",
                "The {label} is too long ({length} characters; at most {maximum}).",
                len(text),
            ),
            field=field,
            label=label,
            length=Count(len(text)),
            maximum=Count(NAME_MAX),
        )
    if _has_control_chars(text):
        raise InvalidInput(
            "The {label} contains characters that cannot be printed.", field=field, label=label
        )
    if not any(ch.isalpha() for ch in text):
        raise InvalidInput("The {label} must contain letters.", field=field, label=label)
    return text


def normalize_phone(value: str | None, region: str = "DE", *, field: str = "phone") -> str:
    """Any way of writing a phone number → E.164 (`+4915112345678`), or a clear refusal."""
    # phonenumbers is imported on first use, here and below: the first screen is painted
    # without it and the app loads it in the background (docs/benchmarks.md).
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

    text = (value or "").strip()
    if not text:
        raise InvalidInput("Please enter a phone number.", field=field)
    if len(text) > 40:
        raise InvalidInput("The phone number {text} is too long.", field=field, text=shorten(text))
    if _has_control_chars(text) or re.search(r"[^0-9+()\-./ ]", text):
        raise InvalidInput(
            "'{text}' is not a phone number: use only digits, spaces and + ( ) - / .",
            field=field,
            text=shorten(text),
        )
    if text.isdigit() and not text.startswith("0") and len(text) >= 10:
        # "4915112345678": an international number whose "+" was lost (a spreadsheet number
        # cell); a national number with its area code always starts with 0.
        try:
            international = phonenumbers.parse("+" + text, None)
        except NumberParseException:
            international = None
        if international is not None and phonenumbers.is_valid_number(international):
            return phonenumbers.format_number(international, PhoneNumberFormat.E164)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidInput(
                "The phone number {text} has an unknown country code.",
                field=field,
                text=shorten(text),
            ) from None
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise InvalidInput(
                "The phone number {text} is too short.", field=field, text=shorten(text)
            ) from None
        if exc.error_type == NumberParseException.TOO_LONG:
            raise InvalidInput(
                "The phone number {text} is too long.", field=field, text=shorten(text)
            ) from None
        raise InvalidInput(
            "'{text}' is not a phone number.", field=field, text=shorten(text)
        ) from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise InvalidInput(
            "The phone number {text} is too short: please add the area code or mobile prefix.",
            field=field,
            text=shorten(text),
        )
    if reason == ValidationResult.TOO_LONG:
        raise InvalidInput("The phone number {text} is too long.", field=field, text=shorten(text))
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise InvalidInput(
            "The phone number {text} has an unknown country code.", field=field, text=shorten(text)
        )
    length = _length_problem(number)
    if length == "short":
        raise InvalidInput(
            "The phone number {text} is too short: digits are missing.",
            field=field,
            text=shorten(text),
        )
    if length == "long":
        raise InvalidInput(
            "The phone number {text} is too long: it has digits too many.",
            field=field,
            text=shorten(text),
        )
    raise InvalidInput(
        "The phone number {text} does not exist in the numbering plan "
        "(check the area code or mobile prefix).",
        field=field,
        text=shorten(text),
    )


def _length_problem(number: PhoneNumber) -> str | None:
    """ "short" or "long" when the number is one of a kind the country has, with digits
    missing or too many; None when no number there starts like it.

    phonenumbers' `is_possible_number_with_reason` answers by the lengths of all the
    country's numbers together, and German numbers are 5 to 15 digits long: "0151 123" is a
    possible length, yet no mobile number is that short. So the question is put to the
    number's own kind: would some number be valid with the last digits cut off (too long),
    or with digits added (too short)? Only asked for a number already refused."""
    import phonenumbers

    national = str(number.national_number)
    zeros = "0" * (number.number_of_leading_zeros or 0) if number.italian_leading_zero else ""

    def valid(digits: str) -> bool:
        candidate = phonenumbers.PhoneNumber(
            country_code=number.country_code,
            national_number=int(digits),
            italian_leading_zero=bool(zeros),
            number_of_leading_zeros=len(zeros) or None,
        )
        return phonenumbers.is_valid_number(candidate)

    for cut in range(1, 6):
        if len(national) - cut >= 2 and valid(national[:-cut]):
            return "long"
    for added in range(1, 9):
        if len(national) + added > 17:
            break
        if any(valid(national + digit * added) for digit in "0123456789"):
            return "short"
    return None


def phone_start(text: str, region: str = "DE") -> str | None:
    """The start of an E.164 number that a typed phone start stands for, or None when what
    was typed cannot be one: `0151 2345` → `+491512345` (the trunk prefix 0 of the shop's
    country dropped), `+43 664` → `+43664`, `0043 664` → `+43664`. A start is written as
    it is dialled: with the trunk prefix, `+` or `00`; bare digits (`1512`) are an ending
    only, except in a country without a trunk prefix."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:] if len(digits) > 2 else None
    code = phonenumbers.country_code_for_region(region)
    metadata = PhoneMetadata.metadata_for_region(region)
    if not code or metadata is None:
        return None
    trunk = metadata.national_prefix or ""
    if trunk:
        if not digits.startswith(trunk) or len(digits) == len(trunk):
            return None
        digits = digits[len(trunk) :]
    return f"+{code}{digits}"


def is_mobile(e164: str) -> bool:
    """Can the number get an SMS? Mobile numbers, and numbers whose kind the numbering plan
    does not tell apart (US and Canadian numbers are "fixed line or mobile")."""
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberType

    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.UNKNOWN,
    )


def consent_problems(
    consents: Container[str], *, email: str, phone: str, region: str = "DE"
) -> dict[str, InvalidInput]:
    """What the contact details lack for the marketing consents asked for, by form field:
    email consent needs an email address, SMS consent a mobile number. `email` and `phone`
    are the checked values (E.164); an empty phone is another field's problem."""
    problems: dict[str, InvalidInput] = {}
    if "email" in consents and not email:
        problems["consent_email"] = InvalidInput(
            "Consent to newsletters by email needs an email address: please enter one.",
            field="consent_email",
        )
    if "sms" in consents and phone and not is_mobile(phone):
        problems["consent_sms"] = InvalidInput(
            "Consent to offers by SMS needs a mobile number; {phone} is not one.",
            field="consent_sms",
            phone=phone_for_display(phone, region),
        )
    return problems


def phone_for_display(e164: str, region: str = "DE") -> str:
    """The readable form: national for the shop's own country, international otherwise."""
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat

    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def phone_search_key(e164: str) -> str:
    """The national digits reversed, so that "ends with 5678" is an indexed prefix search.

    Country calling codes are prefix-free, so the code is the one prefix of 1–3 digits that
    phonenumbers knows; the rest without leading zeros is the national number (as
    `parse(e164).national_number` gives it, without paying for a full parse)."""
    import phonenumbers

    digits = re.sub(r"\D", "", e164)
    if e164.startswith("+"):
        for length in (1, 2, 3):
            if int(digits[:length] or 0) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                digits = digits[length:].lstrip("0") or "0"
                break
    return digits[::-1]


@cache
def _email_validator() -> tuple[Callable[..., Any], type[Exception]]:
    """email-validator, imported on first use (the till's first screen does not need it,
    docs/benchmarks.md), with its check of the domain part remembered per domain: that check
    (IDNA/UTS-46, most of the time an address takes) gives the same answer for every
    address at gmail.com, and an import checks thousands. Errors are not remembered."""
    import email_validator

    # the submodule, whose name the package's function hides
    module = importlib.import_module("email_validator.validate_email")
    check = getattr(module, "validate_email_domain_name", None)
    if callable(check) and not hasattr(check, "cache_info"):
        module.__dict__["validate_email_domain_name"] = lru_cache(maxsize=4096)(check)
    return email_validator.validate_email, email_validator.EmailNotValidError


def normalize_email(value: str | None, *, field: str = "email") -> str:
    """Syntax check without network; domain lowercased. Empty means no email."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > 254 or _has_control_chars(text):
        raise InvalidInput("'{text}' is not an email address.", field=field, text=shorten(text))
    validate_email, EmailNotValidError = _email_validator()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(
            "'{text}' is not an email address (like name@example.com).",
            field=field,
            text=shorten(text),
        ) from None
    address: str = result.normalized
    if _reads_as_formula(address):
        raise InvalidInput(
            "'{text}' begins like a spreadsheet formula ({start}); an address like that "
            "cannot go into an export unchanged. Check it with the customer.",
            field=field,
            text=shorten(text),
            start=address[0],
        )
    return address


#: An address stays exactly as stored in every export (exports/cells.py leaves a plain
#: address alone): one that starts with "=" is always read as a formula, one that starts with
#: "+" or "-" only when it holds characters a plain address has not (quotes, "!", "|", ...).
_PLAIN_ADDRESS = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _reads_as_formula(address: str) -> bool:
    if address.startswith("="):
        return True
    return address.startswith(("+", "-")) and not _PLAIN_ADDRESS.fullmatch(address)


def normalize_salutation(value: str | None, *, field: str = "salutation") -> str:
    key = (value or "").strip().lower()
    if key not in _SALUTATION_WORDS:
        raise InvalidInput(
            "The salutation must be Frau, Herr or empty, not '{text}'.",
            field=field,
            text=shorten(value or ""),
        )
    return _SALUTATION_WORDS[key]


def parse_birthday(
    value: str | date | None, today: date, *, field: str = "birthday"
) -> date | None:
    """A real past date, age 0–120. Accepts 1980-12-24 and 24.12.1980."""
    if value is None or value == "":
        return None
    born: date | None
    if isinstance(value, date):
        born = value
    else:
        text = value.strip()
        if not text:
            return None
        born = read_date(text, today, past=True)  # 3.4.85: the century rule of dates.py
        if born is None:
            raise InvalidInput(
                "'{text}' is not a date. Type the birthday like 24/12/1980 or 1980-12-24.",
                field=field,
                text=shorten(text),
            )
    if born > today:
        raise InvalidInput("The birthday cannot be in the future.", field=field)
    if today.year - born.year > 120:
        raise InvalidInput("The birthday is more than 120 years ago.", field=field)
    return born


def clean_notes(value: str | None, *, field: str = "notes") -> str:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > NOTES_MAX:
        raise InvalidInput(
            Plural(
                "The notes are too long ({length} character; at most {maximum}).",
                "The notes are too long ({length} characters; at most {maximum}).",
                len(text),
            ),
            field=field,
            length=Count(len(text)),
            maximum=Count(NOTES_MAX),
        )
    return check_typed(text, field=field, label="note", multiline=True)


def fold(text: str) -> str:
    """Case- and accent-folded to plain ASCII: `Müller` → `muller`, `Björn` → `bjorn`,
    `Straße` → `strasse`, and the letters no Unicode decomposition takes apart: `Yılmaz` →
    `yilmaz`, `Søren` → `soren`, `Łukasz` → `lukasz`, `Đorđe` → `dorde`, `Þór` → `thor`;
    other scripts are transliterated (`Иванова` → `ivanova`). anyascii does the letters;
    the search keys stored in the database are made with this function (a change to it
    needs a migration that makes them again: storage/migrations.py)."""
    if text.isascii():  # most names: nothing to transliterate, and casefold is lower
        return text.lower().strip()
    from anyascii import anyascii

    return anyascii(text.casefold()).lower().strip()


def fold_german(text: str) -> str:
    """The German transliteration: `Müller` → `mueller`; other accents stripped as in fold."""
    if text.isascii():
        return text.lower().strip()
    composed = unicodedata.normalize("NFC", text.casefold()).translate(_GERMAN_FOLDS)
    return fold(composed)


def name_keys(name: str) -> tuple[str, str]:
    """Both search forms of a name, stored at write time and indexed."""
    return fold(name), fold_german(name)


def query_forms(text: str) -> set[str]:
    """The forms of a typed query that are compared with the stored keys."""
    return {form for form in (fold(text), fold_german(text)) if form}


@dataclass(frozen=True)
class CustomerInput:
    """The fields of a customer as typed, before validation."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    salutation: str | None = None
    birthday: str | date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class CustomerFields:
    """The fields of a customer after validation, ready to store."""

    first_name: str
    last_name: str
    phone: str
    email: str
    salutation: str
    birthday: date | None
    notes: str


def validate_customer(data: CustomerInput, *, region: str, today: date) -> CustomerFields:
    """Check every field; the first problem found (in form order) is raised."""
    fields, errors = validate_customer_all(data, region=region, today=today)
    if errors:
        raise next(iter(errors.values()))
    assert fields is not None
    return fields


def validate_customer_all(
    data: CustomerInput, *, region: str, today: date
) -> tuple[CustomerFields | None, dict[str, InvalidInput]]:
    """Every field's problem at once, for a form that marks each wrong field."""
    checks: dict[str, Callable[[], object]] = {
        "first_name": lambda: clean_name(data.first_name, field="first_name", label="first name"),
        "last_name": lambda: clean_name(data.last_name, field="last_name", label="last name"),
        "phone": lambda: normalize_phone(data.phone, region),
        "email": lambda: normalize_email(data.email),
        "salutation": lambda: normalize_salutation(data.salutation),
        "birthday": lambda: parse_birthday(data.birthday, today),
        "notes": lambda: clean_notes(data.notes),
    }
    values: dict[str, object] = {}
    errors: dict[str, InvalidInput] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as exc:
            errors[name] = exc
    if errors:
        return None, errors
    return CustomerFields(**values), {}  # type: ignore[arg-type]
