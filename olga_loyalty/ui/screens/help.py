"""F1: every key on every screen, in the shop's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.keys import key_label
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import marked


def _own_bindings(cls: type) -> Iterator[Binding]:
    """The keys this product defines (not Textual's built-in focus and copy keys)."""
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("olga_loyalty"):
            yield from (b for b in klass.__dict__.get("BINDINGS", []) if isinstance(b, Binding))


class HelpScreen(BaseScreen):
    """Every key on every screen; it opens at the keys of the screen it was called from
    (whose footer shows only its main keys)."""

    BINDINGS = [Binding("escape", "close", "Back"), Binding("f1", "close", "Back", show=False)]

    def __init__(
        self, came_from: Screen[Any] | None, sections: list[tuple[str, type, list[tuple[str, str]]]]
    ) -> None:
        super().__init__()
        self.came_from = came_from
        #: a title, the class whose keys it lists, and lines of keys beyond those (from the
        #: app: `ui/app.py _screens`)
        self.sections = sections

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        with VerticalScroll(id="help"):
            yield Static(
                t("^ in the footer means Ctrl (Strg on a German keyboard)."), classes="help-block"
            )
            for number, (title, cls, extra) in enumerate(self.sections):
                lines: list[Content | str] = [marked("[b]{title}[/b]", title=t(title))]
                seen = set()
                for b in _own_bindings(cls):
                    if b.description and b.description not in seen and b.key != "ctrl+q":
                        seen.add(b.description)
                        key = key_label(b.key, t)
                        lines.append(f"  {key:<12} {t(b.description)}")
                for key, text in extra:
                    lines.append(f"  {key:<12} {t(text)}")
                yield Static(text_lines(*lines), classes="help-block", id=f"help-{number}")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.t("Help")
        for number, (_, cls, _) in enumerate(self.sections):
            if isinstance(self.came_from, cls):  # the app is no screen: never matched
                block = self.query_one(f"#help-{number}")
                self.call_after_refresh(block.scroll_visible, top=True, animate=False)
                break

    def action_close(self) -> None:
        self.app.pop_screen()
