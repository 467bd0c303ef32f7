"""A number typed as digits is read only from the digits 0-9. `str.isdigit` also takes '²'
(which `int()` refuses: the command line said "unexpected error" for `refund ²`,
`settings set mail.port ²` and the others below) and full-width digits (which `int()` reads:
'２５' became port 25, a number nobody saw typed). Found on reading the change once more."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.import_mapping import column_index
from olga_loyalty.domain.text import is_digits
from olga_loyalty.services import followups, newsletter, refunds, reminders


@given(st.text(max_size=8))
def test_digits_are_what_int_reads_as_typed(text):
    assert is_digits(text) == (text != "" and all(ch in "0123456789" for ch in text))


@pytest.mark.parametrize("typed", ["²", "２５", "٣", "1²"])
def test_every_typed_number_refuses_other_digits_in_words(shop, typed):
    with pytest.raises(InvalidInput, match="is not a purchase number"):
        refunds.find_purchase(typed)
    with pytest.raises(InvalidInput, match="is not a mail number"):
        reminders._row(typed)
    with pytest.raises(InvalidInput, match="needs a whole number from 1 to 12"):
        newsletter.parse_segment(f"birthday:{typed}", shop)
    with pytest.raises(InvalidInput):
        followups.parse_follow_up(typed, date(2026, 11, 23))
    with pytest.raises(InvalidInput):
        column_index(["Vorname", "Telefon"], typed)
