"""Writing a checked customer list into the shop: each row a customer with the consents her
row proved, her import origin and her opening balance (a lot and its ledger entry). Called
batch by batch for a decided import (services/imports/__init__.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, NamedTuple

from olga_loyalty.domain.customers import CustomerFields
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.services.imports.checking import ImportRow
from olga_loyalty.services.imports.counts import Counts, Payload
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import bulk_insert_columns, fetch_rows, new_ids, placeholders
from olga_loyalty.storage.models import Consent, Customer, ImportOrigin, ImportRun, LedgerEntry, Lot
from olga_loyalty.storage.search import search_columns

IMPORT_REASON = "opening balance from import"


#: The search columns of a customer row (storage.search.search_columns), in the order a
#: staged row holds their values.
SEARCH_KEYS = (
    "first_key",
    "first_key_de",
    "last_key",
    "last_key_de",
    "phone_rev",
    "email_key",
    "birthday_md",
)


class Staged(NamedTuple):
    """One checked row as it is staged: a JSON list in this order (a run staged by an older
    version holds a JSON object with these names, and no `search` when older still)."""

    row: int
    first_name: str
    last_name: str
    phone: str
    email: str
    salutation: str
    birthday: str | None  # ISO day
    notes: str
    consents: list[str]
    consented_on: str | None  # ISO day: signed on paper that day; None: at the import
    points: int
    digests: list[str]  # her import origin (keyed hashes of phone and email)
    search: list[Any] | None  # the values of SEARCH_KEYS, made by the check


def payload(row: ImportRow) -> str:
    """A checked row, staged: a JSON list (`Staged`), not an object, so that its names are
    not written and read again 100,000 times for a big file."""
    d = row.data
    return json.dumps(
        [
            row.row,
            d.first_name,
            d.last_name,
            d.phone,
            d.email or "",
            d.salutation or "",
            d.birthday.isoformat() if isinstance(d.birthday, date) else None,
            d.notes or "",
            sorted(row.consents),
            row.consented_on.isoformat() if row.consented_on else None,
            row.points,
            row.digests,
            [row.search.get(key) for key in SEARCH_KEYS] if row.search else None,
        ],
        ensure_ascii=False,
    )


def staged(value: Payload) -> Staged:
    """A staged row as it reads back: a list, or the object an older version staged."""
    if isinstance(value, list):
        return Staged(*value)
    search = value.get("search")
    return Staged._make(
        [
            *(value.get(name) for name in Staged._fields[:-2]),
            value.get("digests", []),
            [search.get(key) for key in SEARCH_KEYS] if search else None,
        ]
    )


def write_customers(shop: Shop, run: ImportRun, payloads: list[Payload], counts: Counts) -> None:
    """One batch of customers, each with the consents its row proved and its opening balance.
    Rows whose phone or email is registered by now (another till) are left out. The rows go
    in column by column (`bulk_insert_columns`): no dict per row and table."""
    rows = [staged(p) for p in payloads]
    taken_phones = _registered("phone", [p.phone for p in rows])
    taken_emails = _registered("email_key", [p.email.lower() for p in rows if p.email])
    good: list[Staged] = []
    for p in rows:
        if p.phone in taken_phones:
            counts.setdefault("taken", []).append([p.row, "phone", p.phone])
        elif p.email and p.email.lower() in taken_emails:
            counts.setdefault("taken", []).append([p.row, "email", p.email])
        else:
            good.append(p)
    now, staff = run.created_at, run.staff
    shop.refresh()  # the programme as it is now, also when another till changed it
    today, programme = now.date(), shop.programme
    count = len(good)
    customer_ids = new_ids(Customer, count)
    birthdays = [date.fromisoformat(p.birthday) if p.birthday else None for p in good]
    searches = [
        p.search
        if p.search is not None
        else list(search_columns(_fields(p, birthday)).values())  # staged by an old version
        for p, birthday in zip(good, birthdays, strict=True)
    ]
    customers: dict[str, list[Any]] = {
        "id": customer_ids,
        "first_name": [p.first_name for p in good],
        "last_name": [p.last_name for p in good],
        "salutation": [p.salutation for p in good],
        "phone": [p.phone for p in good],
        "email": [p.email or None for p in good],
        "birthday": birthdays,
        "notes": [p.notes for p in good],
        "language": [shop.settings.language] * count,
        "registered_at": [now] * count,
        "registered_by": [staff] * count,
        **{key: [s[i] for s in searches] for i, key in enumerate(SEARCH_KEYS)},
    }
    texts = _consent_texts()
    sources = [f"import {run.file} row {p.row}"[:200] for p in good]
    origins: dict[str, list[Any]] = {"customer": [], "digest": [], "source": []}
    consents: dict[str, list[Any]] = {
        name: [] for name in ("customer", "purpose", "given_at", "text", "text_version", "source")
    }
    signed: dict[str, datetime] = {}
    with_points = [
        (cid, p.points) for cid, p in zip(customer_ids, good, strict=True) if p.points > 0
    ]
    for cid, p, source in zip(customer_ids, good, sources, strict=True):
        for d in p.digests or ():
            origins["customer"].append(cid)
            origins["digest"].append(d)
            origins["source"].append(source)
        given_at = now
        if p.consented_on:  # signed on paper that day: from the start of it
            given_at = signed.get(p.consented_on) or signed.setdefault(
                p.consented_on,
                min(
                    now,
                    datetime.combine(
                        date.fromisoformat(p.consented_on), datetime.min.time()
                    ).astimezone(),
                ),
            )
        for purpose in p.consents:
            consents["customer"].append(cid)
            consents["purpose"].append(purpose)
            consents["given_at"].append(given_at)
            consents["text"].append(texts[purpose][0])
            consents["text_version"].append(texts[purpose][1])
            consents["source"].append(source)
    given = len(consents["customer"])
    consents.update(method=["paper_signed"] * given, recorded_by=[staff] * given)
    lot_ids = new_ids(Lot, len(with_points))
    held = [points for _, points in with_points]
    lots: dict[str, list[Any]] = {
        "id": lot_ids,
        "customer": [cid for cid, _ in with_points],
        "kind": ["opening"] * len(held),
        "points": held,
        "remaining": held,
        "awarded_on": [today] * len(held),
        "expires_on": [expiry_date(today, programme.purchase_validity_days)] * len(held),
        "created_at": [now] * len(held),
    }
    entries: dict[str, list[Any]] = {
        "customer": lots["customer"],
        "kind": lots["kind"],
        "points": held,
        "lot": lot_ids,
        "created_at": lots["created_at"],
        "staff": [staff] * len(held),
        "reason": [IMPORT_REASON] * len(held),
    }
    for model, columns in (
        (Customer, customers),
        (Consent, consents),
        (Lot, lots),
        (LedgerEntry, entries),
        (ImportOrigin, origins),
    ):
        bulk_insert_columns(model, columns)
    counts["imported"] = counts.get("imported", 0) + count


def _fields(p: Staged, birthday: date | None) -> CustomerFields:
    return CustomerFields(
        p.first_name, p.last_name, p.phone, p.email, p.salutation, birthday, p.notes
    )


def _consent_texts() -> dict[str, tuple[int, int]]:
    """Each purpose's current wording (the highest version) as (id, version): one plain
    statement for a batch instead of a query built per purpose."""
    texts: dict[str, tuple[int, int]] = {}
    for purpose, text_id, version in fetch_rows(
        "SELECT purpose, id, version FROM consent_text ORDER BY purpose, version"
    ):
        texts[purpose] = (int(text_id), int(version))
    return texts


def _registered(column: str, values: list[str]) -> set[str]:
    """Which of these phones (or email keys) are registered now (plain SQL, in chunks)."""
    found: set[str] = set()
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        found.update(
            value
            for (value,) in fetch_rows(
                f"SELECT {column} FROM customer WHERE {column} IN ({placeholders(len(chunk))})",
                chunk,
            )
        )
    return found
