"""Dates as people type them: `1985-04-03`, `03.04.1985`, `3.4.1985` and the short `3.4.85`.

A two-digit year needs a century; the rule depends on which way the date lies
(docs/rules.md, "Dates as typed"):

- a date in the past (a birthday) gets the latest year ending in those digits that does
  not put it after today: on 10 Jan 2026, `3.4.85` is 1985, `3.4.25` is 2025 and `3.4.26`
  is 1926 (3 Apr 2026 has not come yet);
- any other date (a follow-up call ahead, the day a consent form was signed, which the
  caller refuses when it is after today) gets the year of this century: `3.4.27` is 2027,
  `1.3.24` is 2024, never 1924.
"""

from __future__ import annotations

import re
from datetime import date

from olga_loyalty.domain.errors import InvalidInput

#: Digits 0-9 only (re.ASCII), as for every number typed (domain.text.is_digits): `int()`
#: would read Arabic-Indic or full-width digits as a date nobody saw typed.
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
#: 24.12.1980 (German), and 24/12/1980 as the English screens write a day (en_GB: the
#: day first); one separator throughout.
_DOTTED = re.compile(r"(\d{1,2})([./])\s*(\d{1,2})\2\s*(\d{4}|\d{2})", re.ASCII)


def read_date(text: str, today: date, *, past: bool = True) -> date | None:
    """The date a person typed, or None when the text is not one (a wrong shape, or a day
    the calendar does not have, like 30.02.1985)."""
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _date_or_none(year, month, day)
    match = _DOTTED.fullmatch(text)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(3))
    digits = match.group(4)
    if len(digits) == 4:
        return _date_or_none(int(digits), month, day)
    return _short_year(int(digits), month, day, today, past=past)


def _short_year(short: int, month: int, day: int, today: date, *, past: bool) -> date | None:
    century = today.year // 100 * 100
    if not past:
        return _date_or_none(century + short, month, day)
    for year in (century + short, century + short - 100):
        found = _date_or_none(year, month, day)
        if found is not None and found <= today:
            return found
    return None  # a day neither year has (31.04), or 29.02 that only a future year has


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_days(text: str, *, field: str) -> int:
    """A validity in days as typed into a form: a whole number from 1 to 3650."""
    cleaned = str(text).strip()
    if not cleaned:
        raise InvalidInput("Please enter a number of days.", field=field)
    if not re.fullmatch(r"[0-9]{1,7}", cleaned):
        raise InvalidInput(
            "'{text}' is not a whole number of days.", field=field, text=cleaned[:20]
        )
    days = int(cleaned)
    if not 1 <= days <= 3650:
        raise InvalidInput("A validity must be between 1 and 3650 days.", field=field)
    return days
