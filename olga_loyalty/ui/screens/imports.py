"""Import a customer list (check first, then all good rows at once) or an unsubscribe list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, ProgressBar, Select, Static

from olga_loyalty import paths
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.services import imports
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.forms import FieldError, show_field_errors
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class CheckedResult(DbResult[Any]):
    """What the worker of `checked` found or did."""


class ImportedResult(DbResult[Any]):
    """What the worker of `imported` found or did."""


class UnsubscribedResult(DbResult[Any]):
    """What the worker of `unsubscribed` found or did."""


FIELDS = ["file", "map", "consented_on"]


class Progress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


def _import(shop, report, staff, pin, progress):
    # the owner PIN, a backup, then all good rows or none, in short batches
    return imports.run(shop, report, staff=staff, pin=pin, progress=progress).customers


def _unsubscribe(shop, path, staff, pin, progress):
    # the same for an unsubscribe list: PIN, backup, every contact or none
    return imports.run(shop, path, staff=staff, pin=pin, progress=progress).unsubscribes


class ImportScreen(BaseScreen):
    BINDINGS = [
        Binding("f5", "check", "Check the file"),
        Binding("ctrl+s", "run_import", "Import"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, pin=None) -> None:
        super().__init__()
        self.pin = pin  # the owner PIN given to open this screen (safety.Pin)
        self.report: imports.ImportReport | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        with Vertical(id="form"):
            with Horizontal(classes="row"):
                yield Label(t("What"), classes="field-label")
                yield Select(
                    [(t("Customer list"), "customers"), (t("Unsubscribe list"), "unsubscribes")],
                    value="customers",
                    allow_blank=False,
                    id="mode",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label(t("File"), classes="field-label")
                yield Input(id="file", placeholder=t("path of an .xlsx or .csv file"), compact=True)
            yield FieldError(id="file-error")
            with Horizontal(classes="row"):
                yield Label(t("Column mapping"), classes="field-label")
                yield Input(id="map", placeholder=t("e.g. Handy=phone, C=birthday"), compact=True)
            yield FieldError(id="map-error")
            with Horizontal(classes="row"):
                yield Label(t("Consent on paper"), classes="field-label")
                yield Input(
                    id="consented_on",
                    placeholder=t("date all signed, if no consent column"),
                    compact=True,
                )
            yield FieldError(id="consented_on-error")
            yield Static(
                Content(
                    t("F5 checks the file and writes nothing; ctrl+s imports.")
                    + "\n"
                    + t(
                        "A file name without a folder is looked up in {folder} (ctrl+o opens it).",
                        folder=str(paths.exports_folder()),
                    )
                ),
                id="summary",
            )
            yield ProgressBar(id="progress", show_eta=False)
            yield DataTable(id="problems", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        self.sub_title = t("Import")
        self.query_one("#progress").display = False
        table = self.query_one(DataTable)
        table.add_column(t("Row"), width=6)
        table.add_column(t("Problem"), width=66)
        self.loyalty.last_folder = paths.exports_folder()  # where the owner puts the lists
        self.query_one("#file").focus()

    def mode(self) -> str:
        return str(self.query_one("#mode", Select).value)

    def path(self) -> Path:
        """The file typed in; a bare name (or a relative path) is in the exports folder: a
        program started from a shortcut has no working folder the owner knows."""
        typed = Path(self.query_one("#file", Input).value.strip()).expanduser()
        return typed if typed.is_absolute() else paths.exports_folder() / typed

    def overrides(self) -> list[str]:
        text = self.query_one("#map", Input).value
        return [part.strip() for part in text.split(",") if part.strip()]

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_check()

    @on(Input.Changed)
    @on(Select.Changed)
    def changed(self) -> None:
        self.report = None

    def _progress(self, done: int, total: int) -> None:
        self.post_message(Progress(done, total))

    def on_progress(self, message: Progress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=max(message.total, 1), progress=message.done)

    def file_missing(self) -> bool:
        if self.query_one("#file", Input).value.strip():
            return False
        show_field_errors(
            self, {"file": InvalidInput("Please enter the path of the file.", field="file")}, FIELDS
        )
        return True

    def action_check(self) -> None:
        show_field_errors(self, {}, FIELDS)
        if self.file_missing():
            return
        if self.mode() == "unsubscribes":
            self.query_one("#summary", Static).update(
                plain(self.t("An unsubscribe list needs no check: ctrl+s withdraws the consents."))
            )
            return
        self.db(
            CheckedResult,
            imports.check,
            self.shop,
            self.path(),
            self.overrides(),
            self._progress,
            consented_on=self.query_one("#consented_on", Input).value,
        )

    @result_of(CheckedResult)
    def on_checked(self, report: imports.ImportReport) -> None:
        t = self.t
        self.report = report
        self.query_one("#progress").display = False
        mapping = ", ".join(f"{column} → {name}" for column, name in report.mapping_text().items())
        lines = [
            *(completed.text(t) for completed in report.completed),
            report.file_text(t),
            t("Columns: {mapping}", mapping=mapping),
            t.ngettext(
                "{good} of {rows} row can be imported, {refused} refused. ctrl+s imports the good rows.",
                "{good} of {rows} rows can be imported, {refused} refused. ctrl+s imports the good rows.",
                report.total,
                good=t.number(len(report.good)),
                rows=t.number(report.total),
                refused=t.number(len(report.refused)),
            ),
        ]
        if report.lacking_consent:
            lines.append(
                t.ngettext(
                    "{count} row lacks proof of consent to data processing: map the file's "
                    "consent column, or enter under “Consent on paper” the day every customer "
                    "signed the consent form.",
                    "{count} rows lack proof of consent to data processing: map the file's "
                    "consent column, or enter under “Consent on paper” the day every customer "
                    "signed the consent form.",
                    report.lacking_consent,
                    count=t.number(report.lacking_consent),
                )
            )
        if report.cleaned_cells:
            lines.append(
                t.ngettext(
                    "{count} cell held invisible control characters; they were removed.",
                    "{count} cells held invisible control characters; they were removed.",
                    report.cleaned_cells,
                    count=report.cleaned_cells,
                )
            )
        self.query_one("#summary", Static).update(text_lines(*lines))
        self.fill_problems(report)

    @failure_of(CheckedResult)
    def on_checked_error(self, error: LoyaltyError) -> None:
        self.query_one("#progress").display = False
        show_field_errors(self, {error.field if error.field in FIELDS else "file": error}, FIELDS)

    def action_run_import(self) -> None:
        if self.file_missing():
            return
        if self.mode() == "unsubscribes":
            self.show_progress()
            self.db(
                UnsubscribedResult,
                _unsubscribe,
                self.shop,
                self.path(),
                staff=self.loyalty.staff,
                pin=self.pin,
                progress=self._progress,
            )
            return
        if self.report is None:
            self.query_one("#summary", Static).update(plain(self.t("Check the file first (F5).")))
            return
        if not self.report.good:
            self.query_one("#summary", Static).update(
                plain(self.t("There is no good row to import."))
            )
            return
        self.show_progress()
        self.db(
            ImportedResult,
            _import,
            self.shop,
            self.report,
            self.loyalty.staff,
            self.pin,
            self._progress,
        )

    def show_progress(self) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

    @result_of(ImportedResult)
    def on_imported(self, report: imports.ImportReport) -> None:
        t = self.t
        self.query_one("#progress").display = False
        text = t.ngettext(
            "Imported {good} of {rows} row; {refused} refused.",
            "Imported {good} of {rows} rows; {refused} refused.",
            report.total,
            good=t.number(report.imported),
            rows=t.number(report.total),
            refused=t.number(len(report.refused)),
        )
        text = "\n".join([*(completed.text(t) for completed in report.completed), text])
        self.loyalty.announce_file(text, self.path(), into=self.query_one("#summary", Static))
        self.fill_problems(report)  # with rows another till registered meanwhile
        self.report = None

    def fill_problems(self, report: imports.ImportReport) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for number, error in sorted(report.refused + report.notes, key=lambda r: r[0]):
            table.add_row(plain(number), plain(error.render(self.t.gettext)))

    @failure_of(ImportedResult)
    def on_imported_error(self, error: LoyaltyError) -> None:
        self.query_one("#progress").display = False
        self.report = None
        show_field_errors(self, {"file": error}, FIELDS)

    @result_of(UnsubscribedResult)
    def on_unsubscribed(self, report: imports.UnsubscribeReport) -> None:
        self.query_one("#progress").display = False
        texts = [*(c.text(self.t) for c in report.completed), report.summary(self.t)]
        self.query_one("#summary", Static).update(text_lines(*texts))
        self.app.notify("\n".join(texts), timeout=10)

    @failure_of(UnsubscribedResult)
    def on_unsubscribed_error(self, error: LoyaltyError) -> None:
        self.query_one("#progress").display = False
        show_field_errors(self, {"file": error}, FIELDS)

    def action_close(self) -> None:
        self.app.pop_screen()
