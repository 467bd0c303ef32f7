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

import unicodedata

from olga_loyalty.domain.errors import InvalidInput

#: Bidirectional embeddings, overrides and isolates, and the invisible direction marks:
#: they reorder what a screen or a terminal shows ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Unicode's own line breaks besides "\n": they split a line where no one sees a break.
LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
#: What a line break may be in a field with several lines.
MULTILINE_ALLOWED = frozenset("\n\t")


def is_digits(text: str) -> bool:
    """Only the digits 0-9, at least one: what `int()` reads as typed. `str.isdigit` also
    takes '²' (which `int()` refuses: an unexpected error where a message was due) and
    full-width or Arabic-Indic digits (which `int()` reads, a number nobody saw typed)."""
    return text.isascii() and text.isdigit()


def is_control(ch: str, *, multiline: bool = False) -> bool:
    """Is this one character unwanted in stored text?"""
    if ch.isprintable() and ch not in BIDI_CONTROLS and ch not in LINE_SEPARATORS:
        return False  # the usual case, decided in C
    if multiline and ch in MULTILINE_ALLOWED:
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS or ch in LINE_SEPARATORS


def has_controls(text: str, *, multiline: bool = False) -> bool:
    if text.isprintable():
        # isprintable() is False for every Cc/Cs character and for the separators; only
        # the bidi controls (category Cf) can hide in an otherwise printable text.
        return not BIDI_CONTROLS.isdisjoint(text)
    return any(is_control(ch, multiline=multiline) for ch in text)


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


#: C0 codes and DEL as the Unicode "control pictures" (␀ ␁ … ␛ … ␡): what was there stays
#: readable, and no terminal or spreadsheet acts on it.
_PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}


def visible(text: str, *, keep_line_breaks: bool = False) -> str:
    """Text safe to write out: each control character as a visible stand-in (a control
    picture for C0 codes and DEL, U+FFFD for the rest). Line breaks and tabs stay when
    `keep_line_breaks` (a cell or field with several lines)."""
    if not has_controls(text, multiline=keep_line_breaks):
        return text
    out = []
    for ch in text:
        if not is_control(ch, multiline=keep_line_breaks):
            out.append(ch)
        else:
            out.append(chr(_PICTURES.get(ord(ch), 0xFFFD)))
    return "".join(out)


def shorten(text: object, limit: int = 40, *, printable: bool = True) -> str:
    """At most `limit` characters, the last one "…" when the text was longer. With
    `printable` (what a person typed, echoed back in a message or a printed table) each
    character that is not printable (a line break, a control code) is shown as "?" first;
    without it (a column of a screen's table) the text is only cut."""
    text = str(text)
    if printable:
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
