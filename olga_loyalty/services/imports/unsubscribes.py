"""Unsubscribe lists from mailing tools: every email or phone found anywhere in the file has
its marketing consent withdrawn and is put on the suppression list."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from olga_loyalty.domain.customers import normalize_email, normalize_phone
from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.text import strip_controls
from olga_loyalty.exports.readers import as_text, read_table
from olga_loyalty.i18n import Translator
from olga_loyalty.services.imports.counts import Completed, Counts, Payload
from olga_loyalty.services.newsletter import digest
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, ImportRun, Suppression


@dataclass
class UnsubscribeReport:
    file: str
    contacts: int = 0
    matched: int = 0
    unmatched: int = 0
    withdrawn: int = 0
    #: Imports a crash had interrupted after they were decided, finished before this one.
    completed: list[Completed] = field(default_factory=list)

    def summary(self, t: Translator) -> str:
        """The result in one line, for the import screen and the command line."""
        return (
            t(
                "{contacts} read: {matched} matched, {unmatched} unknown; {withdrawn} withdrawn.",
                contacts=t.ngettext(
                    "{count} contact",
                    "{count} contacts",
                    self.contacts,
                    count=t.number(self.contacts),
                ),
                matched=t.number(self.matched),
                unmatched=t.number(self.unmatched),
                withdrawn=t.ngettext(
                    "{count} consent",
                    "{count} consents",
                    self.withdrawn,
                    count=t.number(self.withdrawn),
                ),
            )
            + " "
            + t.ngettext(
                "It is on the suppression list.", "All are on the suppression list.", self.contacts
            )
        )


#: Rows of an unsubscribe file between two calls of the reading's progress.
PROGRESS_ROWS = 2000


#: Steps of the whole work `share_of` counts in.
PROGRESS_STEPS = 3000


def share_of(
    progress: Callable[[int, int], None] | None, first: int, parts: int
) -> Callable[[int, int], None] | None:
    """A step's progress as part of the whole work, which is counted in thirds: this step
    goes from third `first` to third `first + parts`."""
    if progress is None:
        return None
    whole = progress

    def part(done: int, total: int) -> None:
        third = PROGRESS_STEPS // 3
        share = min(done, total) / max(total, 1)
        whole(first * third + round(parts * third * share), PROGRESS_STEPS)

    return part


def read_contacts(
    shop: Shop, path: Path, progress: Callable[[int, int], None] | None = None
) -> tuple[set[str], set[str]]:
    """Every email and phone found anywhere in an unsubscribe file (read and checked outside
    any transaction). `progress(rows done, rows)` as the rows are checked: every address
    gets the registration form's check, which takes seconds for 100,000 of them."""
    table = read_table(path)
    emails, phones = set(), set()
    for number, row in enumerate(table):
        if progress and number % PROGRESS_ROWS == 0:
            progress(number, len(table))
        for value in row:
            if isinstance(value, (date, float)) or isinstance(value, bool):
                continue  # dates and amounts are not contacts
            text = strip_controls(as_text(value))
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4}", text):
                continue
            if "@" in text:
                try:
                    emails.add(normalize_email(text).lower())
                except InvalidInput:
                    pass
            elif sum(ch.isdigit() for ch in text) >= 6:
                try:
                    phones.add(normalize_phone(text, shop.region))
                except InvalidInput:
                    pass
    if progress:
        progress(len(table), len(table))
    return emails, phones


def write_unsubscribes(shop: Shop, run: ImportRun, payloads: list[Payload], counts: Counts) -> None:
    """One batch of contacts: suppressed, and the marketing consent of each matching customer
    withdrawn (customers locked first), a few statements for the whole batch. Doing it twice
    changes nothing."""
    now, source = shop.now(), f"unsubscribe import {run.file}"[:200]
    emails = [p["value"] for p in payloads if p["kind"] == "email"]
    phones = [p["value"] for p in payloads if p["kind"] == "phone"]
    matched: dict[str, list[int]] = {
        "email": [c.id for c in Customer.select(Customer.id).where(Customer.email_key.in_(emails))]
        if emails
        else [],
        "sms": [c.id for c in Customer.select(Customer.id).where(Customer.phone.in_(phones))]
        if phones
        else [],
    }
    ledger.lock_customers(matched["email"] + matched["sms"])
    withdrawn = 0
    for purpose, ids in matched.items():
        if ids:
            withdrawn += (
                Consent.update(
                    withdrawn_at=now,
                    withdrawn_method="digital",
                    withdrawn_by=run.staff,
                    withdrawn_source=source,
                )
                .where(
                    Consent.customer.in_(ids)
                    & (Consent.purpose == purpose)
                    & Consent.withdrawn_at.is_null()
                )
                .execute()
            )
    Suppression.insert_many(
        [
            {
                "kind": p["kind"],
                "digest": digest(p["kind"], p["value"]),
                "created_at": now,
                "source": source,
            }
            for p in payloads
        ]
    ).on_conflict_ignore().execute()
    counts["matched"] = counts.get("matched", 0) + len(matched["email"]) + len(matched["sms"])
    counts["withdrawn"] = counts.get("withdrawn", 0) + withdrawn


def is_suppressed(kind: str, value: str) -> bool:
    return Suppression.select().where(Suppression.digest == digest(kind, value)).exists()
