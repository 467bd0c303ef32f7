"""Worker results are typed messages (ui/workers.py): each kind reaches its own handler, an
unexpected error becomes one notice on any screen, and a kind no handler takes fails at once."""

from __future__ import annotations

import pytest

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
    assert notices == [f"Unexpected error; details in {log}"]
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
