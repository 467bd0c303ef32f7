"""Input hygiene in one place: the characters no typed text, stored record or written file
may carry.

A control character (the C0/C1 codes, DEL, escape sequences' ESC), a lone surrogate, a
bidirectional override or a line/paragraph separator is invisible in a form and harmful
elsewhere: it breaks an .xlsx file (openpyxl refuses the cell), reorders or recolours a
terminal (`settings audit`), or hides what a record says. So:

- text a person types (staff names, reasons, notes, settings values) with one of them is
  refused in words (`check_typed`); line breaks and tabs are allowed where the field has
  several lines (customer notes, consent texts);
- text read from a file (an imported cell, a file name) has them removed (`strip_controls`),
  and the caller counts what changed;
- text written out for a person (an export, the audit view) shows each one as a visible
  stand-in (`visible`), so a record saved before these rules can still be exported;
- text echoed back in a message or cut to a column's width is `shorten`ed: at most so many
  characters, the last an ellipsis when it was cut.
"""

from __future__ import annotations

from olga_loyalty.domain.controls import (
    BIDI_CONTROLS,
    LINE_SEPARATORS,
    MULTILINE_ALLOWED,
    has_controls,
    is_control,
    visible,
)
from olga_loyalty.domain.errors import InvalidInput

__all__ = [
    "BIDI_CONTROLS",
    "LINE_SEPARATORS",
    "MULTILINE_ALLOWED",
    "check_typed",
    "has_controls",
    "is_control",
    "is_digits",
    "shorten",
    "strip_controls",
    "visible",
]


def is_digits(text: str) -> bool:
    """Only the digits 0-9, at least one: what `int()` reads as typed. `str.isdigit` also
    takes '²' (which `int()` refuses: an unexpected error where a message was due) and
    full-width or Arabic-Indic digits (which `int()` reads, a number nobody saw typed)."""
    return text.isascii() and text.isdigit()


def check_typed(text: str, *, field: str, label: str, multiline: bool = False) -> str:
    """Refuse typed text with control characters, in words; returns the text unchanged."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if has_controls(text, multiline=multiline):
        bad = next(ch for ch in text if is_control(ch, multiline=multiline))
        raise InvalidInput(
            "The {label} contains an invisible control character ({code}); "
            "please type it again without it.",
            field=field,
            label=label,
            code=f"U+{ord(bad):04X}",
        )
    return text


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """Text read from a file without its control characters (a tab or line break becomes a
    space in one-line text). Compare with the input to count what changed."""
    if not has_controls(text, multiline=multiline):
        return text
    out = []
    for ch in text:
        if not is_control(ch, multiline=multiline):
            out.append(ch)
        elif ch in "\t\n\r" or ch in LINE_SEPARATORS:
            out.append(" ")
    return "".join(out)


def shorten(text: object, limit: int = 40, *, printable: bool = True) -> str:
    """At most `limit` characters, the last one "…" when the text was longer. With
    `printable` (what a person typed, echoed back in a message or a printed table) each
    control character (a line break, a control code) is shown as its visible stand-in
    first (`visible`: `␊`, `␛`); without it (a column of a screen's table) the text is only
    cut."""
    text = str(text)
    if printable:
        text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
