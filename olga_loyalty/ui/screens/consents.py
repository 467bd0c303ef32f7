"""Consents: give or withdraw per channel, with every record and its text version."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.services import customers
from olga_loyalty.services.labels import METHOD_LABELS
from olga_loyalty.services.shop import PURPOSES
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.forms import FieldError
from olga_loyalty.ui.tables import RoomyTable
from olga_loyalty.ui.text import cell, lines, plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of

#: The purposes as the card and the consents list name them (short, for the width).
PURPOSE_LABELS = {"data_processing": "Data", "email": "Email", "sms": "SMS"}


class DoneResult(DbResult[Any]):
    """What the worker of `done` found or did."""


class ErasedResult(DbResult[Any]):
    """What the worker of `erased` found or did."""


class LoadedResult(DbResult[Any]):
    """What the worker of `loaded` found or did."""


PURPOSE_NAMES = {
    "data_processing": "Data processing",
    "email": "Email newsletter",
    "sms": "SMS / messenger",
}
#: What a withdrawal means, said before it is done.
CONSEQUENCE_LABELS = {
    "data_processing": (
        "Without this consent the customer's personal data must be erased: name, phone, "
        "email, birthday and notes are removed for good and her points are forfeited. "
        "Purchases stay in the books without her name. This cannot be undone."
    ),
    "email": "From now on she gets no newsletter and no reminder by email.",
    "sms": "From now on she gets no offers by SMS or messenger.",
}


def _load(customer_id: int):
    return customers.consent_states(customer_id), customers.consent_records(customer_id)


class ConsentsScreen(BaseModal):
    """Her consents and every record of them; `g` gives, `w` withdraws, each in a dialog
    that asks how (no method is chosen in advance) and says what follows, in words."""

    BINDINGS = [
        Binding("g", "give", "Give"),
        Binding("w", "withdraw", "Withdraw"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, customer_id: int, name: str = "") -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer_name = name
        self.changed = False
        self.states: dict = {}

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="consents-dialog") as box:
            box.border_title = t("Consents")
            yield RoomyTable(id="states", cursor_type="row", roomy="method")
            yield Label(t("Every record, newest first:"))
            yield RoomyTable(id="records", cursor_type="none", zebra_stripes=True, roomy="method")
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        states = self.query_one("#states", DataTable)
        states.add_column(t("Consent"), width=17)
        states.add_column(t("State"), width=13)
        states.add_column(t("Since"), width=10)
        states.add_column(t("Method"), width=12, key="method")
        records = self.query_one("#records", DataTable)
        records.add_column(t("Consent"), width=12)
        records.add_column(t("Given"), width=10)
        records.add_column(t("Method"), width=12, key="method")
        records.add_column(t("Text"), width=4)
        records.add_column(t("Withdrawn"), width=10)
        states.focus()
        self.reload()

    def reload(self) -> None:
        self.db(LoadedResult, _load, self.customer_id)

    @result_of(LoadedResult)
    def on_loaded(self, data) -> None:
        t = self.t
        states_data, records_data = data
        self.states = states_data
        states = self.query_one("#states", DataTable)
        row = states.cursor_row
        states.clear()
        for purpose in PURPOSES:
            s = states_data[purpose]
            if s.active:
                state, since = t("given"), t.date(s.given_at.date())
            elif s.withdrawn_at:
                state, since = t("withdrawn"), t.date(s.withdrawn_at.date())
            else:
                state, since = t("not given"), ""
            states.add_row(
                plain(t(PURPOSE_NAMES[purpose])),
                plain(state),
                plain(since),
                cell(t(METHOD_LABELS.get(s.method or "", "")) if s.method else ""),
                key=purpose,
            )
        states.move_cursor(row=max(row, 0))
        records = self.query_one("#records", DataTable)
        records.clear()
        for r in records_data:
            records.add_row(
                plain(t(PURPOSE_LABELS[r.purpose])),
                plain(t.date(r.given_at.date())),
                cell(t(METHOD_LABELS[r.method])),
                plain(f"v{r.text_version}"),
                plain(t.date(r.withdrawn_at.date()) if r.withdrawn_at else ""),
            )

    def purpose(self) -> str:
        return PURPOSES[self.query_one("#states", DataTable).cursor_row]

    def action_give(self) -> None:
        self.change("give")

    def action_withdraw(self) -> None:
        self.change("withdraw")

    def change(self, how: str) -> None:
        purpose = self.purpose()
        state = self.states.get(purpose)
        if state is None:
            return
        t = self.t
        if how == "give" and state.active:
            self.app.notify(t("This consent is given already."))
            return
        if how == "withdraw" and not state.active:
            self.app.notify(t("This consent is not given; there is nothing to withdraw."))
            return
        dialog = lambda pin=None: self.app.push_screen(  # noqa: E731
            ConsentChangeScreen(self.customer_id, self.customer_name, purpose, how, pin),
            self.changed_by_dialog,
        )
        if how == "withdraw" and purpose == "data_processing":
            self.loyalty.with_pin("erase", dialog)  # it erases her: the owner PIN first
        else:
            dialog()

    def changed_by_dialog(self, outcome) -> None:
        if outcome == "erased":
            self.loyalty.go_home()
        elif outcome:
            self.changed = True
            self.reload()

    def action_close(self) -> None:
        self.dismiss(True if self.changed else None)


class ConsentChangeScreen(BaseModal):
    """Give or withdraw one consent: says what it means, asks how it was given or
    withdrawn (↑↓, nothing chosen in advance; Enter does it). Withdrawing consent to data
    processing erases her: the dialog then also asks for the typed word."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, customer_id: int, name: str, purpose: str, how: str, pin=None) -> None:
        super().__init__()
        self.customer_id, self.customer_name, self.purpose, self.how = (
            customer_id,
            name,
            purpose,
            how,
        )
        self.pin = pin  # for an erasure: the owner PIN given for it (safety.Pin)
        self.method: str | None = None
        self.saving = False

    @property
    def erases(self) -> bool:
        return self.how == "withdraw" and self.purpose == "data_processing"

    def compose(self) -> ComposeResult:
        t = self.t
        purpose = t(PURPOSE_NAMES[self.purpose])
        with Vertical(classes="dialog", id="consent-change-dialog") as box:
            if self.how == "give":
                box.border_title = plain(t("Give consent · {name}", name=self.customer_name))
                text = self.shop.consent_texts()[self.purpose]
                yield Static(
                    lines(
                        t(
                            "{name} gives her consent: {purpose}.",
                            name=self.customer_name,
                            purpose=purpose,
                        ),
                        t("The text she agrees to (version {version}):", version=text.version),
                        text.text,
                    ),
                    classes="consent-text",
                )
                question = t("How does she give it? ↑↓ choose, Enter gives it:")
            else:
                box.border_title = plain(t("Withdraw consent · {name}", name=self.customer_name))
                yield Static(
                    plain(
                        t(
                            "{name} withdraws her consent: {purpose}. {consequence}",
                            name=self.customer_name,
                            purpose=purpose,
                            consequence=t(CONSEQUENCE_LABELS[self.purpose]),
                        )
                    )
                )
                question = t("How does she withdraw it? ↑↓ choose, Enter withdraws it:")
            yield Label(question)
            yield OptionList(
                *(Option(t(label), id=key) for key, label in METHOD_LABELS.items()),
                id="methods",
                compact=True,
            )
            yield FieldError(id="methods-error")
            if self.erases:
                yield Label(t("Type {word} and press Enter to go on:", word=t("ERASE")))
                yield Input(id="word", compact=True)
                yield FieldError(id="word-error")
        yield Footer()

    def on_mount(self) -> None:
        methods = self.query_one(OptionList)
        methods.highlighted = None  # an OptionList highlights its first option: not here
        methods.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.method = event.option.id
        self.query_one("#methods-error", FieldError).show("")
        if self.erases:
            self.query_one("#word", Input).focus()
        else:
            self.save()

    @on(Input.Submitted, "#word")
    def word_typed(self, event: Input.Submitted) -> None:
        t = self.t
        if self.method is None:
            self.query_one("#methods-error", FieldError).show(t("Please choose how first."))
            self.query_one(OptionList).focus()
        elif event.value.strip().casefold() != t("ERASE").casefold():
            self.query_one("#word-error", FieldError).show(
                t("That is not {word}; nothing was done.", word=t("ERASE"))
            )
        else:
            self.save()

    def save(self) -> None:
        if self.saving or self.method is None:
            return
        self.saving = True
        staff = self.loyalty.staff
        if self.how == "give":
            self.db(
                DoneResult,
                customers.give_consent,
                self.shop,
                self.customer_id,
                self.purpose,
                method=self.method,
                staff=staff,
            )
        elif not self.erases:
            self.db(
                DoneResult,
                customers.withdraw_consent,
                self.shop,
                self.customer_id,
                self.purpose,
                method=self.method,
                staff=staff,
            )
        else:
            self.loyalty.protected(
                self,
                ErasedResult,
                "erase",
                self.pin,
                customers.withdraw_consent,
                self.shop,
                self.customer_id,
                self.purpose,
                method=self.method,
                staff=staff,
                erase_confirmed=True,
                detail=f"customer #{self.customer_id} (consent withdrawn)",
                customer_id=self.customer_id,
            )

    @result_of(DoneResult)
    def on_done(self, record) -> None:
        t = self.t
        words = t(PURPOSE_NAMES[self.purpose])
        method = t(METHOD_LABELS[self.method or ""])
        if self.how == "give":
            text = t(
                "{name}: consent given, {purpose} ({method}, {date}).",
                name=self.customer_name,
                purpose=words,
                method=method,
                date=t.date(self.shop.today()),
            )
        else:
            text = t(
                "{name}: consent withdrawn, {purpose} ({method}, {date}).",
                name=self.customer_name,
                purpose=words,
                method=method,
                date=t.date(self.shop.today()),
            )
        self.app.notify(text, timeout=8)
        self.dismiss(True)

    @failure_of(DoneResult)
    def on_done_error(self, error: LoyaltyError) -> None:
        self.saving = False
        self.query_one("#methods-error", FieldError).show(error.render(self.t.gettext))

    @result_of(ErasedResult)
    def on_erased(self, _) -> None:
        self.app.notify(self.t("The customer was erased."), timeout=8)
        self.dismiss("erased")

    @failure_of(ErasedResult)
    def on_erased_error(self, error: LoyaltyError) -> None:
        self.saving = False
        self.query_one("#word-error", FieldError).show(error.render(self.t.gettext))

    def action_cancel(self) -> None:
        self.dismiss(None)
