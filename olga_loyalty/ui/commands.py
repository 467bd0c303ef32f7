"""The command palette (ctrl+p): customers by name or phone, next to the app's actions."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider

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
