"""What a person types beside points given or taken by hand (an adjustment, an apology, a
bulk bonus): the staff name, the reason and the validity. Pure rules, shared by the
services, the command line and the screens."""

from __future__ import annotations

from datetime import date

from olga_loyalty.domain.errors import Count, InvalidInput, Plural
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.domain.text import check_typed

REASON_MAX = 500
STAFF_MAX = 80
VALIDITY_DAYS = (1, 3650)


def clean_staff(staff: str | None) -> str:
    """A staff name as typed: spaces collapsed, at most 80 characters, no control characters."""
    text = " ".join((staff or "").split())[:STAFF_MAX]
    return check_typed(text, field="staff", label="staff name")


def clean_reason(reason: str | None) -> str:
    """The reason an adjustment needs: spaces collapsed, not empty, at most 500 characters."""
    text = check_typed(" ".join((reason or "").split()), field="reason", label="reason")
    if not text:
        raise InvalidInput("An adjustment needs a reason.", field="reason")
    if len(text) > REASON_MAX:
        raise InvalidInput(
            Plural(
                "The reason is too long (at most {maximum} character).",
                "The reason is too long (at most {maximum} characters).",
                REASON_MAX,
            ),
            field="reason",
            maximum=Count(REASON_MAX),
        )
    return text


def adjustment_expiry(today: date, valid_days: int | None, default_days: int) -> date:
    """The last valid day of points added by hand: `valid_days` from today, or the
    programme's adjustment validity (`default_days`) when none is given."""
    days = valid_days or default_days
    low, high = VALIDITY_DAYS
    if not (low <= days <= high):
        raise InvalidInput("A validity must be between 1 and 3650 days.", field="valid_days")
    return expiry_date(today, days)
