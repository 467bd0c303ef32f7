"""Newsletter export: choose channel, segment and preset, see the count, write the file."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Select, Static

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.services import newsletter
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class CountedResult(DbResult[Any]):
    """What the worker of `counted` found or did."""


class WrittenResult(DbResult[Any]):
    """What the worker of `written` found or did."""


SEGMENT_LABELS = {
    "all": "All customers",
    "birthday": "Birthday in month (1–12)",
    "expiring": "Points expiring within days",
    "lapsed": "No purchase for days",
    "tier": "Tier (name)",
    "top": "Top percent by spend (1–100)",
}
REASON_LABELS = {"no consent": "no consent", "no email": "no email", "suppressed": "suppressed"}
TOOL_LABELS = {
    "generic": "Generic (any tool)",
    "brevo": "Brevo",
    "mailchimp": "Mailchimp (CSV only)",
    "cleverreach": "CleverReach",
    "rapidmail": "rapidmail (email only)",
}
FORMAT_LABELS = {
    "xlsx": "Excel (.xlsx)",
    "csv": "CSV to upload (UTF-8, comma)",
    "csv-excel": "CSV to open in Excel (semicolon)",
}
FIELDS = ["segment", "preset", "format"]


def _count(shop, channel: str, segment: str, preset: str, file_format: str):
    newsletter.check_choice(channel, preset, file_format)
    selection = newsletter.select(shop, channel, newsletter.parse_segment(segment, shop))
    return selection.count, dict(selection.left_out)


class Progress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


class ExportScreen(BaseScreen):
    BINDINGS = [
        Binding("ctrl+s", "write", "Write the file"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, pin=None) -> None:
        super().__init__()
        self.pin = pin  # the owner PIN given to open this screen (safety.Pin)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        with VerticalScroll(id="form"):
            yield Static(
                t("Newsletter export: only customers with marketing consent for the channel."),
                classes="section",
            )
            with Horizontal(classes="row"):
                yield Label(t("Channel"), classes="field-label")
                yield Select(
                    [(t("Email"), "email"), ("SMS", "sms")],
                    value="email",
                    allow_blank=False,
                    id="channel",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label(t("Segment"), classes="field-label")
                yield Select(
                    [(t(label), key) for key, label in SEGMENT_LABELS.items()],
                    value="all",
                    allow_blank=False,
                    id="segment_kind",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label(t("Value"), classes="field-label")
                yield Input(id="segment_value", compact=True, placeholder=t("e.g. 30, 12, Gold"))
            yield FieldError(id="segment-error")
            with Horizontal(classes="row"):
                yield Label(t("Mailing tool"), classes="field-label")
                yield Select(
                    [(t(label), key) for key, label in TOOL_LABELS.items()],
                    value="generic",
                    allow_blank=False,
                    id="preset",
                    compact=True,
                )
            yield FieldError(id="preset-error")
            with Horizontal(classes="row"):
                yield Label(t("Format"), classes="field-label")
                yield Select(
                    self.format_options("generic"),
                    value="xlsx",
                    allow_blank=False,
                    id="format",
                    compact=True,
                )
            yield FieldError(id="format-error")
            yield Static("", id="count", classes="section")
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="result")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.t("Export")
        self.query_one("#progress").display = False
        self.query_one("#channel").focus()
        self.recount()

    def segment_text(self) -> str:
        kind = self.query_one("#segment_kind", Select).value
        value = self.query_one("#segment_value", Input).value.strip()
        return "all" if kind == "all" else f"{kind}:{value}"

    def value(self, widget_id: str) -> str:
        return str(self.query_one(f"#{widget_id}", Select).value)

    def format_options(self, preset: str) -> list[tuple[str, str]]:
        """Mailchimp imports CSV only: its choices have no .xlsx."""
        return [
            (self.t(label), key)
            for key, label in FORMAT_LABELS.items()
            if not (key == "xlsx" and preset in newsletter.CSV_ONLY)
        ]

    @on(Select.Changed, "#preset")
    def preset_chosen(self, event: Select.Changed) -> None:
        """Each tool's own format: CSV for Mailchimp (always), CleverReach and rapidmail."""
        preset = str(event.value)
        chosen = self.query_one("#format", Select)
        chosen.set_options(self.format_options(preset))
        chosen.value = newsletter.DEFAULT_FORMAT[preset]

    @on(Select.Changed)
    @on(Input.Changed)
    def recount(self) -> None:
        """Count again once the choices rest for a moment (counting reads every customer)."""
        if self._timer is not None:
            self._timer.stop()
        self.query_one("#count", Static).update(self.t("Counting…"))
        self._timer = self.set_timer(0.4, self._count_now)

    def _count_now(self) -> None:
        self._timer = None
        show_field_errors(self, {}, FIELDS)
        self.db(
            CountedResult,
            _count,
            self.shop,
            self.value("channel"),
            self.segment_text(),
            self.value("preset"),
            self.value("format"),
        )

    @result_of(CountedResult)
    def on_counted(self, result) -> None:
        count, left_out = result
        t = self.t
        text = t.ngettext(
            "{count} customer will be written.",
            "{count} customers will be written.",
            count,
            count=t.number(count),
        )
        if left_out:
            reasons = ", ".join(
                f"{t(REASON_LABELS.get(k, k))}: {t.number(v)}" for k, v in sorted(left_out.items())
            )
            text += " " + t("Left out: {reasons}.", reasons=reasons)
        self.query_one("#count", Static).update(plain(text))

    @failure_of(CountedResult)
    def on_counted_error(self, error: LoyaltyError) -> None:
        self.query_one("#count", Static).update("")
        show_field_errors(
            self, {error.field if error.field in FIELDS else "segment": error}, FIELDS
        )

    def action_write(self) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(done: int, total: int) -> None:
            self.post_message(Progress(done, total))

        channel, segment = self.value("channel"), self.segment_text()
        self.loyalty.protected(
            self,
            WrittenResult,
            "export",
            self.pin,
            newsletter.export,
            self.shop,
            channel,
            segment,
            preset=self.value("preset"),
            file_format=self.value("format"),
            progress=progress,
            detail=lambda r: f"newsletter {channel} {segment}: {r.written}",
        )

    def on_progress(self, message: Progress) -> None:
        self.query_one("#progress", ProgressBar).update(
            total=max(message.total, 1), progress=message.done
        )

    @result_of(WrittenResult)
    def on_written(self, result: newsletter.ExportResult) -> None:
        t = self.t
        text = t.ngettext(
            "Wrote {count} customer to {path}.",
            "Wrote {count} customers to {path}.",
            result.written,
            count=t.number(result.written),
            path=result.path,
        )
        if result.left_out:
            reasons = ", ".join(
                f"{t(REASON_LABELS.get(k, k))}: {t.number(v)}"
                for k, v in sorted(result.left_out.items())
            )
            text += " " + t("Left out: {reasons}.", reasons=reasons)
        self.loyalty.announce_file(text, result.path, into=self.query_one("#result", Static))

    @failure_of(WrittenResult)
    def on_written_error(self, error: LoyaltyError) -> None:
        self.query_one("#progress").display = False
        show_field_errors(
            self, {error.field if error.field in FIELDS else "segment": error}, FIELDS
        )

    def action_close(self) -> None:
        self.app.pop_screen()
