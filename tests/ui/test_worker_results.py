"""Worker results are typed messages (ui/workers.py): each kind reaches its own handler, an
unexpected error becomes one line on any screen (its failure handler's place, else a notice),
and a kind no handler takes fails at once."""

from __future__ import annotations

import peewee
import pytest
from textual.widgets import Label

from olga_loyalty import logs
from olga_loyalty.ui.screens.reports import ReportsScreen
from olga_loyalty.ui.workers import DbMixin, DbResult, result_of
from tests.ui.conftest import settle


def record_notices(app, monkeypatch) -> list[str]:
    notices: list[str] = []
    original = app.notify

    def notify(message, **options):
        notices.append(str(message))
        return original(message, **options)

    monkeypatch.setattr(app, "notify", notify)
    return notices


async def test_an_unexpected_error_on_the_reports_screen_is_a_notice(
    app_factory, user_home, monkeypatch
):
    """The reports screen keeps its report in `self.report`, which once hid the error
    notifier of the same name: an error in its worker then crashed the app."""
    from olga_loyalty.services import reports

    log = logs.setup(user_home / "logs")

    def broken(*args, **kwargs):
        raise RuntimeError("the ledger is gone")

    monkeypatch.setattr(reports, "compute", broken)
    app = app_factory()
    notices = record_notices(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen())
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        # said where the report would be (it said "Calculating…" there for good, beside a
        # notice): the screen's own failure handler hears of every error of its worker
        period = app.screen.query_one("#period", Label)
        assert str(period.render()) == f"Unexpected error; details in {log}"
    assert notices == []
    assert "RuntimeError: the ledger is gone" in log.read_text(encoding="utf-8")


class Unhandled(DbResult[int]):
    """A kind of result no method takes."""


def test_a_result_without_its_handler_fails_when_the_work_is_asked_for():
    class Node(DbMixin):
        pass

    with pytest.raises(TypeError, match=r"Node has no @result_of\(Unhandled\) method"):
        Node().db(Unhandled, int, "1")


def test_a_handler_named_like_textuals_own_is_refused():
    """`on_unhandled` would be called by Textual too (with the message): refused at once."""
    with pytest.raises(TypeError, match="on_unhandled clashes with Unhandled"):

        class Node(DbMixin):
            @result_of(Unhandled)
            def on_unhandled(self, value: int) -> None:
                pass


async def test_a_server_gone_during_a_save_is_said_in_words_and_enter_tries_again(
    app_factory, user_home, monkeypatch
):
    """A tester (two tills on PostgreSQL, the server stopped): Enter on the purchase said
    "Unexpected error; details in …", and after the server was back every Enter was ignored
    without a word: the form still waited for its first save."""
    from decimal import Decimal

    from olga_loyalty.storage.models import Purchase, database
    from olga_loyalty.ui.screens.purchase import PurchaseScreen

    logs.setup(user_home / "logs")
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_card(1)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"33.30")
        gone = peewee.OperationalError(
            'connection to server at "127.0.0.1", port 49531 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?"
        )
        real = type(database).connection_context

        def refused(self):
            raise gone

        monkeypatch.setattr(type(database), "connection_context", refused)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PurchaseScreen) and screen.result is None
        errors = [str(e.render()) for e in screen.query("FieldError") if str(e.render())]
        assert errors == [
            "The database cannot be reached: the database server does not answer (is it "
            "running, and the network up?). Nothing was saved; please try again in a moment."
        ]
        monkeypatch.setattr(type(database), "connection_context", real)  # back again
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.result is not None  # saved
    saved = Purchase.select().order_by(Purchase.id.desc()).first()
    assert saved.amount == Decimal("33.30")
