"""Feedback and follow-ups: what a customer said, and whom to call when (issue 8).

A feedback is praise, a wish or a complaint, with a note; a purchase can schedule a call
("does the dress fit?"). Any of them may carry a follow-up date; the search screen lists those
due, and marking one done records the outcome. A complaint can be answered with an apology
bonus: an adjustment whose reason is the complaint, linked to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from olga_loyalty.domain.adjustments import adjustment_expiry, clean_reason, clean_staff
from olga_loyalty.domain.dates import read_date
from olga_loyalty.domain.errors import Count, InvalidInput, NotFound, Plural, Refused
from olga_loyalty.domain.text import check_typed, is_digits
from olga_loyalty.services.lookup import resolve
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import write_action
from olga_loyalty.storage.models import Customer, Feedback, LedgerEntry

KINDS = ("praise", "wish", "complaint", "call")
#: English words for the kinds; the screens and the command line translate them.
FEEDBACK_LABELS = {"praise": "Praise", "wish": "Wish", "complaint": "Complaint", "call": "Call"}
NOTE_MAX = 500
FOLLOW_UP_MAX_DAYS = 366
APOLOGY_MAX = 10_000


@dataclass(frozen=True)
class FollowUp:
    id: int
    customer_id: int
    name: str
    phone: str
    kind: str
    note: str
    follow_up_on: date
    purchase_id: int | None


def clean_note(note: str | None, *, required: bool = True) -> str:
    text = " ".join((note or "").split())
    if required and not text:
        raise InvalidInput("Please write what the customer said or what to ask.", field="note")
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            Plural(
                "The note is too long (at most {maximum} character).",
                "The note is too long (at most {maximum} characters).",
                NOTE_MAX,
            ),
            field="note",
            maximum=Count(NOTE_MAX),
        )
    return check_typed(text, field="note", label="note")


def parse_follow_up(value: str | date | None, today: date) -> date | None:
    """Empty = none; a date (2026-12-01 or 01.12.2026) or a number of days from today."""
    if value is None or isinstance(value, date):
        day = value
    else:
        text = value.strip()
        if not text:
            return None
        if is_digits(text):
            days = int(text)
            if days > FOLLOW_UP_MAX_DAYS:
                raise _too_far_ahead()
            day = today + timedelta(days=days)
        else:
            day = _parse_day(text, today)
    if day is None:
        return None
    if day < today:
        raise InvalidInput("The follow-up date is in the past.", field="follow_up")
    if day > today + timedelta(days=FOLLOW_UP_MAX_DAYS):
        raise _too_far_ahead()
    return day


def _too_far_ahead() -> InvalidInput:
    return InvalidInput(
        Plural(
            "A follow-up can be at most {days} day ahead.",
            "A follow-up can be at most {days} days ahead.",
            FOLLOW_UP_MAX_DAYS,
        ),
        field="follow_up",
        days=Count(FOLLOW_UP_MAX_DAYS),
    )


def _parse_day(text: str, today: date) -> date:
    day = read_date(text, today, past=False)  # a follow-up lies ahead: 3.4.27 is 2027
    if day is not None:
        return day
    raise InvalidInput(
        "'{text}' is not a date. Type it like 2026-12-01 or 01.12.2026, or a number of days.",
        field="follow_up",
        text=text[:20],
    )


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(
            "The kind must be praise, wish, complaint or call, not '{kind}'.",
            field="kind",
            kind=str(kind)[:20],
        )
    return kind


@write_action
def record(
    shop: Shop,
    ref: str | int,
    kind: str,
    note: str,
    *,
    follow_up: str | date | None = None,
    purchase_id: int | None = None,
    staff: str = "",
) -> Feedback:
    """Record feedback (or a call to make) for a customer."""
    return add_feedback(shop, ref, kind, note, follow_up, purchase_id, staff)


def add_feedback(shop, ref, kind, note, follow_up, purchase_id, staff) -> Feedback:
    """The body of `record`, for a caller that already holds the transaction (a purchase)."""
    _check_kind(kind)
    # A call scheduled with a purchase may go without a note: the screens then show
    # "Ask whether everything fits" in the shop's language.
    text = clean_note(note, required=not (kind == "call" and purchase_id))
    day = parse_follow_up(follow_up, shop.today())
    if kind == "call" and day is None:
        raise InvalidInput("A call needs a follow-up date.", field="follow_up")
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    return Feedback.create(
        customer=customer.id,
        kind=kind,
        note=text,
        created_at=shop.now(),
        staff=clean_staff(staff),
        purchase=purchase_id,
        follow_up_on=day,
    )


def due(shop: Shop, day: date | None = None, limit: int = 200) -> list[FollowUp]:
    """Open follow-ups due on `day` or earlier (overdue first), of customers not erased."""
    day = day or shop.today()
    query = (
        Feedback.select(
            Feedback.id,
            Feedback.customer,
            Feedback.kind,
            Feedback.note,
            Feedback.follow_up_on,
            Feedback.purchase,
            Customer.id,
            Customer.first_name,
            Customer.last_name,
            Customer.phone,
        )
        .join(Customer)
        .where(
            Feedback.done_at.is_null()
            & Feedback.follow_up_on.is_null(False)
            & (Feedback.follow_up_on <= day)
            & Customer.erased_at.is_null()
        )
        .order_by(Feedback.follow_up_on, Feedback.id)
        .limit(limit)
    )
    return [
        FollowUp(
            f.id,
            f.customer_id,
            f"{f.customer.first_name} {f.customer.last_name}",
            f.customer.phone or "",
            f.kind,
            f.note,
            f.follow_up_on,
            f.purchase_id,
        )
        for f in query
        if f.follow_up_on is not None  # the query asks for a day: always there
    ]


def _open(feedback_id: int | str) -> Feedback:
    try:
        number = int(str(feedback_id).lstrip("#"))
    except ValueError:
        raise InvalidInput(
            "'{ref}' is not a feedback number.", field="feedback", ref=str(feedback_id)[:20]
        ) from None
    found = Feedback.get_or_none(Feedback.id == number)
    if found is None or Customer.get_by_id(found.customer_id).erased_at is not None:
        raise NotFound("No feedback #{id}.", field="feedback", id=number)
    return found


def _open_locked(feedback_id: int | str) -> Feedback:
    """A feedback to change, read again after its customer is locked: two tills answering
    the same complaint at once give one apology bonus, not two."""
    found = _open(feedback_id)
    ledger.lock_active_customer(found.customer_id)
    return Feedback.get_by_id(found.id)


@write_action
def complete(shop: Shop, feedback_id: int | str, outcome: str, *, staff: str = "") -> Feedback:
    """Mark a follow-up done, with what came of it."""
    item = _open_locked(feedback_id)
    if item.done_at is not None:
        raise Refused("Feedback #{id} is already done.", field="feedback", id=item.id)
    text = clean_note(outcome)
    item.done_at, item.done_by, item.outcome = shop.now(), clean_staff(staff), text
    item.save()
    return item


@write_action
def apologise(
    shop: Shop,
    feedback_id: int | str,
    points: int,
    *,
    staff: str = "",
    valid_days: int | None = None,
) -> tuple[Feedback, LedgerEntry]:
    """Answer a complaint with an apology bonus: an adjustment whose reason is the complaint."""
    item = _open_locked(feedback_id)
    if item.kind != "complaint":
        raise Refused("Only a complaint is answered with an apology bonus.", field="feedback")
    if item.apology_entry_id is not None:
        raise Refused(
            "Complaint #{id} was already answered with a bonus.", field="feedback", id=item.id
        )
    if not 1 <= points <= APOLOGY_MAX:
        raise InvalidInput(
            Plural(
                "An apology bonus is 1 to {maximum} point.",
                "An apology bonus is 1 to {maximum} points.",
                APOLOGY_MAX,
            ),
            field="points",
            maximum=Count(APOLOGY_MAX),
        )
    expires = adjustment_expiry(shop.today(), valid_days, shop.programme.adjust_validity_days)
    reason = clean_reason(f"apology for complaint #{item.id}: {item.note}"[:200])
    staff = clean_staff(staff)
    lot = ledger.award(
        item.customer_id,
        "adjust",
        points,
        today=shop.today(),
        expires_on=expires,
        now=shop.now(),
        staff=staff,
        reason=reason,
    )
    entry = LedgerEntry.get(LedgerEntry.lot == lot.id)
    item.apology_entry = entry
    if item.done_at is None and item.follow_up_on is not None:
        item.done_at, item.done_by = shop.now(), staff
        item.outcome = item.outcome or f"apology bonus: {points} points"
    item.save()
    return item, entry
