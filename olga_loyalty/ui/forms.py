"""Forms: a field with its label and error line, the messages put next to their fields,
and the tick box the forms use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.content import Content
from textual.dom import DOMNode
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.ui.i18n import translator
from olga_loyalty.ui.text import plain


class FieldError(Label):
    """The message under a form field; empty and hidden while the field is fine."""

    DEFAULT_CSS = """
    FieldError { color: $error; height: auto; width: 1fr; display: none; padding: 0 1; }
    FieldError.-shown { display: block; }
    """

    def show(self, text: str) -> None:
        self.update(plain(text))  # a message may quote what was typed: never markup
        self.set_class(bool(text), "-shown")


def form_field(label: str, field_id: str, **input_options: Any) -> Iterator[Widget]:
    """A form row: its label, a one-line input with the field's id, and the error line under
    it (hidden while the field is fine)."""
    yield Label(label)
    yield Input(id=field_id, compact=True, **input_options)
    yield FieldError(id=f"{field_id}-error")


def show_field_errors(
    screen: DOMNode,
    errors: dict[str, LoyaltyError],
    fields: list[str],
    focus: dict[str, str] | None = None,
) -> None:
    """Put each message next to its field; clear the others; focus the first wrong one and
    scroll it into view with its message (at 80×24 a form is taller than the screen).
    `focus` names the widget to focus for a message that is not an input's own
    (`{"consent_data": "consent_data_processing"}`)."""
    t = translator()
    first = None
    for name in fields:
        error = errors.get(name)
        try:
            label = screen.query_one(f"#{name}-error", FieldError)
        except Exception:
            continue
        label.show(error.render(t.gettext) if error else "")
        if error and first is None:
            first = name
    if first:
        try:
            widget = screen.query_one(f"#{(focus or {}).get(first, first)}")
        except Exception:
            return
        widget.focus(scroll_visible=False)
        label = screen.query_one(f"#{first}-error", FieldError)
        # after the refresh, when the message has its height: the field, then its message
        screen.call_after_refresh(widget.scroll_visible, animate=False)
        screen.call_after_refresh(label.scroll_visible, animate=False)


class TickBox(Checkbox):
    """A checkbox whose two states differ in shape, not only in colour: `▐X▌` ticked,
    `▐ ▌` not (Textual draws an X in both)."""

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            (self.BUTTON_INNER if self.value else " ", button_style),
            (self.BUTTON_RIGHT, side_style),
        )
