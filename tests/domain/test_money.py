from decimal import Decimal

import pytest

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.money import cents, from_cents, parse_amount, parse_points


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("12", "12.00"),
        (" 7,5 ", "7.50"),
        ("12.50 €", "12.50"),
        ("100000", "100000.00"),
    ],
)
def test_amounts_typed_both_ways_are_the_same_decimal(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not an amount of money. Type it like 12.50 or 12,50."),
        ("1e9", "'1e9' is not an amount of money. Type it like 12.50 or 12,50."),
        ("NaN", "'NaN' is not an amount of money. Type it like 12.50 or 12,50."),
        ("-5", "The amount cannot be negative."),
        ("0", "The amount must be more than zero."),
        ("", "Please enter an amount."),
        ("12.5055", "An amount has at most two decimal places (cents): '12.5055'."),
        ("1.234,567", "An amount has at most two decimal places (cents): '1.234,567'."),
        # a tester: `2.500` was saved as 2.50 € (a German cashier means 2,500 €), `1,250` as
        # 1.25 (an English one means 1,250): one separator and three digits is unclear
        *(
            (
                unclear,
                f"'{unclear}' is unclear: a thousands separator, or a third decimal place? "
                "Type the amount without a thousands separator and the cents with two digits, "
                "like 2500 or 2.50.",
            )
            for unclear in ("2.500", "1,250", "12,500", "1.234", "12.505", "0,500")
        ),
        ("100000.01", "The amount 100000.01 is larger than the most allowed (100000.00)."),
        ("12.5.5", "'12.5.5' is not an amount of money. Type it like 12.50 or 12,50."),
        ("٣", "'٣' is not an amount of money. Type it like 12.50 or 12,50."),
    ],
)
def test_bad_amounts_are_refused_in_words(text, message):
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text)
    assert str(caught.value) == message


def test_points_parse_whole_numbers_only():
    assert parse_points("150") == 150
    assert parse_points("-50", allow_negative=True) == -50
    for bad in ("1.5", "abc", "", "1e3"):
        with pytest.raises(InvalidInput):
            parse_points(bad)
    with pytest.raises(InvalidInput, match="cannot be negative"):
        parse_points("-1")
    with pytest.raises(InvalidInput, match="more than the most allowed"):
        parse_points("99999999999999")


def test_cents_round_trip():
    assert cents(Decimal("123.45")) == 12345
    assert from_cents(12345) == Decimal("123.45")
