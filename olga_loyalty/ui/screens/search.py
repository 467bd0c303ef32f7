"""Search, the home screen: one box for phone, last digits, surname or email."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Label

from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.keys import app_bindings, key_label
from olga_loyalty.ui.tables import RoomyTable
from olga_loyalty.ui.text import cell, fit, plain
from olga_loyalty.ui.workers import DbResult, result_of

if TYPE_CHECKING:
    from olga_loyalty.services.customers import SearchHit, TodayContext
    from olga_loyalty.services.shop import Shop


# The customer services (with the reminder and e-mail modules they load) are imported in the
# worker, not before the first paint of the search screen: start-up speed. The app's warm-up
# after the first paint loads them too (`ui/app.py _load_libraries`).
def _find(shop: Shop, text: str) -> list[SearchHit]:
    from olga_loyalty.services import customers

    return customers.find(shop, text)


def _today_context(shop: Shop) -> TodayContext:
    from olga_loyalty.services import customers

    return customers.today_context(shop)


class ContextResult(DbResult[Any]):
    """What the worker of `context` found or did."""


class SearchResult(DbResult[Any]):
    """What the worker of `search` found or did."""


class OpenResult(DbResult[Any]):
    """The hits of what was typed before Enter, when the list still showed less of it."""


_PHONE_LIKE = re.compile(r"[0-9+()\-./ ]+")


class SearchScreen(BaseScreen):
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "open", "Open card", show=True),
        Binding("escape", "clear", "Clear", show=True),
    ]
    FOOTER_APP_KEYS = ("ctrl+n", "f1")
    #: The app's keys for the quiet hours, on a line of their own above the footer.
    OFFICE_KEYS = ("f3", "f6", "f7", "f8", "f9")

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self.query_text = ""
        #: what stands above the list while the box is empty (what to charge, say)
        self.notice = ""
        #: resumed once: its first paint is done or under way (`on_screen_resume`)
        self.shown = False
        #: the query of the search under way, and the query the list shows ("": today's)
        self.searching = ""
        self.listed = ""
        #: what was typed before an Enter that waits for its hits (`submitted`)
        self.opening = ""

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        yield Input(placeholder=t("Phone, last 4 digits, surname or email"), id="search")
        yield Label("", id="status")
        yield RoomyTable(id="results", cursor_type="row", zebra_stripes=True, roomy="name")
        yield Label(self.office_keys(), id="office-keys")
        yield Footer()

    def office_keys(self):
        """`F3 Follow-ups  F6 Reports  F7 Export  F8 Import  F9 Settings`, like the footer."""
        from textual.content import Content

        t, parts = self.t, list[Content]()
        for key, bindings in app_bindings(self.app).items():
            if key in self.OFFICE_KEYS:
                parts.append(
                    Content.assemble(
                        (key_label(key, t, short=True), "bold $footer-key-foreground"),
                        " ",
                        (t(bindings[0].description), "$footer-description-foreground"),
                    )
                )
        ordered: list[Content] = sorted(parts, key=lambda part: part.plain)
        return Content(" ").join(ordered)

    def on_mount(self) -> None:
        t = self.t
        table = self.query_one(DataTable)
        table.add_column(t("Name"), width=18, key="name")
        table.add_column(t("Phone"), width=17, key="phone")
        table.add_column(t("Tier"), width=6, key="tier")
        table.add_column(t("Points"), width=14, key="points")
        table.add_column(t("Expires"), width=11, key="expires")
        self.query_one("#search", Input).focus()
        # The app's start-up work begins after the first paint, which it would hold up;
        # `call_later`: after that paint's other callbacks too (start-up speed).
        self.call_after_refresh(self.call_later, self.loyalty.after_first_paint)

    def on_screen_resume(self) -> None:
        """Back from a card: balances may have changed, so look again. What was typed stays
        (↑↓ choose another hit) but is selected, so the next customer's digits replace it.
        The first resume follows the mount: then the list is looked up after the first paint,
        which its worker (the customer services' imports) and its rows (phone numbers' and
        babel's data) would hold up (start-up speed)."""
        if self.is_mounted:
            if self.shown:
                self.refresh_results()
            else:
                self.shown = True
                self.call_after_refresh(self.refresh_results)
            box = self.query_one("#search", Input)
            if box.value:
                box.select_all()

    def start_over(self, notice: str = "") -> None:
        """An empty box for the next customer; `notice` above the list until she is typed."""
        self.notice = notice
        box = self.query_one("#search", Input)
        box.value = ""
        box.focus()
        self.query_text = ""
        self.load_context()

    def refresh_results(self) -> None:
        if self.query_text:
            self.searching = self.query_text
            self.db(SearchResult, _find, self.shop, self.query_text)
        else:
            self.load_context()

    # -- searching as each key is typed ------------------------------------------------
    @on(Input.Changed, "#search")
    def typed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        if self.query_text:
            self.notice = ""
        self.refresh_results()

    def load_context(self) -> None:
        self.db(ContextResult, _today_context, self.shop)

    @result_of(ContextResult)
    def on_context(self, context: TodayContext) -> None:
        if self.query_text:
            return
        t = self.t
        hits: list[SearchHit] = []
        for hit in context.follow_up_hits + context.birthdays + context.recent:
            if all(h.id != hit.id for h in hits):
                hits.append(hit)
        if context.follow_ups:
            # only when there are follow-ups; not before the first paint: start-up speed
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
            more = len(context.birthdays) - 3
            status = (
                t("Birthday today: {names}", names=names)
                if more <= 0  # the others are in the list below; the line says how many
                else t("Birthday today: {names} and {count} more", names=names, count=more)
            )
        elif context.recent:
            status = t("Recently served")
        else:
            status = t("Type a phone number or a surname to find a customer.")
        self.listed = ""
        self.show_hits(hits, self.notice or status)

    @result_of(SearchResult)
    def on_search(self, hits: list[SearchHit]) -> None:
        t = self.t
        self.listed = self.searching
        if hits:
            status = t("{count} found", count=len(hits)) if len(hits) < 50 else t("First 50 shown")
            status += " · " + t("↑↓ choose · Enter opens the card")
        else:
            status = t(
                "No customer matches '{query}'. Press ctrl+n to register.",
                query=fit(self.query_text, 30),
            )
        self.show_hits(hits, status)

    def show_hits(self, hits: list[SearchHit], status: str) -> None:
        # not before the first paint (phone numbers' library): start-up speed
        from olga_loyalty.domain.customers import phone_for_display

        self.hits = hits
        label = self.query_one("#status", Label)
        label.update(plain(status))
        label.set_class(bool(self.notice) and status == self.notice, "-notice")
        table = self.query_one(DataTable)
        table.clear()
        t, region = self.t, self.shop.region
        for hit in hits:
            table.add_row(
                cell(f"{hit.last_name}, {hit.first_name}"),
                plain(phone_for_display(hit.phone, region)),
                plain(fit(hit.tier, 6)),
                plain(f"{t.number(hit.balance)} · {t.money(hit.balance_value)}"),
                plain(t.date(hit.soonest_expiry) if hit.soonest_expiry else ""),
                key=str(hit.id),
            )
        # Found by what was typed: the top hit is chosen, Enter opens it. Today's list
        # under an empty box: nothing is chosen until ↑↓, so Enter there does nothing.
        table.show_cursor = bool(self.query_text)
        if hits:
            table.move_cursor(row=0)

    # -- moving and opening ------------------------------------------------------------
    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        if not table.show_cursor:  # the first ↓ or ↑ under an empty box chooses the top row
            table.show_cursor = True
            table.move_cursor(row=0)
            return
        table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.hits and table.show_cursor and 0 <= table.cursor_row < len(self.hits):
            self.loyalty.open_card(self.hits[table.cursor_row].id)
        elif self.query_text and not self.hits:
            self.loyalty.action_register(self.register_prefill())

    @on(Input.Submitted, "#search")
    def submitted(self, event: Input.Submitted) -> None:
        """Enter opens what was typed before it. Typed in one burst (a scanner, a number
        pad, a fast hand), the list may still show the hits of the first digits: then the
        query is looked up whole and its top hit opened (docs/ui.md, "Keys typed in one
        burst")."""
        typed = event.value.strip()
        if not typed or typed == self.listed == self.query_text:
            self.action_open()
        else:
            self.opening = typed
            self.db(OpenResult, _find, self.shop, typed)

    @result_of(OpenResult)
    def on_open(self, hits: list[SearchHit]) -> None:
        if self.app.screen is not self:
            return  # Esc or another key took the search screen away meanwhile
        if hits:
            self.loyalty.open_card(hits[0].id)
        else:
            self.loyalty.action_register(self.register_prefill(self.opening))

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.loyalty.open_card(int(event.row_key.value or 0))

    def action_clear(self) -> None:
        self.start_over()

    def register_prefill(self, text: str | None = None) -> dict:
        """What was typed goes where it belongs: a phone to the phone, a name to the surname.
        What the box holds, not the last query searched: ctrl+n may come in the same burst
        as the keys before it (`Navigation.action_register` waits for them)."""
        if text is None:
            text = self.query_one("#search", Input).value.strip()
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
