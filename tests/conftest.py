from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

os.environ.setdefault("OLGA_LOYALTY_LANG", "en")
os.environ["TZ"] = "UTC"  # screens and outputs show local times: make them the same everywhere
time.tzset()

from olga_loyalty.config import FixedClock  # noqa: E402
from olga_loyalty.domain.customers import CustomerInput  # noqa: E402
from olga_loyalty.services import customers  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402
from olga_loyalty.storage.db import close_database  # noqa: E402

START = datetime.fromisoformat("2026-01-10T10:00:00+01:00")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "loyalty.db"


@pytest.fixture
def shop(db_path, clock):
    shop = open_shop(str(db_path), clock)
    yield shop
    close_database()


PHONES = iter(range(10_000_000, 99_999_999))


def new_phone() -> str:
    return f"0151 {next(PHONES)}"


def register(
    shop, first="Anna", last="Müller", phone=None, consents=("data_processing",), **fields
):
    data = CustomerInput(first_name=first, last_name=last, phone=phone or new_phone(), **fields)
    return customers.register(shop, data, consents=set(consents), staff="Olga").customer
