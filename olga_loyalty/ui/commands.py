"""The command palette (ctrl+p): customers by name or phone, next to the app's actions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.align import Align
from rich.text import Text
from textual.app import App, SystemCommand
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.services import customers
from olga_loyalty.storage.models import database
from olga_loyalty.ui.i18n import textual_text
from olga_loyalty.ui.keys import class_bindings, key_label
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.themes import THEME_LABELS

if TYPE_CHECKING:
    from olga_loyalty.services.customers import SearchHit
    from olga_loyalty.services.shop import Shop
    from olga_loyalty.ui.interface import LoyaltyShell


def _find(shop: Shop, query: str) -> list[SearchHit]:
    with database.connection_context():
        return customers.find(shop, query, limit=10)


class CustomerCommands(Provider):
    """Type a surname or phone digits in the palette to open that customer's card."""

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if len(query) < 2:
            return
        app = cast("LoyaltyShell", self.app)
        hits = await asyncio.to_thread(_find, app.shop, query)
        t = app.t
        for hit in hits:
            name = f"{hit.first_name} {hit.last_name}"
            phone = phone_for_display(hit.phone, app.shop.region)
            yield Hit(
                1.0,
                plain(f"{name} · {phone}"),  # a name is data, never markup (ui/text.py)
                partial(app.open_card, hit.id),
                text=f"{name} · {phone}",
                help=plain(  # type: ignore[arg-type]  # Content is shown as it is
                    t(
                        "Open the card: {points}, {tier}",
                        points=t.points(hit.balance),
                        tier=hit.tier,
                    )
                ),
            )


class Palette(CommandPalette):
    """Textual's command palette with its own words in the shop's language: the
    placeholder ("Search for commands…") and "No matches found"."""

    def __init__(self, *args, placeholder: str = "Search for commands…", **kwargs) -> None:
        super().__init__(
            *args, placeholder=textual_text(cast("LoyaltyShell", self.app).t, placeholder), **kwargs
        )

    def _watch__list_visible(self) -> None:
        # Textual adds its "No matches found" line just before it shows the list.
        super()._watch__list_visible()
        commands = self.query_one(CommandList)
        if commands.option_count and commands.get_option_at_index(0).id == self._NO_MATCHES:
            words = textual_text(cast("LoyaltyShell", self.app).t, "No matches found")
            commands.replace_option_prompt(
                self._NO_MATCHES, Align.center(Text(words, style="not bold"))
            )


class ThemeCommands(Provider):
    """The palette's "Theme": dark or light, by name in the shop's language."""

    def _themes(self):
        t = cast("LoyaltyShell", self.app).t
        for name, label in THEME_LABELS.items():
            yield name, t(label)

    async def discover(self) -> Hits:
        for name, label in self._themes():
            yield DiscoveryHit(
                plain(label), partial(cast("LoyaltyShell", self.app).choose_theme, name), text=label
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, label in self._themes():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(cast("LoyaltyShell", self.app).choose_theme, name),
                    text=label,
                )


def system_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The palette's commands: the app's actions, then the keys of the screen below it."""
    shell = cast("LoyaltyShell", app)
    t = shell.t
    yield SystemCommand(t("New customer"), t("Register a customer"), shell.action_register)
    yield SystemCommand(t("Search"), t("Back to the search screen"), shell.go_home)
    yield SystemCommand(
        t("Settings"), t("Shop, programme, consent texts, staff"), shell.action_settings
    )
    yield SystemCommand(t("Export"), t("Newsletter lists for mailing tools"), shell.action_export)
    yield SystemCommand(t("Import"), t("Customer lists and unsubscribe lists"), shell.action_import)
    yield SystemCommand(
        t("Reports"),
        t("Members, revenue, loyalty, points; lists to act on"),
        shell.action_reports,
    )
    yield SystemCommand(
        t("Follow-ups"), t("The calls due today, complaints to answer"), shell.action_follow_ups
    )
    yield SystemCommand(
        t("Reminders"),
        t("Birthday, expiring points, welcome: the mails waiting and sent (F2)"),
        shell.action_reminders,
    )
    yield SystemCommand(
        t("Bonus for a segment"),
        t("Points for every customer of a segment, after a preview"),
        shell.action_bonus,
    )
    yield SystemCommand(
        t("Blank consent form"),
        t("A printable form to fill in by hand"),
        shell.blank_consent_form,
    )
    yield SystemCommand(
        t("Open the folder"),
        t("The folder of the last file written, else the exports folder (ctrl+o)"),
        shell.action_open_folder,
    )
    yield SystemCommand(
        t("Desktop shortcut"),
        t("A shortcut on the desktop that starts Olga Loyalty"),
        shell.make_shortcut,
    )
    yield SystemCommand(t("Help"), t("Every key on every screen"), shell.action_help)
    yield SystemCommand(
        t("Theme"), t("Dark or light; kept in the settings"), shell.action_change_theme
    )
    for binding in class_bindings(type(screen)).values():
        for b in binding:
            # the footer's keys and those it leaves out for room (the card's `a`, `d`, …)
            shown = b.show or b.key not in ("up", "down", "enter", "escape", "tab")
            # not Textual's own screen keys ("Copy selected text"): not the till's business
            ours = not b.action.startswith(("app.", "screen."))
            if shown and b.description and ours:
                yield SystemCommand(
                    t(b.description),
                    t("On this screen ({key})", key=key_label(b.key, t)),
                    partial(app.run_action, b.action, screen),
                )
    yield SystemCommand(t("Quit"), t("Close Olga Loyalty"), app.exit)
