"""The one search box (SPEC §5) and the search screen before anything is typed. The SQL
of a search step is in storage/search.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from olga_loyalty.domain.customers import normalize_phone, phone_start, query_forms
from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.money import from_cents
from olga_loyalty.services import followups
from olga_loyalty.services.lookup import NOT_DIGITS, PHONE_CHARS
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Customer, Purchase
from olga_loyalty.storage.search import key_columns, prefix, prefix_range, search_step

SEARCH_LIMIT = 50
CUSTOMER_NUMBER = re.compile(r"#\d{1,9}")


@dataclass(frozen=True)
class SearchHit:
    id: int
    first_name: str
    last_name: str
    phone: str
    email: str
    tier: str
    balance: int
    balance_value: Decimal
    soonest_expiry: date | None
    match: str  # phone, phone_end, phone_start, email, surname, first_name


def find(shop: Shop, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """One search box for everything (SPEC §5), ranked: exact phone, phone ending, phone
    start (as dialled: `0151 2345`), surname prefix, first-name prefix. Every hit carries
    balance and tier.

    This is the till's hot path: plain SQL written once, index range scans only."""
    text = " ".join((query or "").split())[:100]
    if not text:
        return []
    ranked: dict[int, tuple[int, str]] = {}
    rows: dict[int, tuple] = {}
    today, now = shop.today(), shop.now()
    window = now - timedelta(days=shop.programme.tier_window_days)
    day = today.isoformat()
    low, high = Purchase.created_at.db_value(window), Purchase.created_at.db_value(now)
    figure_params = (day, day, high, low, high)

    def collect(where: str, params: tuple, rank: int, match: str, order: str) -> int:
        if len(ranked) >= limit and all(r <= rank for r, _ in ranked.values()):
            return 0
        found = search_step(where, params, figure_params, order, limit)
        for row in found:
            cid = row[0]
            rows[cid] = row
            if cid not in ranked or ranked[cid][0] > rank:
                ranked[cid] = (rank, match)
        return len(found)

    digits = NOT_DIGITS.sub("", text)
    if CUSTOMER_NUMBER.fullmatch(text):
        collect("id = ?", (int(text[1:]),), 0, "id", "id")
    elif "@" in text:
        collect(prefix("email_key"), prefix_range(text.lower()), 1, "email", "email_key")
    elif len(digits) >= 3 and PHONE_CHARS.fullmatch(text):
        exact = 0
        if len(digits) >= 6:  # no number anywhere is shorter; a shorter entry is an ending
            if text.startswith(("+", "00")):
                # Written internationally: E.164 is "+" and the digits, no parse needed.
                e164 = "+" + (digits[2:] if text.startswith("00") else digits)
                exact = collect("phone = ?", (e164,), 0, "phone", "id")
            if not exact:
                try:
                    phone = normalize_phone(text, shop.region)
                except InvalidInput:
                    pass
                else:
                    exact = collect("phone = ?", (phone,), 0, "phone", "id")
        if len(digits) >= 4 and not exact:
            collect(prefix("phone_rev"), prefix_range(digits[::-1]), 1, "phone_end", "phone_rev")
            start = phone_start(text, shop.region)  # "0151 2345": the start, as dialled
            if start:
                collect(prefix("phone"), prefix_range(start), 2, "phone_start", "phone")
    else:
        forms = query_forms(text)
        for form in forms:
            for column in key_columns("last_key", form):
                collect(prefix(column), prefix_range(form), 3, "surname", f"{column}, first_key")
        words = text.split(" ")
        if len(words) >= 2:
            head, rest = words[0], " ".join(words[1:])
            tail, front = words[-1], " ".join(words[:-1])
            for first, last in ((head, rest), (front, tail), (rest, head)):
                for f_form in query_forms(first):
                    for l_form in query_forms(last):
                        for f_col, l_col in zip(
                            key_columns("first_key", f_form + l_form),
                            key_columns("last_key", f_form + l_form),
                            strict=True,
                        ):
                            collect(
                                f"{prefix(l_col)} AND {prefix(f_col)}",
                                (*prefix_range(l_form), *prefix_range(f_form)),
                                3,
                                "surname",
                                l_col,
                            )
        else:
            for form in forms:
                for column in key_columns("first_key", form):
                    collect(
                        prefix(column), prefix_range(form), 4, "first_name", f"{column}, last_key"
                    )
    if not ranked:
        return []
    order = sorted(rows, key=lambda cid: (ranked[cid][0], rows[cid][5], rows[cid][6], cid))[:limit]
    programme = shop.programme
    hits = []
    for cid in order:
        _, first, last, phone, email, _, _, points, soonest, spent = rows[cid]
        bal = int(points or 0)
        if isinstance(soonest, str):
            soonest = date.fromisoformat(soonest)
        hits.append(
            SearchHit(
                id=cid,
                first_name=first,
                last_name=last,
                phone=phone or "",
                email=email or "",
                tier=programme.tier_for(from_cents(int(spent or 0))).name,
                balance=bal,
                balance_value=programme.value_of(bal),
                soonest_expiry=soonest,
                match=ranked[cid][1],
            )
        )
    return hits


def latest_served(shop: Shop, limit: int = 10) -> list[SearchHit]:
    """The customers with the most recent purchases (the search screen's empty state)."""
    ids: list[int] = []
    query = (
        Purchase.select(Purchase.customer_id)
        .join(Customer)
        .where(Customer.erased_at.is_null())
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())  # ties: the later one
        .limit(limit * 5)
        .tuples()
    )
    # peewee's stubs type the rows of `.tuples()` as models; they are tuples
    for (cid,) in cast("Iterable[tuple[int]]", query):
        if cid not in ids:
            ids.append(cid)
        if len(ids) == limit:
            break
    return _hits_for(shop, ids, "recent")


def birthdays_today(shop: Shop, limit: int = 20) -> list[SearchHit]:
    """Customers whose birthday is today (the search screen's empty state)."""
    today = shop.today()
    query = (
        Customer.select(Customer.id)
        .where(
            (Customer.birthday_md == today.month * 100 + today.day) & Customer.erased_at.is_null()
        )
        .order_by(Customer.last_key, Customer.first_key, Customer.id)
        .limit(limit)
        .tuples()
    )
    ids = [cid for (cid,) in cast("Iterable[tuple[int]]", query)]
    return _hits_for(shop, ids, "birthday")


@dataclass(frozen=True)
class TodayContext:
    birthdays: list[SearchHit]
    recent: list[SearchHit]
    follow_ups: list = field(default_factory=list)  # followups.FollowUp, due today or before
    follow_up_hits: list[SearchHit] = field(default_factory=list)


def today_context(shop: Shop) -> TodayContext:
    """The search screen before anything is typed: follow-ups due, birthdays, latest served."""
    due = followups.due(shop, limit=10)
    ids = list(dict.fromkeys(item.customer_id for item in due))
    return TodayContext(
        birthdays_today(shop), latest_served(shop), due, _hits_for(shop, ids, "follow_up")
    )


def _hits_for(shop: Shop, ids: list[int], match: str) -> list[SearchHit]:
    if not ids:
        return []
    rows = {c.id: c for c in Customer.select().where(Customer.id.in_(ids))}
    points = ledger.balances(ids, shop.today())
    tier_of = ledger.tiers(ids, shop.now(), shop.programme)
    hits = []
    for cid in ids:
        c = rows[cid]
        bal, soonest = points.get(cid, (0, None))
        hits.append(
            SearchHit(
                cid,
                c.first_name,
                c.last_name,
                c.phone or "",
                c.email or "",
                tier_of[cid].name,
                bal,
                shop.programme.value_of(bal),
                soonest,
                match,
            )
        )
    return hits
