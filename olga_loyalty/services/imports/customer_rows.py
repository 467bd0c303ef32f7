"""Writing a checked customer list into the shop: each row a customer with the consents her
row proved, her import origin and her opening balance (a lot and its ledger entry). Called
batch by batch for a decided import (services/imports/__init__.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from olga_loyalty.domain.customers import CustomerFields
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.services.imports.checking import ImportRow
from olga_loyalty.services.imports.counts import Counts, Payload
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import bulk_insert, fetch_rows, new_ids, placeholders
from olga_loyalty.storage.models import Consent, Customer, ImportOrigin, ImportRun, LedgerEntry, Lot
from olga_loyalty.storage.search import search_columns

IMPORT_REASON = "opening balance from import"


def payload(row: ImportRow) -> str:
    d = row.data
    return json.dumps(
        {
            "row": row.row,
            "first_name": d.first_name,
            "last_name": d.last_name,
            "phone": d.phone,
            "email": d.email or "",
            "salutation": d.salutation or "",
            "birthday": d.birthday.isoformat() if isinstance(d.birthday, date) else None,
            "notes": d.notes or "",
            "consents": sorted(row.consents),
            "consented_on": row.consented_on.isoformat() if row.consented_on else None,
            "points": row.points,
            "digests": row.digests,  # her import origin (keyed hashes of phone and email)
            "search": row.search,
        },
        ensure_ascii=False,
    )


def write_customers(shop: Shop, run: ImportRun, payloads: list[Payload], counts: Counts) -> None:
    """One batch of customers, each with the consents its row proved and its opening balance.
    Rows whose phone or email is registered by now (another till) are left out."""
    phones = [p["phone"] for p in payloads]
    emails = [p["email"].lower() for p in payloads if p["email"]]
    taken_phones = _registered("phone", phones)
    taken_emails = _registered("email_key", emails)
    good: list[Payload] = []
    for p in payloads:
        if p["phone"] in taken_phones:
            counts.setdefault("taken", []).append([p["row"], "phone", p["phone"]])
        elif p["email"] and p["email"].lower() in taken_emails:
            counts.setdefault("taken", []).append([p["row"], "email", p["email"]])
        else:
            good.append(p)
    now, staff = run.created_at, run.staff
    shop.refresh()  # the programme as it is now, also when another till changed it
    today, programme = now.date(), shop.programme
    customer_ids = new_ids(Customer, len(good))
    lot_ids = iter(new_ids(Lot, sum(1 for p in good if p["points"] > 0)))
    texts = _consent_texts()
    customers: list[dict[str, Any]] = []
    consents: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    origins: list[dict[str, Any]] = []
    for cid, p in zip(customer_ids, good, strict=True):
        fields = CustomerFields(
            p["first_name"],
            p["last_name"],
            p["phone"],
            p["email"],
            p["salutation"],
            date.fromisoformat(p["birthday"]) if p["birthday"] else None,
            p["notes"],
        )
        customers.append(
            {
                "id": cid,
                "first_name": fields.first_name,
                "last_name": fields.last_name,
                "salutation": fields.salutation,
                "phone": fields.phone,
                "email": fields.email or None,
                "birthday": fields.birthday,
                "notes": fields.notes,
                "language": shop.settings.language,
                "registered_at": now,
                "registered_by": staff,
                # made by the check; a run staged by an older version has none
                **(p.get("search") or search_columns(fields)),
            }
        )
        source = f"import {run.file} row {p['row']}"[:200]
        origins.extend(
            {"customer": cid, "digest": d, "source": source} for d in p.get("digests", [])
        )
        given_at = now
        if p.get("consented_on"):  # signed on paper that day: from the start of it
            day = date.fromisoformat(p["consented_on"])
            given_at = min(now, datetime.combine(day, datetime.min.time()).astimezone())
        for purpose in p["consents"]:
            consents.append(
                {
                    "customer": cid,
                    "purpose": purpose,
                    "given_at": given_at,
                    "method": "paper_signed",
                    "text": texts[purpose][0],
                    "text_version": texts[purpose][1],
                    "recorded_by": staff,
                    "source": source,
                }
            )
        if p["points"] > 0:
            lot_id = next(lot_ids)
            lots.append(
                {
                    "id": lot_id,
                    "customer": cid,
                    "kind": "opening",
                    "points": p["points"],
                    "remaining": p["points"],
                    "awarded_on": today,
                    "expires_on": expiry_date(today, programme.purchase_validity_days),
                    "created_at": now,
                }
            )
            entries.append(
                {
                    "customer": cid,
                    "kind": "opening",
                    "points": p["points"],
                    "lot": lot_id,
                    "created_at": now,
                    "staff": staff,
                    "reason": IMPORT_REASON,
                }
            )
    for model, data in (
        (Customer, customers),
        (Consent, consents),
        (Lot, lots),
        (LedgerEntry, entries),
        (ImportOrigin, origins),
    ):
        bulk_insert(model, data)
    counts["imported"] = counts.get("imported", 0) + len(customers)


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
