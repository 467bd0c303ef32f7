"""What every screen shares: translation, database work in thread workers, field errors."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import active_app
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from olga_loyalty import logs
from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.storage.models import database
from olga_loyalty.ui.text import plain

if TYPE_CHECKING:
    from olga_loyalty.i18n import Translator
    from olga_loyalty.ui.app import LoyaltyApp

_sequence = itertools.count(1)


def translator() -> Translator:
    return active_app.get().t  # type: ignore[attr-defined]


def translate_bindings(node, t: Translator) -> None:
    """Footer and help show binding descriptions in the shop's language."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(b, description=t(b.description) if b.description else "")
            for b in bindings
        ]


class DbResult(Message):
    """A thread worker's answer, posted back to the screen that asked."""

    def __init__(self, tag: str, seq: int, value: Any = None, error: Exception | None = None):
        super().__init__()
        self.tag, self.seq, self.value, self.error = tag, seq, value, error


def _in_connection(func: Callable, *args, **kwargs):
    with database.connection_context():
        return func(*args, **kwargs)


class DbMixin:
    """Database work never runs on the event loop: `self.db(tag, func, ...)` runs it in a
    thread worker (exclusive per tag, so a newer search drops an older one) and calls
    `self.on_<tag>(value)` with the result, or `self.on_<tag>_error(error)` / a notice."""

    _latest: dict[str, int]

    def db(self, tag: str, func: Callable, *args, **kwargs) -> None:
        if not hasattr(self, "_latest"):
            self._latest = {}
        seq = next(_sequence)
        self._latest[tag] = seq

        def job() -> None:
            try:
                value = _in_connection(func, *args, **kwargs)
            except Exception as exc:  # posted to the screen; never lost, never a crash
                self.post_message(DbResult(tag, seq, error=exc))  # type: ignore[attr-defined]
            else:
                self.post_message(DbResult(tag, seq, value=value))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            job, group=tag, exclusive=True, thread=True, exit_on_error=False, name=tag
        )

    def on_db_result(self, message: DbResult) -> None:
        message.stop()
        if self._latest.get(message.tag) != message.seq:
            return  # a newer request of the same kind superseded this one
        app = self.app  # type: ignore[attr-defined]
        shown = app.screen
        if message.error is not None:
            handler = getattr(self, f"on_{message.tag}_error", None)
            if handler is not None and isinstance(message.error, LoyaltyError):
                handler(message.error)
            else:
                self.report(message.error)
        else:
            getattr(self, f"on_{message.tag}")(message.value)
        if app.screen is not shown and hasattr(app, "guard_keys"):
            app.guard_keys()  # a result closed or opened a screen: see LoyaltyApp.guard_keys

    def report(self, error: Exception) -> None:
        if isinstance(error, LoyaltyError):
            text = error.render(self.app.t.gettext)
        else:
            logs.unexpected(error, f"{type(self).__name__} ({type(error).__name__})")
            text = logs.unexpected_message(self.app.t) or self.app.t(
                "An unexpected problem occurred: {problem}", problem=str(error)
            )
        self.app.notify(text, severity="error", timeout=8)  # type: ignore[attr-defined]


class ScreenMixin(DbMixin):
    """Short ways to the app, its translator and its shop; the footer this screen shows."""

    #: The app's keys this screen shows in its footer: F1 (help) everywhere; the command
    #: palette (ctrl+p) is always shown at the right by Textual itself.
    FOOTER_APP_KEYS: tuple[str, ...] = ("f1",)

    @property
    def active_bindings(self):  # type: ignore[override]
        """What the footer shows: Textual's own descriptions and tooltips translated too,
        and of the app's keys only `FOOTER_APP_KEYS` (all of them stay active; F1 lists them)."""
        from olga_loyalty.ui.keys import footer_bindings

        return footer_bindings(self, super().active_bindings)  # type: ignore[misc]

    @property
    def loyalty(self) -> LoyaltyApp:
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def t(self) -> Translator:
        return self.app.t  # type: ignore[attr-defined]

    @property
    def shop(self):
        return self.app.shop  # type: ignore[attr-defined]


class BaseScreen(ScreenMixin, Screen):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self, translator())


class BaseModal(ScreenMixin, ModalScreen):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self, translator())


class FieldError(Label):
    """The message under a form field; empty and hidden while the field is fine."""

    DEFAULT_CSS = """
    FieldError { color: $error; height: auto; width: 1fr; display: none; padding: 0 1; }
    FieldError.-shown { display: block; }
    """

    def show(self, text: str) -> None:
        self.update(plain(text))  # a message may quote what was typed: never markup
        self.set_class(bool(text), "-shown")


def form_field(label: str, field_id: str, **input_options):
    """A form row: its label, a one-line input with the field's id, and the error line under
    it (hidden while the field is fine)."""
    from textual.widgets import Input

    yield Label(label)
    yield Input(id=field_id, compact=True, **input_options)
    yield FieldError(id=f"{field_id}-error")


def show_field_errors(
    screen, errors: dict[str, LoyaltyError], fields: list[str], focus: dict[str, str] | None = None
) -> None:
    """Put each message next to its field; clear the others; focus the first wrong one and
    scroll it into view with its message (at 80×24 a form is taller than the screen).
    `focus` names the widget to focus for a message that is not an input's own
    (`{"consent_data": "consent_data_processing"}`)."""
    t = screen.t
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
