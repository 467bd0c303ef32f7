"""Reminders (F2): today's queue with a preview of each mail, the sent / refused / cancelled
history, sending on request, a test mail. Sending runs in a thread worker: the screen never
waits for the mail server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, Static
from textual.worker import get_current_worker

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.reminders import KIND_LABELS, REASON_LABELS, STATUS_LABELS
from olga_loyalty.services import reminders
from olga_loyalty.ui.base import BaseModal, BaseScreen
from olga_loyalty.ui.forms import FieldError
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.text import fit
from olga_loyalty.ui.typed_keys import after_typed_keys
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class ChangedResult(DbResult[Any]):
    """What the worker of `changed` found or did."""


class LoadedResult(DbResult[Any]):
    """What the worker of `loaded` found or did."""


class SentResult(DbResult[Any]):
    """What the worker of `sent` found or did."""


class TestedResult(DbResult[Any]):
    """What the worker of `tested` found or did."""


def load_outbox(shop) -> dict:
    """Everything the screen shows, read in one worker."""
    waiting = reminders.preview(shop)
    done = [i for i in reminders.history(shop) if i.status != "pending"]
    return {
        "items": waiting + done,
        "counts": reminders.counts(shop),
        "mail": reminders.mail_settings(),
        "settings": reminders.reminder_settings(),
    }


def send_in_background(shop):
    """The send, stopping between two mails when the app closes (the worker is cancelled)."""
    worker = get_current_worker()
    return reminders.send(shop, should_stop=lambda: worker.is_cancelled)


def send_report_text(t, report) -> str:
    text = t(
        "Reminders: {sent} sent, {failed} refused, {cancelled} cancelled; {pending} waiting.",
        sent=report.sent,
        failed=report.failed,
        cancelled=report.cancelled,
        pending=report.pending,
    )
    if report.error is not None:
        text += " " + report.error.render(t.gettext)
    return text


class RemindersScreen(BaseScreen):
    BINDINGS = [
        Binding("s", "send", "Send now"),
        Binding("t", "test_mail", "Test mail…"),
        Binding("r", "retry", "Send again"),
        Binding("m", "mark_sent", "Mark as sent"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[reminders.MailItem] = []
        self.sending = False
        self.data: dict | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Label("", id="reminders-status")
        yield DataTable(id="mails", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="mail-preview"):
            yield Static("", id="mail-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        self.sub_title = t("Reminders")
        table = self.query_one(DataTable)
        table.add_column(t("State"), width=16)
        table.add_column(t("Kind"), width=11)
        table.add_column(t("Customer"), width=15)
        table.add_column(t("Subject"), width=26)
        self.load()

    def load(self) -> None:
        self.db(LoadedResult, load_outbox, self.shop)

    @result_of(LoadedResult)
    def on_loaded(self, data: dict) -> None:
        t = self.t
        self.data = data
        self.items = data["items"]
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.items:
            state = t(STATUS_LABELS[item.status])
            table.add_row(
                Text(fit(state, 16), style="bold red" if item.status == "unknown" else ""),
                Text(fit(t(KIND_LABELS[item.kind]), 11)),
                Text(fit(item.name or f"#{item.customer_id}", 15)),
                Text(fit(item.subject, 26)),
            )
        if self.items:
            table.move_cursor(row=min(row or 0, len(self.items) - 1))
        self.show_status()
        self.show_mail()

    def show_status(self) -> None:
        t, data = self.t, self.data
        if data is None:
            return
        account, counts = data["mail"], data["counts"]
        if self.sending:
            text = t("Sending… the screen stays usable.")
        elif not account.configured:
            text = t("Mail is not set up: settings (F9) → E-Mail. Nothing is sent before.")
        else:
            text = t(
                "{host}:{port} ({security}) · automatic sending {auto} · {pending} waiting, "
                "{unknown} unknown, {failed} refused",
                host=account.host,
                port=account.effective_port,
                security=account.security,
                auto=t("on") if data["settings"].send else t("off"),
                pending=counts.pending,
                unknown=counts.unknown,
                failed=counts.failed,
            )
        self.query_one("#reminders-status", Label).update(Text(text))

    def selected(self) -> reminders.MailItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_mail()
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        """r and m in the footer only for a mail they apply to."""
        if action in ("retry", "mark_sent") and self.is_mounted:
            item = self.selected()
            allowed = ("failed", "unknown") if action == "retry" else ("unknown",)
            return item is not None and item.id is not None and item.status in allowed
        return True

    def show_mail(self) -> None:
        t, item = self.t, self.selected()
        text = self.query_one("#mail-text", Static)
        if item is None:
            text.update(t("No reminder is due, waiting or sent yet."))
            return
        lines = [
            t("To: {name} <{address}>", name=item.name, address=item.address or "—"),
            t("Subject: {subject}", subject=item.subject or "—"),
            t("State: {state}", state=t(STATUS_LABELS[item.status]))
            + (f" · {t(REASON_LABELS[item.reason])}" if item.reason in REASON_LABELS else "")
            + (f" · {item.server_answer}" if item.server_answer else ""),
            "",
            item.body,
        ]
        text.update("\n".join(lines))

    # -- actions ---------------------------------------------------------------------
    def action_send(self) -> None:
        if self.sending:
            return
        self.sending = True
        self.show_status()
        self.db(SentResult, send_in_background, self.shop)

    @result_of(SentResult)
    def on_sent(self, report) -> None:
        self.sending = False
        self.app.notify(
            send_report_text(self.t, report),
            severity="error" if report.error else "information",
            timeout=10,
            markup=False,  # a server's answer may hold brackets
        )
        self.load()

    @failure_of(SentResult)
    def on_sent_error(self, error: LoyaltyError) -> None:
        self.sending = False
        self.show_error(error)
        self.load()

    def action_test_mail(self) -> None:
        account = (self.data or {}).get("mail")
        start = account.reply_address if account is not None else ""
        self.app.push_screen(TestMailDialog(start))

    def action_retry(self) -> None:
        item = self.selected()
        if item is None or item.id is None or item.status not in ("failed", "unknown"):
            self.app.notify(self.t("Choose a refused mail or one whose fate is unknown."))
            return
        self.db(ChangedResult, reminders.retry, self.shop, item.id)

    def action_mark_sent(self) -> None:
        item = self.selected()
        if item is None or item.id is None or item.status != "unknown":
            self.app.notify(self.t("Choose a mail whose fate is unknown."))
            return
        self.db(ChangedResult, reminders.mark_sent, self.shop, item.id)

    @result_of(ChangedResult)
    def on_changed(self, row) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


class TestMailDialog(DiscardGuard, BaseModal):
    """Send a test mail to an address and show the server's answer in words."""

    BINDINGS = [
        Binding("enter", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, address: str = "") -> None:
        super().__init__()
        self.address = address

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="test-mail-dialog") as box:
            box.border_title = t("Test mail")
            yield Label(t("Send a test mail to (e.g. your own address):"))
            yield Input(self.address, id="address", compact=True)
            yield FieldError(id="address-error")
            yield Static("", id="answer", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @after_typed_keys
    def action_send(self) -> None:
        self.query_one("#answer", Static).update(self.t("Sending…"))
        self.query_one(FieldError).show("")
        self.db(TestedResult, reminders.send_test, self.shop, self.query_one(Input).value)

    @result_of(TestedResult)
    def on_tested(self, answer: str) -> None:
        t = self.t
        text = t(
            "The mail server accepted the test mail to {address}: {answer}",
            address=self.query_one(Input).value.strip(),
            answer=answer,
        )
        self.query_one("#answer", Static).update(text)
        self.app.notify(text, timeout=10, markup=False)

    @failure_of(TestedResult)
    def on_tested_error(self, error: LoyaltyError) -> None:
        self.query_one("#answer", Static).update("")
        self.query_one(FieldError).show(escape(error.render(self.t.gettext)))

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))


# -- after the daily run (the app calls these) ------------------------------------------


def after_daily_in_background(shop):
    """Queue what is due; send when automatic sending is on. Never raises."""
    worker = get_current_worker()
    return reminders.after_daily(shop, should_stop=lambda: worker.is_cancelled)


RETRY_AFTER = timedelta(minutes=30)


def daily_reminders_notice(t, result):
    """What to tell the owner after the daily run's reminder step, and whether to try the
    server again later."""
    if not result.configured:
        return "", None
    if result.error is not None:
        kind = getattr(result.error, "kind", "")
        text = t(
            "Reminders: {pending} waiting, not sent now: {reason}",
            pending=result.pending,
            reason=result.error.render(t.gettext),
        )
        return text, RETRY_AFTER if kind in ("connection", "timeout") else None
    if result.report is not None and (result.report.sent or result.report.failed):
        return send_report_text(t, result.report), None
    if result.queued and not result.automatic:
        return (
            t(
                "Reminders: {pending} waiting; send them on the Reminders screen (F2).",
                pending=result.pending,
            ),
            None,
        )
    return "", None
