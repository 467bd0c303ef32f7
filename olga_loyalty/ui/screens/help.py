"""F1: every key on every screen, in the shop's language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.keys import key_label
from olga_loyalty.ui.text import lines as text_lines
from olga_loyalty.ui.text import marked


def _screens():
    from olga_loyalty.ui.app import LoyaltyApp
    from olga_loyalty.ui.screens.adjust import AdjustScreen
    from olga_loyalty.ui.screens.bonus import BonusScreen
    from olga_loyalty.ui.screens.card import CardScreen
    from olga_loyalty.ui.screens.consents import ConsentsScreen
    from olga_loyalty.ui.screens.exports import ExportScreen
    from olga_loyalty.ui.screens.followups import FeedbackScreen, FollowUpsScreen
    from olga_loyalty.ui.screens.imports import ImportScreen
    from olga_loyalty.ui.screens.purchase import PurchaseScreen
    from olga_loyalty.ui.screens.refund import RefundScreen
    from olga_loyalty.ui.screens.register import CustomerForm
    from olga_loyalty.ui.screens.reminders import RemindersScreen
    from olga_loyalty.ui.screens.reports import ReportsScreen
    from olga_loyalty.ui.screens.search import SearchScreen
    from olga_loyalty.ui.screens.settings import SettingsScreen

    return [
        (
            "Everywhere",
            LoyaltyApp,
            [("ctrl+p", "Command palette: every action, customers by name or phone")],
        ),
        ("Search", SearchScreen, [("↑ ↓", "Choose a customer")]),
        ("Customer card", CardScreen, []),
        ("Purchase", PurchaseScreen, []),
        ("Refund", RefundScreen, [("↑ ↓", "Choose the purchase")]),
        ("Adjust points", AdjustScreen, []),
        ("New customer / Edit customer", CustomerForm, [("tab / enter", "Next field")]),
        ("Consents", ConsentsScreen, [("↑ ↓", "Choose the consent")]),
        ("Settings", SettingsScreen, [("← →", "Switch tabs")]),
        ("Export", ExportScreen, []),
        ("Import", ImportScreen, []),
        ("Reports", ReportsScreen, [("1 2 3 4", "Choose a list")]),
        ("Follow-ups", FollowUpsScreen, [("↑ ↓", "Choose the follow-up")]),
        ("Feedback", FeedbackScreen, []),
        ("Bonus for a segment", BonusScreen, []),
        ("Reminders", RemindersScreen, [("↑ ↓", "Choose a mail: its text is shown below")]),
    ]


def _own_bindings(cls):
    """The keys this product defines (not Textual's built-in focus and copy keys)."""
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("olga_loyalty"):
            yield from klass.__dict__.get("BINDINGS", [])


class HelpScreen(BaseScreen):
    """Every key on every screen; it opens at the keys of the screen it was called from
    (whose footer shows only its main keys)."""

    BINDINGS = [Binding("escape", "close", "Back"), Binding("f1", "close", "Back", show=False)]

    def __init__(self, came_from=None) -> None:
        super().__init__()
        self.came_from = came_from

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        with VerticalScroll(id="help"):
            yield Static(
                t("^ in the footer means Ctrl (Strg on a German keyboard)."), classes="help-block"
            )
            for number, (title, cls, extra) in enumerate(_screens()):
                lines = [marked("[b]{title}[/b]", title=t(title))]
                seen = set()
                for b in _own_bindings(cls):
                    if b.description and b.description not in seen and b.key != "ctrl+q":
                        seen.add(b.description)
                        key = key_label(b.key, t)
                        lines.append(f"  {key:<12} {t(b.description)}")
                for key, text in extra:
                    lines.append(f"  {key:<12} {t(text)}")
                yield Static(text_lines(*lines), classes="help-block", id=f"help-{number}")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.t("Help")
        for number, (_, cls, _) in enumerate(_screens()):
            if isinstance(self.came_from, cls):  # the app is no screen: never matched
                block = self.query_one(f"#help-{number}")
                self.call_after_refresh(block.scroll_visible, top=True, animate=False)
                break

    def action_close(self) -> None:
        self.app.pop_screen()
