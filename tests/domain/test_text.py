"""Input hygiene (issue 13): one rule for control characters, checked over any text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.text import check_typed, has_controls, strip_controls, visible

#: Any character, controls, surrogates and the bidi overrides included.
ANY = st.text(alphabet=st.characters(blacklist_categories=()), max_size=40)
CONTROLS = "\x00\x01\x07\x1b\x7f\x85\u2028\u202e\u2066\ud800"


@given(ANY)
def test_refused_exactly_when_it_holds_a_control_character(text):
    if has_controls(text):
        with pytest.raises(InvalidInput) as caught:
            check_typed(text, field="staff", label="staff name")
        assert caught.value.field == "staff"
        assert str(caught.value).startswith("The staff name contains an invisible control")
        assert str(caught.value).isprintable()
    else:
        assert check_typed(text, field="staff", label="staff name") == text


@given(ANY)
def test_stripping_leaves_none_and_changes_nothing_else(text):
    cleaned = strip_controls(text)
    assert not has_controls(cleaned)
    assert strip_controls(cleaned) == cleaned
    assert (cleaned == text) == (not has_controls(text))
    breaks = "\t\n\r\x85\u2028\u2029"  # a line break or tab becomes a space; others go
    assert cleaned == "".join(
        " " if ch in breaks else ch for ch in text if ch in breaks or not has_controls(ch)
    )


@given(ANY)
def test_visible_replaces_each_control_by_one_stand_in(text):
    shown = visible(text)
    assert len(shown) == len(text)
    assert not has_controls(shown)
    for before, after in zip(text, shown, strict=True):
        if before != after:
            assert has_controls(before)
            assert unicodedata.name(after).startswith("SYMBOL FOR") or after == "\ufffd"


@given(st.text(alphabet="ab \n\t\r", max_size=20))
def test_notes_keep_their_line_breaks(text):
    checked = check_typed(text, field="notes", label="notes", multiline=True)
    assert checked == text.replace("\r\n", "\n").replace("\r", "\n")
    assert strip_controls(text, multiline=True) == text.replace("\r", " ")


@pytest.mark.parametrize("ch", list(CONTROLS))
def test_each_kind_of_control_is_caught(ch):
    assert has_controls(f"Eva{ch}")
    with pytest.raises(InvalidInput):
        check_typed(f"Eva{ch}", field="staff", label="staff name")


def test_stand_ins():
    assert visible("Eva\x01\x1b[31m\x7f\u202e") == "Eva␁␛[31m␡\ufffd"
    assert visible("a\nb", keep_line_breaks=True) == "a\nb"
    assert visible("a\nb") == "a␊b"
