"""A confirmation that has to be typed, for what cannot be undone."""

from __future__ import annotations

import dataclasses

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static, TextArea

from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError
from olga_loyalty.ui.text import plain


class TypedConfirm(BaseModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str | Content, message: str | Content, word: str) -> None:
        super().__init__()
        self.title_text, self.message, self.word = title, message, word

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="confirm-dialog") as box:
            box.border_title = plain(self.title_text)
            yield Static(plain(self.message))
            yield Label(t("Type {word} and press Enter to go on:", word=self.word))
            yield Input(id="word", compact=True)
            yield FieldError(id="word-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def check(self, event: Input.Submitted) -> None:
        if event.value.strip().casefold() == self.word.casefold():
            self.dismiss(True)
        else:
            self.query_one(FieldError).show(
                self.t("That is not {word}; nothing was done.", word=self.word)
            )

    def action_cancel(self) -> None:
        self.dismiss(False)


class Question(BaseModal):
    """One question before something that is easy to do by accident: Enter says yes, Esc
    says no; the footer names both in words ("Enter Discard  Esc Go on typing")."""

    BINDINGS = [
        Binding("enter", "answer(True)", "Yes", priority=True),
        Binding("escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str | Content, message: str | Content, yes: str, no: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message
        table = self._bindings.key_to_bindings
        table["enter"] = [dataclasses.replace(b, description=yes) for b in table["enter"]]
        table["escape"] = [dataclasses.replace(b, description=no) for b in table["escape"]]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="question-dialog") as box:
            box.border_title = plain(self.title_text)
            yield Static(plain(self.message))
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def form_values(screen) -> list[tuple[str, object]]:
    """What the fields of a form hold now: inputs, text areas, lists and boxes."""
    values: list[tuple[str, object]] = []
    for widget in screen.query("Input, TextArea, Select, Checkbox"):
        if isinstance(widget, TextArea):
            values.append((widget.id or "", widget.text))
        elif isinstance(widget, (Input, Select, Checkbox)):
            values.append((widget.id or "", widget.value))
    return values


class DiscardGuard:
    """Esc on a form with typed data asks "Discard?" before anything typed is lost; a form
    left as it opened closes at once. The form's values are noted once it is shown."""

    _untouched: list[tuple[str, object]] | None = None

    def on_mount(self) -> None:
        self.call_after_refresh(self.remember_values)  # type: ignore[attr-defined]

    def remember_values(self) -> None:
        """The values a form opened with (call again after loading them from the database)."""
        self._untouched = form_values(self)

    def has_typed_data(self) -> bool:
        return self._untouched is not None and form_values(self) != self._untouched

    def ask_before_discarding(self, discard) -> None:
        if not self.has_typed_data():
            discard()
            return
        t = self.t  # type: ignore[attr-defined]
        self.app.push_screen(  # type: ignore[attr-defined]
            Question(
                t("Discard?"),
                t("What was typed here is not saved and will be lost."),
                t("Discard"),
                t("Go on typing"),
            ),
            lambda yes: discard() if yes else None,
        )
