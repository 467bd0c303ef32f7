"""Database work in thread workers, and its results as typed messages.

A screen (or the app) runs a function in a thread worker with `self.db(Kind, func, ...)`,
where `Kind` is a `DbResult` subclass, one per kind of result (defined next to the screen
that asks). The worker posts `Kind(...)` back to the node that asked; the node's method
decorated `@result_of(Kind)` receives the value, and an optional `@failure_of(Kind)` method the
`LoyaltyError` it raised (any other error, or one without such a method, is reported as a
notice). A kind without a `@result` method fails when `db` is called, not after the work."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import peewee
from textual import on
from textual.dom import DOMNode
from textual.message import Message

from olga_loyalty import logs
from olga_loyalty.domain.errors import LoyaltyError, StorageError
from olga_loyalty.storage.models import database
from olga_loyalty.storage.sql import failure_reason, is_unreachable
from olga_loyalty.ui.i18n import translator

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_sequence = itertools.count(1)


class DbResult(Message, Generic[T]):
    """A thread worker's answer, posted back to the node that asked: its value, or the
    error it raised. Subclass it once per kind of result."""

    bubble: ClassVar[bool] = False

    def __init__(self, seq: int, value: T | None = None, error: Exception | None = None) -> None:
        super().__init__()
        self.seq, self.value, self.error = seq, value, error


def result_of(kind: type[DbResult[Any]]) -> Callable[[F], F]:
    """The method that receives the value of each `kind` result (the latest of its kind)."""

    def mark(method: F) -> F:
        method._result_of = kind  # type: ignore[attr-defined]  # read by DbMixin.__init_subclass__
        return method

    return mark


def failure_of(kind: type[DbResult[Any]]) -> Callable[[F], F]:
    """The method that receives the `LoyaltyError` a `kind` worker raised."""

    def mark(method: F) -> F:
        method._failure_of = kind  # type: ignore[attr-defined]  # read by DbMixin.__init_subclass__
        return method

    return mark


def _in_connection(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`func` on this thread's connection (PostgreSQL: taken from the pool and given back).
    A server that cannot be reached, or went away meanwhile, is said in words (it was an
    "Unexpected error"): the till's network or the shop's server, nothing of the action."""
    try:
        with database.connection_context():
            return func(*args, **kwargs)
    except (peewee.OperationalError, peewee.InterfaceError) as exc:
        if not is_unreachable(exc):
            raise
        raise StorageError(
            "The database cannot be reached: {reason}. Nothing was saved; please try again "
            "in a moment.",
            reason=failure_reason(exc),
        ) from None


class DbMixin(DOMNode):
    """Mixed in after the Textual class (`class Screen(ModalScreen, ScreenMixin)`): Textual
    takes a node's CSS type names from its first base.

    Database work never runs on the event loop: `self.db(Kind, func, ...)` runs it in a
    thread worker (exclusive per kind, so a newer search drops an older one) and calls the
    `@result_of(Kind)` method with its value, or the `@failure_of(Kind)` method / a notice."""

    #: the kinds of result this class handles → the names of their methods
    _results: ClassVar[dict[type[DbResult[Any]], str]] = {}
    _failures: ClassVar[dict[type[DbResult[Any]], str]] = {}
    _latest: dict[type[DbResult[Any]], int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._results, cls._failures = {}, {}
        for klass in reversed(cls.__mro__):
            for name, method in vars(klass).items():
                if (kind := getattr(method, "_result_of", None)) is not None:
                    cls._results[kind] = name
                if (kind := getattr(method, "_failure_of", None)) is not None:
                    cls._failures[kind] = name
        for kind in cls._results.keys() | cls._failures.keys():
            if hasattr(cls, kind.handler_name):  # Textual would call it too, with the message
                raise TypeError(f"{cls.__name__}.{kind.handler_name} clashes with {kind.__name__}")

    def db(
        self, kind: type[DbResult[Any]], func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        if kind not in self._results:
            raise TypeError(f"{type(self).__name__} has no @result_of({kind.__name__}) method")
        if not hasattr(self, "_latest"):
            self._latest = {}
        seq = next(_sequence)
        self._latest[kind] = seq
        name = kind.__name__

        def job() -> None:
            try:
                value = _in_connection(func, *args, **kwargs)
            except Exception as exc:  # posted to the screen; never lost, never a crash
                self.post_message(kind(seq, error=exc))
            else:
                self.post_message(kind(seq, value=value))

        self.run_worker(
            job, group=name, exclusive=True, thread=True, exit_on_error=False, name=name
        )

    @on(DbResult)
    def _db_result(self, message: DbResult[Any]) -> None:
        message.stop()
        kind = type(message)
        if self._latest.get(kind) != message.seq:
            return  # a newer request of the same kind superseded this one
        app = self.app
        shown = app.screen
        if message.error is not None:
            handler = self._failures.get(kind)
            error = message.error
            if handler is not None and not isinstance(error, LoyaltyError):
                # The screen hears of its failure all the same (a form waiting for its save
                # takes Enter again; it ignored every key after an unexpected error), with
                # the one line that names the log.
                error = self.unexpected(error)
            if handler is not None:
                getattr(self, handler)(error)
            else:
                self.show_error(error)
        else:
            getattr(self, self._results[kind])(message.value)
        guard_keys = getattr(app, "guard_keys", None)
        if app.screen is not shown and guard_keys is not None:
            guard_keys()  # a result closed or opened a screen: see LoyaltyApp.guard_keys

    def unexpected(self, error: Exception) -> LoyaltyError:
        """An error nobody expected, written to the log, as the one line a person reads."""
        t = translator()
        logs.unexpected(error, f"{type(self).__name__} ({type(error).__name__})")
        line = logs.unexpected_message(t) or t(
            "An unexpected problem occurred: {problem}", problem=str(error)
        )
        return StorageError("{problem}", problem=line)

    def show_error(self, error: Exception) -> None:
        if not isinstance(error, LoyaltyError):
            error = self.unexpected(error)
        self.app.notify(error.render(translator().gettext), severity="error", timeout=8)
