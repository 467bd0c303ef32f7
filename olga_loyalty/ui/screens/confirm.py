"""A confirmation that has to be typed, for what cannot be undone."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Label, Static

from olga_loyalty.ui.base import BaseModal, FieldError
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
