"""A small shop with fixed data and a fixed clock, for Pilot and snapshot tests."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from olga_loyalty.config import FixedClock
from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.services import customers, points
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from olga_loyalty.ui.app import LoyaltyApp
from tests.conftest import fresh_database

NOW = datetime.fromisoformat("2026-11-23T10:00:00+00:00")


def build_shop(path, *, setup_done: bool = True, language: str = "en"):
    clock = FixedClock(datetime.fromisoformat("2025-11-01T10:00:00+00:00"))
    shop = open_shop(str(path), clock)
    if setup_done:
        shop.save_settings(
            replace(shop.settings, name="Boutique Olga", language=language, setup_done=True)
        )
        shop.remember_staff("Olga")

    def add(first, last, phone, consents, **extra):
        data = CustomerInput(first_name=first, last_name=last, phone=phone, **extra)
        return customers.register(
            shop, data, consents=set(consents), method="verbal", staff="Olga"
        ).customer

    anna = add(
        "Anna",
        "Müller",
        "0151 1234 5678",
        {"data_processing", "email"},
        email="anna@example.com",
        birthday="1980-12-24",
        salutation="Frau",
        notes="Size 38, likes linen",
    )
    clock.moment = datetime.fromisoformat("2026-03-10T11:30:00+00:00")
    points.record_purchase(shop, anna.id, "600.00", staff="Olga")
    bjorn = add("Björn", "Lindqvist", "0160 9876 1234", {"data_processing", "sms"})
    clock.moment = datetime.fromisoformat("2026-09-01T15:00:00+00:00")
    points.record_purchase(shop, anna.id, "123.45", redeem=200, staff="Eva")
    points.record_purchase(shop, bjorn.id, "80.00", staff="Eva")
    clock.moment = datetime.fromisoformat("2026-11-02T09:00:00+00:00")
    add(
        "Hans",
        "Mueller",
        "0171 2222 3333",
        {"data_processing"},
        birthday="1975-11-23",
        salutation="Herr",
    )
    clock.moment = NOW
    return shop


@pytest.fixture
def ui_shop(tmp_path):
    shop = build_shop(fresh_database(tmp_path, "ui.db"))
    yield shop
    close_database()


@pytest.fixture
def app_factory(ui_shop):
    def make(language: str = "en") -> LoyaltyApp:
        return LoyaltyApp(ui_shop, language=language, run_daily=False)

    return make


async def settle(pilot) -> None:
    """Wait for database workers and the repaint that follows, and stop cursors blinking."""
    app = pilot.app
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    for screen in app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False
    await pilot.pause()


async def palette_answered(pilot, *, nothing_found: bool = False, timeout: float = 10.0) -> None:
    """Wait until the open command palette lists what was typed: its hits, or (with
    ``nothing_found``) the 'nothing found' line Textual adds 0.5 s after the search worker
    ends. A fixed pause failed in CI on a loaded machine."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while True:
        await settle(pilot)
        palette = pilot.app.screen
        if isinstance(palette, CommandPalette):
            found = palette.query_one(CommandList)
            first = found.get_option_at_index(0).id if found.option_count else None
            if nothing_found and first == palette._NO_MATCHES:
                return
            if not nothing_found and found.option_count and first != palette._NO_MATCHES:
                return
        if loop.time() > give_up:
            return  # the test's assertions say what is on the screen
        await pilot.pause(0.1)
