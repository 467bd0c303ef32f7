"""Messages about a PostgreSQL database show its URL as the user typed it, password hidden."""

from __future__ import annotations

import pytest

from olga_loyalty.domain.errors import StorageError
from olga_loyalty.storage.db import close_database, open_database

pytest.importorskip("psycopg2")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_server_that_cannot_be_reached_is_named_as_typed(scheme):
    """Before: `Cannot open the database postgresql+pool://olga:***@…` — the pool the
    program adds for itself, in a URL the user never typed."""
    url = f"{scheme}://olga:geheim@127.0.0.1:1/laden"
    with pytest.raises(StorageError) as caught:
        open_database(url)
    close_database()
    message = str(caught.value)
    assert message.startswith(f"Cannot open the database {scheme}://olga:***@127.0.0.1:1/laden: ")
    assert "+pool" not in message and "geheim" not in message
