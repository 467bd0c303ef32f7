"""The owner PIN's rules (SPEC §10): at least 6 digits, or a passphrase. Pure: the hashing
and the stored PIN are services/safety.py."""

from __future__ import annotations

from olga_loyalty.domain.errors import InvalidInput, Plural

PIN_DIGITS_MIN = 6
PIN_DIGITS_MAX = 20
PASSPHRASE_MIN = 12
PASSPHRASE_MAX = 200


def check_new_pin(new_pin: str) -> str:
    """At least 6 digits, or a passphrase of at least 12 characters."""
    text = new_pin.strip()
    if text.isdigit() and text.isascii():
        if not PIN_DIGITS_MIN <= len(text) <= PIN_DIGITS_MAX:
            raise InvalidInput(
                Plural(
                    "A PIN of digits needs {low} to {high} digits; or choose a passphrase of at "
                    "least {words} character.",
                    "A PIN of digits needs {low} to {high} digits; or choose a passphrase of at "
                    "least {words} characters.",
                    PASSPHRASE_MIN,
                ),
                field="pin",
                low=PIN_DIGITS_MIN,
                high=PIN_DIGITS_MAX,
                words=PASSPHRASE_MIN,
            )
        return text
    if not text.isprintable() or not PASSPHRASE_MIN <= len(text) <= PASSPHRASE_MAX:
        raise InvalidInput(
            "The PIN must be {low} or more digits, or a passphrase of {words} to {most} "
            "printable characters.",
            field="pin",
            low=PIN_DIGITS_MIN,
            words=PASSPHRASE_MIN,
            most=PASSPHRASE_MAX,
        )
    return text
