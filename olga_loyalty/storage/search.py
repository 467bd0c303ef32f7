"""The customer search on the database (issue 18: beside storage, out of the services): the
search-key columns a customer row carries, and the plain SQL of one ranked search step.
Index range scans only: this is the till's hot path."""

from __future__ import annotations

from typing import Any

from olga_loyalty.domain.customers import CustomerFields, name_keys, phone_search_key
from olga_loyalty.storage.db import fetch_rows
from olga_loyalty.storage.ledger import NET_PAID

# Balance, soonest expiry and spend in the tier window come with each search row: correlated
# subqueries on the covering indexes, evaluated only for the rows returned.
FIGURES = (
    "(SELECT SUM(remaining) FROM lot l WHERE l.customer_id = c.id AND remaining > 0 "
    "AND expires_on >= ?), "
    "(SELECT MIN(expires_on) FROM lot l WHERE l.customer_id = c.id AND remaining > 0 "
    "AND expires_on >= ?), "
    f"(SELECT SUM({NET_PAID}) FROM purchase p "
    "WHERE p.customer_id = c.id AND p.created_at > ? AND p.created_at <= ?)"
)


def search_columns(values: CustomerFields) -> dict[str, Any]:
    """The search keys stored beside a customer's data (names folded, phone reversed, email
    lower-case, birthday as month*100+day), written on registration, edit and import."""
    first, first_de = name_keys(values.first_name)
    last, last_de = name_keys(values.last_name)
    return {
        "first_key": first[:100],
        "first_key_de": first_de[:100],
        "last_key": last[:100],
        "last_key_de": last_de[:100],
        "phone_rev": phone_search_key(values.phone),
        "email_key": values.email.lower() or None,
        "birthday_md": values.birthday.month * 100 + values.birthday.day
        if values.birthday
        else None,
    }


def prefix(column: str) -> str:
    """A range on the indexed key: the same index scan on SQLite and PostgreSQL."""
    return f"{column} >= ? AND {column} < ?"


def prefix_range(text: str) -> tuple[str, str]:
    """The bounds of `prefix` for every key that starts with `text`."""
    return text, text + "\uffff"


def key_columns(column: str, form: str) -> tuple[str, ...]:
    """The key columns worth searching for a typed form. The German key differs from the
    plain one only where an umlaut became "ae", "oe" or "ue"; a form without those pairs
    that is a prefix of a German key is a prefix of the plain key too, so one query does."""
    if any(pair in form for pair in ("ae", "oe", "ue")):
        return (column, f"{column}_de")
    return (column,)


def search_step(
    where: str, params: tuple[Any, ...], figure_params: tuple[Any, ...], order: str, limit: int
) -> list[tuple[Any, ...]]:
    """One step of the ranked search: id, names, phone, email, the two sort keys, then the
    balance, the soonest expiry and the spend in the tier window (FIGURES). Erased
    customers never; equal keys in the same order on every database."""
    if order != "id":
        order += ", id"
    return fetch_rows(
        f"SELECT id, first_name, last_name, phone, email, last_key, first_key, {FIGURES} "
        f"FROM customer c WHERE {where} AND erased_at IS NULL ORDER BY {order} LIMIT ?",
        (*figure_params, *params, limit),
    )
