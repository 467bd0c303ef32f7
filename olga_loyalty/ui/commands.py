"""The command palette (ctrl+p): customers by name or phone, next to the app's actions."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.services import customers
from olga_loyalty.storage.models import database
from olga_loyalty.ui.text import plain


def _find(shop, query: str):
    with database.connection_context():
        return customers.find(shop, query, limit=10)


class CustomerCommands(Provider):
    """Type a surname or phone digits in the palette to open that customer's card."""

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if len(query) < 2:
            return
        app = self.app
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
        from olga_loyalty.ui.keys import textual_text

        super().__init__(*args, placeholder=textual_text(self.app.t, placeholder), **kwargs)

    def _watch__list_visible(self) -> None:
        # Textual adds its "No matches found" line just before it shows the list.
        super()._watch__list_visible()
        from rich.align import Align
        from rich.text import Text

        from olga_loyalty.ui.keys import textual_text

        commands = self.query_one(CommandList)
        if commands.option_count and commands.get_option_at_index(0).id == self._NO_MATCHES:
            words = textual_text(self.app.t, "No matches found")
            commands.replace_option_prompt(
                self._NO_MATCHES, Align.center(Text(words, style="not bold"))
            )


class ThemeCommands(Provider):
    """The palette's "Theme": dark or light, by name in the shop's language."""

    def _themes(self):
        from olga_loyalty.ui.app import THEME_LABELS

        t = self.app.t
        for name, label in THEME_LABELS.items():
            yield name, t(label)

    async def discover(self) -> Hits:
        for name, label in self._themes():
            yield DiscoveryHit(plain(label), partial(self.app.choose_theme, name), text=label)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, label in self._themes():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(self.app.choose_theme, name),
                    text=label,
                )
