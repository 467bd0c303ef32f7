"""The characters no typed text, stored record or written file may carry, and how each is
shown when it is written out anyway (domain/text.py has the rules that use them). Apart
from domain/text.py, so that an error message (domain/errors.py) can show what was typed
the same way without a circle of imports."""

from __future__ import annotations

import unicodedata

#: Bidirectional embeddings, overrides and isolates, and the invisible direction marks:
#: they reorder what a screen or a terminal shows ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Unicode's own line breaks besides "\n": they split a line where no one sees a break.
LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
#: What a line break may be in a field with several lines.
MULTILINE_ALLOWED = frozenset("\n\t")


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
