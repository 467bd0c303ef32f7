"""Dates as typed, and the century of a two-digit year (docs/rules.md, "Dates as typed")."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.customers import parse_birthday
from olga_loyalty.domain.dates import read_date
from olga_loyalty.domain.errors import InvalidInput

TODAY = date(2026, 1, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-04-03", date(1985, 4, 3)),
        ("03.04.1985", date(1985, 4, 3)),
        ("3.4.1985", date(1985, 4, 3)),
        ("3.4.85", date(1985, 4, 3)),
        ("3. 4. 85", date(1985, 4, 3)),
        ("03.04.85", date(1985, 4, 3)),
        ("24.12.80", date(1980, 12, 24)),
        ("3.4.25", date(2025, 4, 3)),  # last April: a baby's birthday
        ("10.1.26", date(2026, 1, 10)),  # today
        ("11.1.26", date(1926, 1, 11)),  # tomorrow has not come: a hundred years ago
        ("3.4.26", date(1926, 4, 3)),
        ("29.2.00", date(2000, 2, 29)),
        ("1.1.00", date(2000, 1, 1)),
    ],
)
def test_dates_in_the_past(text, expected):
    assert read_date(text, TODAY, past=True) == expected


def test_the_english_screens_day_is_read_day_first():
    """The English screens write a day as 01/02/1990 (en_GB: the first of February); the
    birthday field read only 01.02.1990 and 1990-02-01, so what the card showed was refused
    (a tester). A month first (12/24/1980, as in the US) is no date."""
    assert read_date("01/02/1990", TODAY) == date(1990, 2, 1)
    assert read_date("3/4/85", TODAY) == date(1985, 4, 3)
    assert read_date("24/12/80", TODAY) == date(1980, 12, 24)


@pytest.mark.parametrize(
    "text",
    [
        *("", "3.4.", "3/4.85", "12/24/1980", "85-04-03", "3.4.985", "30.2.85", "1.13.85", "x"),
        *("٠١/٠٢/١٩٩٠", "٠١.٠٢.١٩٩٠", "１９９０-０２-０１"),  # digits int() reads, nobody saw typed
    ],
)
def test_what_is_not_a_date(text):
    assert read_date(text, TODAY) is None


def test_dates_ahead_are_in_this_century():
    assert read_date("3.4.27", TODAY, past=False) == date(2027, 4, 3)
    assert read_date("3.4.85", TODAY, past=False) == date(2085, 4, 3)


@given(st.dates(min_value=date(1927, 1, 11), max_value=TODAY))
def test_a_past_date_within_a_hundred_years_survives_two_digits(day):
    """Any day of the last hundred years, typed with a two-digit year, is read back as itself."""
    assert read_date(f"{day.day}.{day.month}.{day.year % 100:02d}", TODAY, past=True) == day


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_a_short_past_date_is_never_ahead_nor_a_century_back(day):
    found = read_date(f"{day.day}.{day.month}.{day.year % 100:02d}", TODAY, past=True)
    if found is not None:  # 29.02 of a year only a century later has
        assert TODAY - timedelta(days=36525) < found <= TODAY
        assert (found.month, found.day, found.year % 100) == (day.month, day.day, day.year % 100)


def test_the_birthday_takes_short_dates():
    assert parse_birthday("3.4.85", TODAY) == date(1985, 4, 3)
    assert parse_birthday("24.12.80", TODAY) == date(1980, 12, 24)
    with pytest.raises(InvalidInput, match="is not a date"):
        parse_birthday("3.4.", TODAY)
