"""Feedback and follow-ups: the form on the card (n), the list of calls due (F3), marking
one done, and answering a complaint with an apology bonus."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label, Select

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.domain.money import parse_points
from olga_loyalty.services import followups
from olga_loyalty.ui.base import BaseModal, BaseScreen
from olga_loyalty.ui.forms import FieldError, form_field, show_field_errors
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.tables import RoomyTable
from olga_loyalty.ui.text import cell, plain
from olga_loyalty.ui.typed_keys import after_typed_keys
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class LoadedResult(DbResult[Any]):
    """What the worker of `loaded` found or did."""


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


FORM_FIELDS = ["kind", "note", "follow_up"]


def note_text(t, note: str) -> str:
    """A call scheduled with a purchase may have no note: say what it is for."""
    return note or t("Ask whether everything fits")


class FeedbackScreen(DiscardGuard, BaseModal):
    """Record praise, a wish, a complaint or a call to make, for one customer."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, customer_id: int, name: str) -> None:
        super().__init__()
        self.customer_id, self.customer_name = customer_id, name
        self.saving = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="feedback-dialog") as box:
            box.border_title = plain(t("Feedback · {name}", name=self.customer_name))
            yield Label(t("What kind"))
            yield Select(
                [(t(label), kind) for kind, label in followups.FEEDBACK_LABELS.items()],
                value="complaint",
                allow_blank=False,
                id="kind",
                compact=True,
            )
            yield FieldError(id="kind-error")
            yield from form_field(t("What the customer said, or what to ask"), "note")
            yield from form_field(
                t("Follow up on (a date, or in how many days; empty: none)"),
                "follow_up",
                placeholder="7",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.db(
            SavedResult,
            followups.record,
            self.shop,
            self.customer_id,
            self.query_one("#kind", Select).value,
            self.query_one("#note", Input).value,
            follow_up=self.query_one("#follow_up", Input).value,
            staff=self.loyalty.staff,
        )

    @result_of(SavedResult)
    def on_saved(self, item) -> None:
        t = self.t
        message = t("Feedback #{id} recorded.", id=item.id)
        if item.follow_up_on:
            message += " " + t("Follow up on {day}.", day=t.date(item.follow_up_on))
        self.app.notify(message)
        self.dismiss(item)

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        field = error.field if error.field in FORM_FIELDS else "note"
        show_field_errors(self, {field: error}, FORM_FIELDS)

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))


class FollowUpsScreen(BaseScreen):
    """The follow-ups due today and overdue: call, then mark done."""

    BINDINGS = [
        Binding("enter", "done", "Done…"),
        Binding("a", "apologise", "Apology bonus…"),
        Binding("o", "open", "Open card"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[followups.FollowUp] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Label(self.t("Follow-ups due"), id="status")
        yield RoomyTable(id="due", cursor_type="row", zebra_stripes=True, roomy="note")
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one(DataTable)
        table.add_column(t("Due"), width=10)
        table.add_column(t("Name"), width=16)
        table.add_column(t("Phone"), width=14)
        table.add_column(t("What"), width=10)
        table.add_column(t("Note"), width=17, key="note")  # the room left, at 80 columns
        self.load()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.load()

    def load(self) -> None:
        self.db(LoadedResult, followups.due, self.shop)

    @result_of(LoadedResult)
    def on_loaded(self, items: list[followups.FollowUp]) -> None:
        t = self.t
        self.items = items
        table = self.query_one(DataTable)
        table.clear()
        for item in items:
            table.add_row(
                plain(t.date(item.follow_up_on)),
                plain(item.name[:16]),
                plain(phone_for_display(item.phone, self.shop.region)),
                plain(t(followups.FEEDBACK_LABELS[item.kind])),
                cell(note_text(t, item.note)),
                key=str(item.id),
            )
        self.query_one("#status", Label).update(
            plain(
                t.ngettext(
                    "{count} follow-up due · Enter: done · a: apology bonus for a complaint",
                    "{count} follow-ups due · Enter: done · a: apology bonus for a complaint",
                    len(items),
                    count=len(items),
                )
                if items
                else t("No follow-up is due today.")
            )
        )

    def selected(self) -> followups.FollowUp | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_done()

    def action_done(self) -> None:
        item = self.selected()
        if item is not None:
            self.app.push_screen(OutcomeScreen(item), lambda _: self.load())

    def action_apologise(self) -> None:
        item = self.selected()
        if item is None:
            return
        if item.kind != "complaint":
            self.app.notify(self.t("Only a complaint is answered with an apology bonus."))
            return
        self.loyalty.with_pin(
            "adjust",
            lambda pin: self.app.push_screen(ApologyScreen(item, pin), lambda _: self.load()),
        )

    def action_open(self) -> None:
        item = self.selected()
        if item is not None:
            self.loyalty.open_card(item.customer_id)

    def action_back(self) -> None:
        self.app.pop_screen()


class _FollowUpDialog(DiscardGuard, BaseModal):
    """One question about a follow-up: its context line, one field, Enter saves."""

    BINDINGS = [
        Binding("enter", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    FIELD = ""

    def __init__(self, item: followups.FollowUp) -> None:
        super().__init__()
        self.item = item

    def title_and_context(self) -> tuple[str, str, str, str]:
        """The border title, the context line, the field's label and its start value."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        title, context, label, value = self.title_and_context()
        with Vertical(classes="dialog", id=f"{self.FIELD}-dialog") as box:
            box.border_title = plain(title)
            yield Label(plain(context))
            yield from form_field(label, self.FIELD, value=value)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        show_field_errors(self, {self.FIELD: error}, [self.FIELD])

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))


class OutcomeScreen(_FollowUpDialog):
    """Mark a follow-up done, with what came of it."""

    FIELD = "outcome"

    def title_and_context(self) -> tuple[str, str, str, str]:
        t = self.t
        return (
            t("Done · {name}", name=self.item.name),
            note_text(t, self.item.note),
            t("What came of it"),
            "",
        )

    @after_typed_keys
    def action_save(self) -> None:
        self.db(
            SavedResult,
            followups.complete,
            self.shop,
            self.item.id,
            self.query_one(Input).value,
            staff=self.loyalty.staff,
        )

    @result_of(SavedResult)
    def on_saved(self, _) -> None:
        self.app.notify(self.t("Follow-up #{id} done.", id=self.item.id))
        self.dismiss(True)


class ApologyScreen(_FollowUpDialog):
    """Answer a complaint with an apology bonus (an adjustment; the owner PIN was asked)."""

    FIELD = "points"

    def __init__(self, item: followups.FollowUp, pin=None) -> None:
        super().__init__(item)
        self.pin = pin  # the owner PIN given for this bonus (safety.Pin)

    def title_and_context(self) -> tuple[str, str, str, str]:
        t = self.t
        return (
            t("Apology bonus · {name}", name=self.item.name),
            t("Complaint: {note}", note=self.item.note),
            t("Points"),
            "100",
        )

    @after_typed_keys
    def action_save(self) -> None:
        try:
            amount = parse_points(self.query_one(Input).value, field="points")
        except LoyaltyError as error:
            show_field_errors(self, {"points": error}, ["points"])
            return
        self.loyalty.protected(
            self,
            SavedResult,
            "adjust",
            self.pin,
            followups.apologise,
            self.shop,
            self.item.id,
            amount,
            staff=self.loyalty.staff,
            detail=lambda r: f"customer #{r[0].customer_id}: +{r[1].points} (apology #{r[0].id})",
            customer_id=lambda r: r[0].customer_id,
        )

    @result_of(SavedResult)
    def on_saved(self, result) -> None:
        item, entry = result
        self.app.notify(
            self.t(
                "Apology bonus: {points} for {name} (complaint #{id}).",
                points=self.t.points(entry.points),
                name=self.item.name,
                id=item.id,
            )
        )
        self.dismiss(True)
