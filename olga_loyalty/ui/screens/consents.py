"""Consents: give or withdraw per channel, with every record and its text version."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Select

from olga_loyalty.services import customers
from olga_loyalty.services.shop import PURPOSES
from olga_loyalty.ui.base import BaseModal
from olga_loyalty.ui.screens.card import PURPOSE_LABELS
from olga_loyalty.ui.screens.register import METHOD_LABELS
from olga_loyalty.ui.text import plain

PURPOSE_NAMES = {
    "data_processing": "Data processing",
    "email": "Email newsletter",
    "sms": "SMS / messenger",
}


def _load(customer_id: int):
    return customers.consent_states(customer_id), customers.consent_records(customer_id)


class ConsentsScreen(BaseModal):
    BINDINGS = [
        Binding("g", "give", "Give"),
        Binding("w", "withdraw", "Withdraw"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.changed = False

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="consents-dialog") as box:
            box.border_title = t("Consents")
            yield DataTable(id="states", cursor_type="row")
            with Horizontal(classes="row"):
                yield Label(t("How it was given or withdrawn"), classes="field-label wide")
                yield Select(
                    [(t(label), key) for key, label in METHOD_LABELS.items()],
                    value="paper_signed",
                    allow_blank=False,
                    id="method",
                    compact=True,
                )
            yield Label(t("Every record, newest first:"))
            yield DataTable(id="records", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        states = self.query_one("#states", DataTable)
        states.add_column(t("Consent"), width=17)
        states.add_column(t("State"), width=13)
        states.add_column(t("Since"), width=10)
        states.add_column(t("Method"), width=17)
        states.add_column(t("Text"), width=4)
        records = self.query_one("#records", DataTable)
        records.add_column(t("Consent"), width=7)
        records.add_column(t("Given"), width=16)
        records.add_column(t("Method"), width=17)
        records.add_column(t("Text"), width=4)
        records.add_column(t("Withdrawn"), width=16)
        states.focus()
        self.reload()

    def reload(self) -> None:
        self.db("loaded", _load, self.customer_id)

    def on_loaded(self, data) -> None:
        t = self.t
        states_data, records_data = data
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
                plain(t(METHOD_LABELS.get(s.method or "", "")) if s.method else ""),
                plain(f"v{s.text_version}" if s.text_version else ""),
                key=purpose,
            )
        states.move_cursor(row=max(row, 0))
        records = self.query_one("#records", DataTable)
        records.clear()
        for r in records_data:
            records.add_row(
                plain(t(PURPOSE_LABELS[r.purpose])),
                plain(t.datetime(r.given_at)),
                plain(t(METHOD_LABELS[r.method])),
                plain(f"v{r.text_version}"),
                plain(t.datetime(r.withdrawn_at) if r.withdrawn_at else ""),
            )

    def purpose(self) -> str:
        return PURPOSES[self.query_one("#states", DataTable).cursor_row]

    def method(self) -> str:
        value = self.query_one("#method", Select).value
        return value if isinstance(value, str) else "paper_signed"

    def action_give(self) -> None:
        self.db(
            "done",
            customers.give_consent,
            self.shop,
            self.customer_id,
            self.purpose(),
            method=self.method(),
            staff=self.loyalty.staff,
        )

    def action_withdraw(self) -> None:
        purpose = self.purpose()
        if purpose != "data_processing":
            self.db(
                "done",
                customers.withdraw_consent,
                self.shop,
                self.customer_id,
                purpose,
                method=self.method(),
                staff=self.loyalty.staff,
            )
            return
        from olga_loyalty.ui.screens.confirm import TypedConfirm

        t = self.t
        word = t("ERASE")

        def erase(pin, confirmed: bool | None) -> None:
            if confirmed:
                self.loyalty.protected(
                    self,
                    "erased",
                    "erase",
                    pin,
                    customers.withdraw_consent,
                    self.shop,
                    self.customer_id,
                    purpose,
                    method=self.method(),
                    staff=self.loyalty.staff,
                    erase_confirmed=True,
                    detail=f"customer #{self.customer_id} (consent withdrawn)",
                    customer_id=self.customer_id,
                )

        self.loyalty.with_pin(
            "erase",
            lambda pin: self.app.push_screen(
                TypedConfirm(
                    t("Withdraw consent to data processing"),
                    t(
                        "Without this consent the customer's personal data must be erased: name, phone, "
                        "email, birthday and notes are removed for good and her points are forfeited. "
                        "Purchases stay in the books without her name. This cannot be undone."
                    ),
                    word,
                ),
                lambda confirmed: erase(pin, confirmed),
            ),
        )

    def on_done(self, record) -> None:
        self.changed = True
        self.app.notify(self.t("Consent saved."))
        self.reload()

    def on_erased(self, record) -> None:
        self.app.notify(self.t("The customer was erased."), timeout=8)
        self.loyalty.go_home()

    def action_close(self) -> None:
        self.dismiss(True if self.changed else None)
