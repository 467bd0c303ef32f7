"""Registering, editing, finding and showing customers; consent records; erasure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from peewee import JOIN, IntegrityError, fn

from olga_loyalty.domain.customers import (
    CustomerFields,
    CustomerInput,
    clean_name,
    clean_notes,
    consent_problems,
    name_keys,
    normalize_email,
    normalize_phone,
    normalize_salutation,
    parse_birthday,
    phone_search_key,
    phone_start,
    query_forms,
    validate_customer,
)
from olga_loyalty.domain.errors import InvalidInput, NotFound, Refused
from olga_loyalty.domain.money import ZERO, from_cents
from olga_loyalty.domain.points import Tier, expiring_within, expiry_date
from olga_loyalty.domain.text import check_typed
from olga_loyalty.services import ledger, reminders
from olga_loyalty.services.labels import PURPOSE_LABELS
from olga_loyalty.services.shop import CONSENT_METHODS, PURPOSES, Shop, current_consent_text
from olga_loyalty.storage.db import fetch_rows, write_action
from olga_loyalty.storage.models import (
    Consent,
    Customer,
    CustomerChange,
    Feedback,
    LedgerEntry,
    Lot,
    Purchase,
    Refund,
    database,
)

SEARCH_LIMIT = 50
_ID_REF = re.compile(r"#?(\d{1,9})")
_PHONE_CHARS = re.compile(r"[0-9+()\-./ ]+")
_NOT_DIGITS = re.compile(r"\D")
_CUSTOMER_NUMBER = re.compile(r"#\d{1,9}")
# Balance, soonest expiry and spend in the tier window come with each search row: correlated
# subqueries on the covering indexes, evaluated only for the rows returned.
_FIGURES = (
    "(SELECT SUM(remaining) FROM lot l WHERE l.customer_id = c.id AND remaining > 0 "
    "AND expires_on >= ?), "
    "(SELECT MIN(expires_on) FROM lot l WHERE l.customer_id = c.id AND remaining > 0 "
    "AND expires_on >= ?), "
    f"(SELECT SUM({ledger.NET_PAID}) FROM purchase p "
    "WHERE p.customer_id = c.id AND p.created_at > ? AND p.created_at <= ?)"
)


# -- looking customers up ------------------------------------------------------------


def resolve(shop: Shop, ref: str | int) -> Customer:
    """A customer by number (`42`, `#42`), by phone in any format, or by the end of her phone
    number (4 digits or more) when it is one customer's only. A customer number wins: `1234`
    is customer #1234 when there is one (also when she was erased: then nobody is found),
    else the customer whose phone ends in 1234. Digits with a leading zero (`0815`) are never
    a customer number. Erased customers are not found."""
    text = str(ref).strip()
    match = _ID_REF.fullmatch(text)
    if match and (text.startswith("#") or not text.startswith("0")):
        customer = Customer.get_or_none(Customer.id == int(match.group(1)))
        if customer is not None or text.startswith("#"):
            return _found(customer, text)
    if not _PHONE_CHARS.fullmatch(text):
        raise InvalidInput(
            "'{ref}' is neither a customer number nor a phone number.",
            field="customer",
            ref=text[:40],
        )
    try:
        phone = normalize_phone(text, shop.region, field="customer")
    except InvalidInput as problem:
        phone, not_a_phone = None, problem
    if phone is not None:
        customer = Customer.get_or_none(Customer.phone == phone)
        if customer is not None:
            return _found(customer, text)
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) >= 4:
        customer = _by_phone_ending(digits, text)
        if customer is not None:
            return customer
    if phone is None and phone_start(text, shop.region) is not None:
        raise not_a_phone  # written like a whole number as dialled: say what is wrong with it
    return _found(None, text)


def _found(customer: Customer | None, text: str) -> Customer:
    if customer is None or customer.erased_at is not None:
        raise NotFound("No customer found for '{ref}'.", field="customer", ref=text[:40])
    return customer


def _by_phone_ending(digits: str, text: str) -> Customer | None:
    """The one customer whose phone ends in these digits; None for nobody; several: refused,
    with who they are, so that the next try can be the customer number. The whole row: the
    caller shows and changes her like one found by number."""
    low, high = _range(digits[::-1])
    found = list(
        Customer.select()
        .where(
            (Customer.phone_rev >= low) & (Customer.phone_rev < high) & Customer.erased_at.is_null()
        )
        .order_by(Customer.id)
        .limit(6)
    )
    if len(found) > 1:
        shown = ", ".join(f"#{c.id} {c.first_name} {c.last_name}" for c in found[:5])
        raise Refused(
            "'{ref}' is the end of several customers' phone numbers ({customers}{more}); "
            "please type the customer number or the whole phone number.",
            field="customer",
            ref=text[:40],
            customers=shown,
            more=", …" if len(found) > 5 else "",
        )
    return found[0] if found else None


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


def _prefix(column: str) -> str:
    # A range on the indexed key: the same index scan on SQLite and PostgreSQL.
    return f"{column} >= ? AND {column} < ?"


def _range(text: str) -> tuple[str, str]:
    return text, text + "\uffff"


def _key_columns(column: str, form: str) -> tuple[str, ...]:
    """The key columns worth searching for a typed form. The German key differs from the
    plain one only where an umlaut became "ae", "oe" or "ue"; a form without those pairs
    that is a prefix of a German key is a prefix of the plain key too, so one query does."""
    if any(pair in form for pair in ("ae", "oe", "ue")):
        return (column, f"{column}_de")
    return (column,)


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
        if order != "id":
            order += ", id"  # equal keys in the same order on every database
        found = fetch_rows(
            f"SELECT id, first_name, last_name, phone, email, last_key, first_key, {_FIGURES} "
            f"FROM customer c WHERE {where} AND erased_at IS NULL ORDER BY {order} LIMIT ?",
            (*figure_params, *params, limit),
        )
        for row in found:
            cid = row[0]
            rows[cid] = row
            if cid not in ranked or ranked[cid][0] > rank:
                ranked[cid] = (rank, match)
        return len(found)

    digits = _NOT_DIGITS.sub("", text)
    if _CUSTOMER_NUMBER.fullmatch(text):
        collect("id = ?", (int(text[1:]),), 0, "id", "id")
    elif "@" in text:
        collect(_prefix("email_key"), _range(text.lower()), 1, "email", "email_key")
    elif len(digits) >= 3 and _PHONE_CHARS.fullmatch(text):
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
            collect(_prefix("phone_rev"), _range(digits[::-1]), 1, "phone_end", "phone_rev")
            start = phone_start(text, shop.region)  # "0151 2345": the start, as dialled
            if start:
                collect(_prefix("phone"), _range(start), 2, "phone_start", "phone")
    else:
        forms = query_forms(text)
        for form in forms:
            for column in _key_columns("last_key", form):
                collect(_prefix(column), _range(form), 3, "surname", f"{column}, first_key")
        words = text.split(" ")
        if len(words) >= 2:
            head, rest = words[0], " ".join(words[1:])
            tail, front = words[-1], " ".join(words[:-1])
            for first, last in ((head, rest), (front, tail), (rest, head)):
                for f_form in query_forms(first):
                    for l_form in query_forms(last):
                        for f_col, l_col in zip(
                            _key_columns("first_key", f_form + l_form),
                            _key_columns("last_key", f_form + l_form),
                            strict=True,
                        ):
                            collect(
                                f"{_prefix(l_col)} AND {_prefix(f_col)}",
                                (*_range(l_form), *_range(f_form)),
                                3,
                                "surname",
                                l_col,
                            )
        else:
            for form in forms:
                for column in _key_columns("first_key", form):
                    collect(_prefix(column), _range(form), 4, "first_name", f"{column}, last_key")
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
    for (cid,) in query:
        if cid not in ids:
            ids.append(cid)
        if len(ids) == limit:
            break
    return _hits_for(shop, ids, "recent")


def birthdays_today(shop: Shop, limit: int = 20) -> list[SearchHit]:
    """Customers whose birthday is today (the search screen's empty state)."""
    today = shop.today()
    ids = [
        cid
        for (cid,) in Customer.select(Customer.id)
        .where(
            (Customer.birthday_md == today.month * 100 + today.day) & Customer.erased_at.is_null()
        )
        .order_by(Customer.last_key, Customer.first_key, Customer.id)
        .limit(limit)
        .tuples()
    ]
    return _hits_for(shop, ids, "birthday")


@dataclass(frozen=True)
class TodayContext:
    birthdays: list[SearchHit]
    recent: list[SearchHit]
    follow_ups: list = field(default_factory=list)  # followups.FollowUp, due today or before
    follow_up_hits: list[SearchHit] = field(default_factory=list)


def today_context(shop: Shop) -> TodayContext:
    """The search screen before anything is typed: follow-ups due, birthdays, latest served."""
    from olga_loyalty.services import followups

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


# -- the customer card -------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    active: bool
    given_at: datetime | None
    method: str | None
    text_version: int | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    kind: str  # purchase, refund, or a ledger kind
    points: int
    amount: Decimal | None
    purchase_id: int | None
    text: str
    #: the lots one redemption (or expiry, or taking back) touched: (points, lot expiry)
    lots: tuple[tuple[int, date | None], ...] = ()


#: Ledger kinds written once per lot touched, shown as one line with the lots as its detail.
SPREAD_KINDS = ("redeem", "expire", "refund")


@dataclass(frozen=True)
class CustomerCard:
    customer: Customer
    tier: Tier
    next_tier: tuple[Tier, Decimal] | None
    balance: int
    balance_value: Decimal
    expiring: list[tuple[int, date]]
    visits: int
    total_spent: Decimal
    last_visit: datetime | None
    consents: dict[str, ConsentState]
    history: list[HistoryRow] = field(default_factory=list)
    referred_by_name: str = ""
    spent_in_window: Decimal = ZERO


def card(shop: Shop, ref: str | int, history_limit: int = 20) -> CustomerCard:
    customer = resolve(shop, ref)
    today, now, programme = shop.today(), shop.now(), shop.programme
    lots = ledger.open_lots(customer.id, today)
    bal = sum(lot.remaining for lot in lots)
    spent = ledger.spent_in_window(customer.id, now, programme)
    visits, paid_cents, last_visit = (
        Purchase.select(
            fn.COUNT(Purchase.id), fn.SUM(Purchase.paid).coerce(False), fn.MAX(Purchase.created_at)
        )
        .where(Purchase.customer == customer.id)
        .tuples()
        .get()
    )
    refunded = (
        Refund.select(fn.SUM(Refund.paid_back).coerce(False))
        .where(Refund.customer == customer.id)
        .scalar()
    )
    if last_visit is not None:  # MAX() comes back raw (text on SQLite)
        last_visit = Purchase.created_at.python_value(last_visit)
    referred_by_name = ""
    if customer.referred_by_id:
        ref_customer = Customer.get_or_none(Customer.id == customer.referred_by_id)
        if ref_customer is not None:
            referred_by_name = f"{ref_customer.first_name} {ref_customer.last_name}"
    return CustomerCard(
        customer=customer,
        tier=programme.tier_for(spent),
        next_tier=programme.next_tier(spent),
        balance=bal,
        balance_value=programme.value_of(bal),
        expiring=expiring_within(lots, today, 30),
        visits=int(visits or 0),
        total_spent=from_cents(int(paid_cents or 0)) - from_cents(int(refunded or 0)),
        last_visit=last_visit,
        consents=consent_states(customer.id),
        history=history(customer.id, history_limit),
        referred_by_name=referred_by_name,
        spent_in_window=spent,
    )


def consent_states(customer_id: int) -> dict[str, ConsentState]:
    records = list(
        Consent.select()
        .where(Consent.customer == customer_id)
        .order_by(Consent.given_at, Consent.id)
    )
    states = {}
    for purpose in PURPOSES:
        mine = [r for r in records if r.purpose == purpose]
        active = next((r for r in reversed(mine) if r.withdrawn_at is None), None)
        last = mine[-1] if mine else None
        shown = active or last
        states[purpose] = ConsentState(
            purpose=purpose,
            active=active is not None,
            given_at=shown.given_at if shown else None,
            method=shown.method if shown else None,
            text_version=shown.text_version if shown else None,
            withdrawn_at=None if active or not last else last.withdrawn_at,
        )
    return states


def consent_records(customer_id: int) -> list[Consent]:
    return list(
        Consent.select()
        .where(Consent.customer == customer_id)
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )


def history(customer_id: int, limit: int = 20, offset: int = 0) -> list[HistoryRow]:
    """Purchases, refunds and every ledger entry, newest first."""
    rows: list[HistoryRow] = []
    window = limit + offset
    for p in (
        Purchase.select()
        .where(Purchase.customer == customer_id)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
        .limit(window)
    ):
        rows.append(HistoryRow(p.created_at, "purchase", 0, p.amount, p.id, f"#{p.id}"))
    for r in (
        Refund.select()
        .where(Refund.customer == customer_id)
        .order_by(Refund.created_at.desc(), Refund.id.desc())
        .limit(window)
    ):
        rows.append(
            HistoryRow(
                r.created_at, "refund_money", 0, -r.cash_refund, r.purchase_id, f"#{r.purchase_id}"
            )
        )
    spread: dict[tuple, HistoryRow] = {}
    for e in (
        LedgerEntry.select(LedgerEntry, Lot.expires_on)
        .join(Lot, JOIN.LEFT_OUTER, on=(LedgerEntry.lot == Lot.id))
        .where(LedgerEntry.customer == customer_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(window)
        .objects()
    ):
        expires = e.expires_on if e.lot_id is not None else None
        if e.kind not in SPREAD_KINDS:
            rows.append(HistoryRow(e.created_at, e.kind, e.points, None, e.purchase_id, e.reason))
            continue
        # one redemption takes from several lots: one line, the lots soonest-expiring first
        key = (e.kind, e.purchase_id, e.refund_id, e.created_at, e.reason)
        row = spread.get(key)
        lots = tuple(
            sorted(
                ((e.points, expires), *(row.lots if row else ())),
                key=lambda lot: (lot[1] is None, lot[1] or date.min),
            )
        )
        spread[key] = HistoryRow(
            e.created_at, e.kind, sum(p for p, _ in lots), None, e.purchase_id, e.reason, lots
        )
    rows.extend(spread.values())
    order = {"purchase": 0, "refund_money": 0}
    rows.sort(key=lambda r: (r.when, -order.get(r.kind, 1)), reverse=True)
    return rows[offset : offset + limit]


# -- registration and edits ----------------------------------------------------------


def _check_unique(phone: str | None, email: str | None, exclude_id: int | None = None) -> None:
    if phone:
        other = Customer.get_or_none(Customer.phone == phone)
        if other is not None and other.id != exclude_id:
            raise InvalidInput(
                "The phone number {phone} is already registered to {name} (#{id}).",
                field="phone",
                phone=phone,
                name=f"{other.first_name} {other.last_name}",
                id=other.id,
            )
    if email:
        other = Customer.get_or_none(Customer.email_key == email.lower())
        if other is not None and other.id != exclude_id:
            raise InvalidInput(
                "The email {email} is already registered to {name} (#{id}).",
                field="email",
                email=email,
                name=f"{other.first_name} {other.last_name}",
                id=other.id,
            )


def _search_columns(values: CustomerFields) -> dict:
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


def _clean_staff(staff: str | None) -> str:
    """A staff name as typed: spaces collapsed, at most 80 characters, no control characters."""
    text = " ".join((staff or "").split())[:80]
    return check_typed(text, field="staff", label="staff name")


@dataclass(frozen=True)
class Registration:
    customer: Customer
    welcome_points: int
    welcome_expires_on: date | None


@write_action
def register(
    shop: Shop,
    data: CustomerInput,
    *,
    consents: set[str],
    method: str = "paper_signed",
    staff: str = "",
    referred_by: str | None = None,
    language: str | None = None,
    source: str = "",
    texts_shown: dict[str, int] | None = None,
) -> Registration:
    """A new customer with consent records and the welcome bonus, in one transaction.

    Each consent is recorded with the consent text current now. A form passes the versions
    it showed as `texts_shown` (purpose → version): if a text she agrees to has changed since
    (on another till or the command line), the registration is refused in words and nothing
    is written — she cannot agree to a wording she was never shown."""
    shop.refresh()
    values = validate_customer(data, region=shop.region, today=shop.today())
    unknown = set(consents) - set(PURPOSES)
    if unknown:
        raise InvalidInput("Unknown consent purpose '{purpose}'.", purpose=sorted(unknown)[0])
    if "data_processing" not in consents:
        raise InvalidInput(
            "Registration needs the customer's consent to data processing for the bonus programme.",
            field="consent_data",
        )
    if method not in CONSENT_METHODS:
        raise InvalidInput(
            "The consent method must be paper_signed, verbal or digital.", field="consent_method"
        )
    for problem in consent_problems(
        consents, email=values.email, phone=values.phone, region=shop.region
    ).values():
        raise problem  # email consent needs an email address, SMS consent a mobile number
    if texts_shown is not None:
        _check_texts_shown(consents, texts_shown)
    referrer = None
    if referred_by:
        try:
            referrer = resolve(shop, referred_by)
        except (NotFound, InvalidInput):
            raise InvalidInput(
                "The referring customer '{ref}' was not found.",
                field="referred_by",
                ref=str(referred_by)[:40],
            ) from None
    _check_unique(values.phone, values.email)
    staff = _clean_staff(staff)
    now, today, programme = shop.now(), shop.today(), shop.programme
    try:
        # A savepoint: on PostgreSQL a failed statement spoils the rest of the transaction, so
        # the check below must run after rolling back just this insert.
        with database.atomic():
            customer = Customer.create(
                first_name=values.first_name,
                last_name=values.last_name,
                salutation=values.salutation,
                phone=values.phone,
                email=values.email or None,
                birthday=values.birthday,
                notes=values.notes,
                language=language or shop.settings.language,
                referred_by=referrer.id if referrer else None,
                registered_at=now,
                registered_by=staff,
                **_search_columns(values),
            )
    except IntegrityError:  # another till registered the same phone a moment ago
        _check_unique(values.phone, values.email)
        raise
    for purpose in PURPOSES:
        if purpose in consents:
            _give(customer.id, purpose, method, staff, now, source)
    welcome = programme.welcome_points if programme.earning_open(today) else 0
    expires = None
    if welcome > 0:
        expires = expiry_date(today, programme.welcome_validity_days)
        ledger.award(
            customer.id,
            "welcome",
            welcome,
            today=today,
            expires_on=expires,
            now=now,
            staff=staff,
            reason="welcome bonus",
        )
    return Registration(customer, welcome, expires)


EDITABLE = ("first_name", "last_name", "phone", "email", "salutation", "birthday", "notes")


@write_action
def edit(shop: Shop, ref: str | int, changes: CustomerInput, *, staff: str = "") -> list[str]:
    """Change the given fields (None = unchanged); each change is kept in the history."""
    shop.refresh()
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    checks = {
        "first_name": lambda v: clean_name(v, field="first_name", label="first name"),
        "last_name": lambda v: clean_name(v, field="last_name", label="last name"),
        "phone": lambda v: normalize_phone(v, shop.region),
        "email": lambda v: normalize_email(v),
        "salutation": lambda v: normalize_salutation(v),
        "birthday": lambda v: parse_birthday(v, shop.today()),
        "notes": lambda v: clean_notes(v),
    }
    new_values = {}
    for f in fields(changes):
        raw = getattr(changes, f.name)
        if raw is not None:
            new_values[f.name] = checks[f.name](raw)
    current = {name: getattr(customer, name) for name in EDITABLE}
    current["email"] = current["email"] or ""
    merged = {**current, **new_values}
    changed = [name for name in EDITABLE if merged[name] != current[name]]
    if not changed:
        return []
    _check_contacts_for_consents(shop, customer.id, merged, changed)
    _check_unique(
        merged["phone"] if "phone" in changed else None,
        merged["email"] if "email" in changed else None,
        exclude_id=customer.id,
    )
    now, staff = shop.now(), _clean_staff(staff)
    for name in changed:
        CustomerChange.create(
            customer=customer.id,
            field=name,
            old_value=_as_text(current[name]),
            new_value=_as_text(merged[name]),
            changed_at=now,
            changed_by=staff,
        )
    update = {name: merged[name] for name in changed}
    if "email" in update:
        update["email"] = update["email"] or None
    update.update(_search_columns(CustomerFields(**merged)))
    Customer.update(**update).where(Customer.id == customer.id).execute()
    return changed


def _check_contacts_for_consents(shop: Shop, customer_id: int, merged: dict, changed) -> None:
    """An edit may not take away what an active marketing consent needs: the email address
    of an email consent, a mobile number for an SMS consent (withdraw the consent first)."""
    if "email" not in changed and "phone" not in changed:
        return
    active = {p for p, state in consent_states(customer_id).items() if state.active}
    problems = consent_problems(
        active, email=merged["email"], phone=merged["phone"], region=shop.region
    )
    if "consent_email" in problems and "email" in changed:
        raise InvalidInput(
            "She has consented to newsletters by email: withdraw that consent before "
            "removing her email address.",
            field="email",
        )
    if "consent_sms" in problems and "phone" in changed:
        raise InvalidInput(
            "She has consented to offers by SMS: the new number must be a mobile number "
            "(or withdraw that consent first).",
            field="phone",
        )


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def change_history(customer_id: int) -> list[CustomerChange]:
    return list(
        CustomerChange.select()
        .where(CustomerChange.customer == customer_id)
        .order_by(CustomerChange.changed_at.desc(), CustomerChange.id.desc())
    )


# -- consent -------------------------------------------------------------------------


def _check_texts_shown(consents: set[str], texts_shown: dict[str, int]) -> None:
    for purpose in PURPOSES:
        if (
            purpose in consents
            and texts_shown.get(purpose) != current_consent_text(purpose).version
        ):
            raise Refused(
                "The consent text changed (on another till or the command line) since this "
                "form was opened; nothing was saved. The form now shows the new text: read it "
                "to the customer, then save again.",
                field="consent_data",
            )


def _give(customer_id: int, purpose: str, method: str, staff: str, now: datetime, source: str):
    text = current_consent_text(purpose)
    return Consent.create(
        customer=customer_id,
        purpose=purpose,
        given_at=now,
        method=method,
        text=text.id,
        text_version=text.version,
        recorded_by=staff,
        source=source,
    )


def _check_purpose_and_method(purpose: str, method: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(
            "The consent purpose must be data_processing, email or sms, not '{purpose}'.",
            field="purpose",
            purpose=purpose[:30],
        )
    if method not in CONSENT_METHODS:
        raise InvalidInput(
            "The consent method must be paper_signed, verbal or digital.", field="consent_method"
        )


@write_action
def give_consent(
    shop: Shop, ref: str | int, purpose: str, *, method: str = "paper_signed", staff: str = ""
) -> Consent:
    _check_purpose_and_method(purpose, method)
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    if consent_states(customer.id)[purpose].active:
        raise Refused("This consent ({purpose}) is already given.", purpose=PURPOSE_LABELS[purpose])
    for problem in consent_problems(
        {purpose}, email=customer.email or "", phone=customer.phone or "", region=shop.region
    ).values():
        raise Refused(problem.template, field=problem.field, **problem.params)
    _lift_suppression(customer, purpose)
    return _give(customer.id, purpose, method, _clean_staff(staff), shop.now(), "")


def _lift_suppression(customer: Customer, purpose: str) -> None:
    """A consent given anew, in person, takes the contact off the suppression list."""
    from olga_loyalty.services.newsletter import digest
    from olga_loyalty.storage.models import Suppression

    if purpose == "email" and customer.email:
        Suppression.delete().where(Suppression.digest == digest("email", customer.email)).execute()
    elif purpose == "sms" and customer.phone:
        Suppression.delete().where(Suppression.digest == digest("phone", customer.phone)).execute()


@write_action
def withdraw_consent(
    shop: Shop,
    ref: str | int,
    purpose: str,
    *,
    method: str = "verbal",
    staff: str = "",
    source: str = "",
    erase_confirmed: bool = False,
) -> Consent:
    """Withdrawal adds withdrawn_at to the active record; data processing leads to erasure."""
    _check_purpose_and_method(purpose, method)
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    active = (
        Consent.select()
        .where(
            (Consent.customer == customer.id)
            & (Consent.purpose == purpose)
            & Consent.withdrawn_at.is_null()
        )
        .order_by(Consent.id.desc())
        .first()
    )
    if active is None:
        raise Refused(
            "There is no active consent ({purpose}) to withdraw.", purpose=PURPOSE_LABELS[purpose]
        )
    if purpose == "data_processing" and not erase_confirmed:
        raise Refused(
            "Withdrawing consent to data processing erases the customer for good; "
            "confirm the erasure to go on."
        )
    now = shop.now()
    Consent.update(
        withdrawn_at=now,
        withdrawn_method=method,
        withdrawn_by=_clean_staff(staff),
        withdrawn_source=source[:200],
    ).where(Consent.id == active.id).execute()
    if purpose == "data_processing":
        _erase(shop, customer, staff)
    return Consent.get_by_id(active.id)


# -- erasure (GDPR Art. 17) ----------------------------------------------------------


@write_action
def erase(shop: Shop, ref: str | int, *, staff: str = "") -> int:
    """Replace personal data for good; amounts stay for the books. Returns the customer id.
    The customer is locked first: a purchase at another till waits, then finds her erased."""
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    _erase(shop, customer, staff)
    return customer.id


def reerase(shop: Shop, customer: Customer, erased_at: datetime) -> None:
    """Erase again a customer the erasure journal names (after a restore brought her back)."""
    _erase(shop, customer, "", erased_at=erased_at)


def _erase(shop: Shop, customer: Customer, staff: str, erased_at: datetime | None = None) -> None:
    from olga_loyalty.services import erasure
    from olga_loyalty.storage.db import after_commit

    now, today = shop.now(), shop.today()
    open_points = ledger.balance(customer.id, today)
    if open_points:
        ledger.take(
            customer.id,
            open_points,
            "forfeit",
            today=today,
            now=now,
            staff=_clean_staff(staff),
            reason="erasure",
        )
    label = f"Erased #{customer.id}"
    Customer.update(
        first_name=label,
        last_name="",
        salutation="",
        phone=None,
        email=None,
        email_key=None,
        birthday=None,
        birthday_md=None,
        notes="",
        first_key="",
        first_key_de="",
        last_key="",
        last_key_de="",
        phone_rev="",
        erased_at=erased_at or now,
    ).where(Customer.id == customer.id).execute()
    CustomerChange.update(old_value="", new_value="").where(
        CustomerChange.customer == customer.id
    ).execute()
    Consent.update(source="", withdrawn_source="").where(Consent.customer == customer.id).execute()
    Feedback.update(note="", outcome="").where(Feedback.customer == customer.id).execute()
    reminders.forget_customer(customer.id)
    erasure.scrub_and_journal(customer, erased_at or now)
    after_commit(erasure.checkpoint)
