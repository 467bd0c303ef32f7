"""The customer card: who she is, her points, and everything that happened."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.domain.errors import LoyaltyError, NotFound
from olga_loyalty.domain.text import visible
from olga_loyalty.services import customers, gdpr
from olga_loyalty.services.gdpr import program_text
from olga_loyalty.services.labels import HISTORY_LABELS
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.screens.adjust import AdjustScreen
from olga_loyalty.ui.screens.confirm import TypedConfirm
from olga_loyalty.ui.screens.consents import PURPOSE_LABELS, ConsentsScreen
from olga_loyalty.ui.screens.followups import FeedbackScreen
from olga_loyalty.ui.screens.purchase import PurchaseScreen
from olga_loyalty.ui.screens.refund import RefundScreen
from olga_loyalty.ui.screens.register import EditScreen
from olga_loyalty.ui.tables import RoomyTable
from olga_loyalty.ui.text import cell, fit, lines, marked, plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class CardResult(DbResult[Any]):
    """What the worker of `card` found or did."""


class ErasedResult(DbResult[Any]):
    """What the worker of `erased` found or did."""


class FileWrittenResult(DbResult[Any]):
    """What the worker of `file_written` found or did."""


#: The words for the history kinds (services/labels.py), shared with the command line.
KIND_LABELS = HISTORY_LABELS


def signed(t, points: int) -> str:
    """`+1.234` / `-50`: points with their sign, in the shop's number format."""
    return ("+" if points > 0 else "") + t.number(points)


class CardScreen(BaseScreen):
    # The footer shows the keys of the counter (80 columns hold no more in German); the
    # others are in F1's help, which opens on this screen's keys, and in the palette.
    BINDINGS = [
        Binding("p", "purchase", "Purchase"),
        Binding("r", "refund", "Refund"),
        Binding("a", "adjust", "Adjust", show=False),
        Binding("e", "edit", "Edit"),
        Binding("c", "consents", "Consents"),
        Binding("d", "data_export", "Data export", show=False),
        Binding("f", "consent_form", "Consent form", show=False),
        Binding("n", "feedback", "Feedback", show=False),
        Binding("ctrl+delete", "erase", "Erase", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.card: customers.CustomerCard | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="card-top"):
            yield Static(id="who", classes="panel")
            yield Static(id="points", classes="panel")
        yield Static(id="consents")
        yield RoomyTable(id="history", cursor_type="row", zebra_stripes=True, roomy="note")
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        t = self.t
        self.query_one("#who").border_title = t("Customer")
        self.query_one("#points").border_title = t("Points")
        table = self.query_one("#history", DataTable)
        table.add_column(t("When"), width=16)
        table.add_column(t("What"), width=21)
        table.add_column(t("Points"), width=7)
        table.add_column(t("Amount"), width=12)
        table.add_column(t("Note"), width=10, key="note")
        self.reload()

    def reload(self) -> None:
        self.db(CardResult, customers.card, self.shop, self.customer_id, 200)

    def on_screen_resume(self) -> None:
        # not when the card was passed on the way home (erased by a withdrawal, say)
        if self.is_mounted and self.card is not None and self.is_current:
            self.reload()

    @failure_of(CardResult)
    def on_card_error(self, error: LoyaltyError) -> None:
        """Her card cannot be read: erased at another till, say, while this one showed her
        (or a dialog of hers was open). Her data leaves the screen with the reason; every
        other failure is said here and the card stays."""
        if isinstance(error, NotFound):
            self.loyalty.go_home(error.render(self.t.gettext))
        else:
            self.show_error(error)

    @result_of(CardResult)
    def on_card(self, card: customers.CustomerCard) -> None:
        self.card = card
        t, c = self.t, card.customer
        region = self.shop.region
        name = f"{c.salutation} {c.first_name} {c.last_name}".strip()
        who: list[str | Content] = [
            marked("[b]{name}[/b]  #{id}", name=name, id=c.id),
            t("Phone: {phone}", phone=phone_for_display(c.phone or "", region)),
        ]
        if c.email:
            who.append(t("Email: {email}", email=c.email))
        if c.birthday:
            who.append(t("Birthday: {date}", date=t.date(c.birthday)))
        if c.notes:
            who.append(t("Notes: {notes}", notes=fit(" ".join(c.notes.split()), 60)))
        if card.referred_by_name:
            who.append(t("Referred by {name}", name=card.referred_by_name))
        self.query_one("#who", Static).update(lines(*who))

        points: list[str | Content] = [
            marked(
                t.gettext("[b]{points}[/b] = {value}"),
                points=t.points(card.balance),
                value=t.money(card.balance_value),
            ),
        ]
        tier = t("Tier: {tier}", tier=card.tier.name)
        if card.next_tier:
            tier += " " + t(
                "({amount} to {tier})",
                amount=t.money(card.next_tier[1]),
                tier=card.next_tier[0].name,
            )
        points.append(tier)
        if card.expiring:
            soon = ", ".join(
                t("{points} on {date}", points=t.number(p), date=t.date(d))
                for p, d in card.expiring
            )
            points.append(t("Expiring within 30 days: {list}", list=soon))
        else:
            points.append(t("Nothing expires within 30 days."))
        points.append(
            t(
                "Visits: {visits} · spent {spent}",
                visits=card.visits,
                spent=t.money(card.total_spent),
            )
        )
        points.append(
            t("Last visit: {date}", date=t.datetime(card.last_visit) if card.last_visit else "–")
        )
        self.query_one("#points", Static).update(lines(*points))

        parts = []
        for purpose, state in card.consents.items():
            label = t(PURPOSE_LABELS[purpose])
            if state.active:
                given = t.date(state.given_at.date()) if state.given_at else ""
                parts.append(f"{label} ✓ {given}")
            elif state.withdrawn_at:
                parts.append(f"{label} ✗ {t('withdrawn')} {t.date(state.withdrawn_at.date())}")
            else:
                parts.append(f"{label} –")
        self.query_one("#consents", Static).update(plain(t("Consents: ") + "  ·  ".join(parts)))

        table = self.query_one("#history", DataTable)
        table.clear()
        for row in card.history:
            table.add_row(
                plain(t.datetime(row.when)),
                cell(self.kind_label(row.kind)),
                plain(signed(t, row.points) if row.points else ""),
                plain(t.money(row.amount) if row.amount is not None else ""),
                cell(self.note_for(row)),
            )
        self.show_detail()
        # the header is written to the terminal as it is: a name stored before the input
        # rules with an escape sequence in it retitled the window (docs/rules.md)
        self.sub_title = visible(f"{c.first_name} {c.last_name}")

    def kind_label(self, kind: str) -> str:
        return self.t(KIND_LABELS.get(kind, "Points"))  # never a code name

    def note_for(self, row: customers.HistoryRow) -> str:
        """What the owner typed (adjustment reasons) or the program wrote, in words; else
        the purchase the row belongs to."""
        if row.kind in ("adjust", "opening", "bonus") and row.text:
            return program_text(self.t, row.text)
        return f"#{row.purchase_id}" if row.purchase_id else ""

    @on(DataTable.RowHighlighted, "#history")
    def show_detail(self) -> None:
        """The chosen line whole, under the table: its note uncut, and for a redemption
        (or an expiry) the lots it took the points from."""
        table = self.query_one("#history", DataTable)
        detail = self.query_one("#detail", Static)
        history = self.card.history if self.card else []
        if not 0 <= table.cursor_row < len(history):
            detail.update("")
            return
        t, row = self.t, history[table.cursor_row]
        parts = [f"{t.datetime(row.when)} · {self.kind_label(row.kind)}"]
        if row.points:
            parts.append(t.points(row.points, signed=True))
        if row.amount is not None:
            parts.append(t.money(row.amount))
        note = self.note_for(row)
        if note:
            parts.append(note)
        text = " · ".join(parts)
        if len(row.lots) > 1:
            text += " — " + t.ngettext(
                "from {count} lot: {lots}",
                "from {count} lots: {lots}",
                len(row.lots),
                count=len(row.lots),
                lots="; ".join(
                    t(
                        "{points} valid until {date}",
                        points=t.number(points),
                        date=t.date(expires),
                    )
                    for points, expires in row.lots
                ),
            )
        detail.update(plain(text))

    # -- actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def _after(self, result) -> None:
        if result is not None:
            self.reload()

    def action_purchase(self) -> None:
        if self.card:
            self.app.push_screen(PurchaseScreen(self.card), self._after)

    def action_refund(self) -> None:
        if self.card:
            self.app.push_screen(RefundScreen(self.card), self._after)

    def action_adjust(self) -> None:
        if self.card:
            card = self.card
            self.loyalty.with_pin(
                "adjust", lambda pin: self.app.push_screen(AdjustScreen(card, pin), self._after)
            )

    def action_feedback(self) -> None:
        if self.card:
            c = self.card.customer
            self.app.push_screen(FeedbackScreen(c.id, f"{c.first_name} {c.last_name}"))

    def action_edit(self) -> None:
        if self.card:
            self.app.push_screen(EditScreen(self.card.customer), self._after)

    def action_data_export(self) -> None:
        if self.card:
            cid = self.card.customer.id
            self.loyalty.with_pin(
                "export",
                lambda pin: self.loyalty.protected(
                    self,
                    FileWrittenResult,
                    "export",
                    pin,
                    gdpr.access_export,
                    self.shop,
                    cid,
                    detail=f"customer #{cid}",
                    customer_id=cid,
                ),
            )

    def action_consent_form(self) -> None:
        """The form filled in with her data: personal data leaving the program, so a
        protected export with its audit entry, like the data export (the blank form from
        the search screen stays free)."""
        if self.card:
            cid = self.card.customer.id
            self.loyalty.with_pin(
                "export",
                lambda pin: self.loyalty.protected(
                    self,
                    FileWrittenResult,
                    "export",
                    pin,
                    gdpr.consent_form,
                    self.shop,
                    cid,
                    detail=f"consent form, customer #{cid}",
                    customer_id=cid,
                ),
            )

    @result_of(FileWrittenResult)
    def on_file_written(self, path) -> None:
        self.loyalty.announce_file(self.t("Written: {path}", path=path), path)

    def action_erase(self) -> None:
        if not self.card:
            return
        t, c = self.t, self.card.customer

        def erase(pin, confirmed: bool | None) -> None:
            if confirmed:
                self.loyalty.protected(
                    self,
                    ErasedResult,
                    "erase",
                    pin,
                    customers.erase,
                    self.shop,
                    c.id,
                    staff=self.loyalty.staff,
                    detail=f"customer #{c.id}",
                    customer_id=c.id,
                )

        self.loyalty.with_pin(
            "erase",
            lambda pin: self.app.push_screen(
                TypedConfirm(
                    plain(t("Erase {name}", name=f"{c.first_name} {c.last_name}")),
                    t(
                        "Name, phone, email, birthday and notes are removed for good and her points are "
                        "forfeited (GDPR Art. 17). Purchases stay in the books without her name. This "
                        "cannot be undone."
                    ),
                    t("ERASE"),
                ),
                lambda confirmed: erase(pin, confirmed),
            ),
        )

    @result_of(ErasedResult)
    def on_erased(self, customer_id: int) -> None:
        self.app.notify(self.t("The customer was erased."), timeout=8)
        self.loyalty.go_home()  # on an empty search box: her number matches no one now

    def action_consents(self) -> None:

        if self.card:
            c = self.card.customer
            self.app.push_screen(ConsentsScreen(c.id, f"{c.first_name} {c.last_name}"), self._after)
