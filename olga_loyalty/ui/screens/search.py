"""Search, the home screen: one box for phone, last digits, surname or email."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Label

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.services import customers
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.widgets import fit

_PHONE_LIKE = re.compile(r"[0-9+()\-./ ]+")


class SearchScreen(BaseScreen):
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "open", "Open card", show=True),
        Binding("escape", "clear", "Clear", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[customers.SearchHit] = []
        self.query_text = ""

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        yield Input(placeholder=t("Phone, last 4 digits, surname or email"), id="search")
        yield Label("", id="status")
        table = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one(DataTable)
        table.add_column(t("Name"), width=18, key="name")
        table.add_column(t("Phone"), width=17, key="phone")
        table.add_column(t("Tier"), width=6, key="tier")
        table.add_column(t("Points"), width=14, key="points")
        table.add_column(t("Expires"), width=11, key="expires")
        self.query_one("#search", Input).focus()
        self.load_context()

    def on_screen_resume(self) -> None:
        """Back from a card: balances may have changed, so look again."""
        if self.is_mounted:
            self.refresh_results()

    def refresh_results(self) -> None:
        if self.query_text:
            self.db("search", customers.find, self.shop, self.query_text)
        else:
            self.load_context()

    # -- searching as each key is typed ------------------------------------------------
    @on(Input.Changed, "#search")
    def typed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.refresh_results()

    def load_context(self) -> None:
        self.db("context", customers.today_context, self.shop)

    def on_context(self, context: customers.TodayContext) -> None:
        if self.query_text:
            return
        t = self.t
        hits: list[customers.SearchHit] = []
        for hit in context.follow_up_hits + context.birthdays + context.recent:
            if all(h.id != hit.id for h in hits):
                hits.append(hit)
        if context.follow_ups:
            from olga_loyalty.services.followups import FEEDBACK_LABELS

            names = ", ".join(
                f"{f.name} ({t(FEEDBACK_LABELS[f.kind])})" for f in context.follow_ups[:2]
            )
            status = t(
                "Follow-ups due ({count}): {names} · F3 lists them",
                count=len(context.follow_ups),
                names=names,
            )
        elif context.birthdays:
            names = ", ".join(f"{h.first_name} {h.last_name}" for h in context.birthdays[:3])
            status = t("Birthday today: {names}", names=names)
        elif context.recent:
            status = t("Recently served")
        else:
            status = t("Type a phone number or a surname to find a customer.")
        self.show_hits(hits, status)

    def on_search(self, hits: list[customers.SearchHit]) -> None:
        t = self.t
        if hits:
            status = t("{count} found", count=len(hits)) if len(hits) < 50 else t("First 50 shown")
            status += " · " + t("↑↓ choose · Enter opens the card")
        else:
            status = t(
                "No customer matches '{query}'. Press ctrl+n to register.",
                query=fit(self.query_text, 30),
            )
        self.show_hits(hits, status)

    def show_hits(self, hits: list[customers.SearchHit], status: str) -> None:
        self.hits = hits
        self.query_one("#status", Label).update(plain(status))
        table = self.query_one(DataTable)
        table.clear()
        t, region = self.t, self.shop.region
        for hit in hits:
            table.add_row(
                plain(fit(f"{hit.last_name}, {hit.first_name}", 18)),
                plain(phone_for_display(hit.phone, region)),
                plain(fit(hit.tier, 6)),
                plain(f"{t.number(hit.balance)} · {t.money(hit.balance_value)}"),
                plain(t.date(hit.soonest_expiry) if hit.soonest_expiry else ""),
                key=str(hit.id),
            )
        if hits:
            table.move_cursor(row=0)

    # -- moving and opening ------------------------------------------------------------
    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.hits and 0 <= table.cursor_row < len(self.hits):
            self.loyalty.open_card(self.hits[table.cursor_row].id)
        elif self.query_text:
            self.loyalty.action_register(self.register_prefill())

    @on(Input.Submitted, "#search")
    def submitted(self) -> None:
        self.action_open()

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.loyalty.open_card(int(event.row_key.value))

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.focus()

    def register_prefill(self) -> dict:
        """What was typed goes where it belongs: a phone to the phone, a name to the surname."""
        text = self.query_text
        if not text:
            return {}
        if "@" in text:
            return {"email": text}
        if _PHONE_LIKE.fullmatch(text):
            return {"phone": text}
        words = text.split()
        if len(words) >= 2:
            return {"first_name": words[0].title(), "last_name": " ".join(words[1:]).title()}
        return {"last_name": text.title()}
