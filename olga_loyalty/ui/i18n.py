"""The UI in the shop's language: the app's translator, and the texts Textual itself shows
(its palette, its footer's ctrl+p) translated like ours.

Binding descriptions stay the English originals on the classes (`BINDINGS`); the footer
(`ui/keys.footer_bindings`), F1's help and the palette translate them when they show them,
so a change of language needs nothing rebuilt but the screens."""

from __future__ import annotations

from textual.app import active_app

from olga_loyalty.i18n import Translator

#: Texts of Textual's own that a person sees → our English wording of them, which the
#: catalogue translates like every message (`textual_text`). tests/ui/test_textual_texts.py
#: walks the German UI for Textual's English.
TEXTUAL_LABELS = {
    "palette": "Commands",  # the footer's ctrl+p (Textual's description is "palette")
    "Open the command palette": "Open the command palette",  # its tooltip
    "Search for commands…": "Search for commands…",  # the palette's placeholder
    "Search for themes…": "Search for themes…",
    "No matches found": "No matches found",
    "Dismiss menu": "Close the list",  # a Select's open list, in the footer
    "Quit the app and return to the command prompt.": "Quit",
    "Exit the command palette": "Close",
}


def translator() -> Translator:
    """The running app's translator (for code that has no screen at hand)."""
    t = getattr(active_app.get(), "t", None)
    if not isinstance(t, Translator):
        raise RuntimeError("not inside Olga Loyalty's app")
    return t


def textual_text(t: Translator, text: str) -> str:
    """One of Textual's own texts (or one of ours) in the shop's language."""
    return t(TEXTUAL_LABELS.get(text, text)) if text else ""
