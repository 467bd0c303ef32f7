"""domain.text.shorten: the one "cut with an ellipsis" (issue 18: it was written five times)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.text import has_controls, shorten, visible


def test_short_text_stays_and_long_text_ends_in_an_ellipsis():
    assert shorten("Müller", 40) == "Müller"
    assert shorten("x" * 40, 40) == "x" * 40
    assert shorten("x" * 41, 40) == "x" * 39 + "…"
    assert shorten("Schmidt-Rottluff", 8) == "Schmidt…"


def test_a_control_character_shows_as_its_picture_unless_only_cut():
    """It was a "?", unlike every other place that writes what was typed out (`visible`)."""
    assert shorten("a\nb\x1b[2Jc", 40) == "a\u240ab\u241b[2Jc"  # a␊b␛[2Jc
    assert shorten("Anne\u00a0Marie", 40) == "Anne\u00a0Marie"  # a no-break space stays
    assert shorten("a\nb", 40, printable=False) == "a\nb"
    assert shorten(12.5, 3) == "12…"  # what was typed may come as a number


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_never_longer_than_the_limit_and_a_prefix_of_what_it_shows(text, limit):
    shown = shorten(text, limit)
    assert len(shown) <= limit
    assert not has_controls(shown)
    cleaned = visible(text)
    if len(cleaned) <= limit:
        assert shown == cleaned
    else:
        assert shown == cleaned[: limit - 1] + "…"
    assert shorten(text, limit, printable=False) == (
        text if len(text) <= limit else text[: limit - 1] + "…"
    )
