"""Money is Decimal with two places, never float.

Amounts are typed by people at a till in Germany and elsewhere, so both `12.50` and
`12,50` are accepted, and so are grouped forms like `1.234,50` or `1,234.50`. The
separator that comes last is the decimal one; babel does the locale-aware parsing.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from olga_loyalty.domain.errors import Count, InvalidInput, Money
from olga_loyalty.domain.text import shorten

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The largest amount one purchase may have; a typo of extra zeros must not go through.
MAX_AMOUNT = Decimal("100000.00")
#: The largest number of points one action may move.
MAX_POINTS = 10_000_000

_AMOUNT_SHAPE = re.compile(r"^[+-]?[0-9][0-9.,]*$")
#: One separator and three digits after it: `2.500` is two thousand five hundred as a German
#: shop writes it, and 2.50 with a third decimal as a calculator writes it; `1,250` the same
#: the other way round. Refused as unclear, not guessed.
_UNCLEAR = re.compile(r"^[+-]?[0-9]+[.,][0-9]{3}$")


def quantize(value: Decimal) -> Decimal:
    """Round half up to cents, the way a till rounds."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_int(value: Decimal) -> int:
    """Whole number below or equal to value (points are never rounded up)."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def parse_amount(
    text: str | Decimal,
    *,
    field: str = "amount",
    allow_zero: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """Parse a money amount typed by a person into a Decimal with two places."""
    if isinstance(text, Decimal):
        raw = text
    else:
        cleaned = str(text).strip().replace("€", "").replace("\u00a0", "").strip()
        if not cleaned:
            raise InvalidInput("Please enter an amount.", field=field)
        if not _AMOUNT_SHAPE.match(cleaned):
            raise InvalidInput(
                "'{text}' is not an amount of money. Type it like 12.50 or 12,50.",
                field=field,
                text=shorten(text),
            )
        if _UNCLEAR.match(cleaned):
            raise InvalidInput(
                "'{text}' is unclear: a thousands separator, or a third decimal place? Type "
                "the amount without a thousands separator and the cents with two digits, "
                "like 2500 or 2.50.",
                field=field,
                text=shorten(text),
            )
        last_comma, last_dot = cleaned.rfind(","), cleaned.rfind(".")
        locale = "de" if last_comma > last_dot else "en"
        from babel.numbers import NumberFormatError, parse_decimal  # not at start-up

        try:
            raw = parse_decimal(cleaned, locale=locale, strict=True)
        except (NumberFormatError, InvalidOperation):
            raise InvalidInput(
                "'{text}' is not an amount of money. Type it like 12.50 or 12,50.",
                field=field,
                text=shorten(text),
            ) from None
    if not raw.is_finite():
        raise InvalidInput("Please enter an amount like 12.50.", field=field)
    if raw > maximum:
        raise InvalidInput(
            "The amount {amount} is larger than the most allowed ({maximum}).",
            field=field,
            amount=shorten(text, 20),
            maximum=Money(maximum),
        )
    exponent = raw.as_tuple().exponent  # an int: the amount is finite
    if (
        isinstance(exponent, int)
        and exponent < -2
        and raw != raw.quantize(CENT, rounding=ROUND_HALF_UP)
    ):
        raise InvalidInput(
            "An amount has at most two decimal places (cents): '{text}'.",
            field=field,
            text=shorten(text),
        )
    if raw < 0:
        raise InvalidInput("The amount cannot be negative.", field=field)
    if raw == 0 and not allow_zero:
        raise InvalidInput("The amount must be more than zero.", field=field)
    return quantize(raw)


def parse_points(
    text: str | int, *, field: str = "points", allow_negative: bool = False, allow_zero: bool = True
) -> int:
    """Parse a whole number of points; `+` and `-` signs only where allowed."""
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise InvalidInput("Please enter the number of points.", field=field)
    if not re.fullmatch(r"[+-]?[0-9]+", cleaned):
        raise InvalidInput(
            "'{text}' is not a whole number of points.", field=field, text=shorten(text)
        )
    if len(cleaned.lstrip("+-")) > 12:
        raise InvalidInput(
            "{text} points is more than the most allowed ({maximum}).",
            field=field,
            text=shorten(text),
            maximum=Count(MAX_POINTS),
        )
    value = int(cleaned)
    if value < 0 and not allow_negative:
        raise InvalidInput("The number of points cannot be negative.", field=field)
    if value == 0 and not allow_zero:
        raise InvalidInput("The number of points cannot be zero.", field=field)
    if abs(value) > MAX_POINTS:
        raise InvalidInput(
            "{text} points is more than the most allowed ({maximum}).",
            field=field,
            text=str(value),
            maximum=Count(MAX_POINTS),
        )
    return value


def cents(value: Decimal) -> int:
    """Decimal amount to integer cents, for storage."""
    return int(quantize(value) * 100)


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def money_str(value: Decimal) -> str:
    """The machine form, for JSON: a string with two decimals."""
    return str(quantize(value))
