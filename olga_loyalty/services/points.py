"""Purchases, refunds, adjustments and the daily run: the bonus engine on the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from olga_loyalty import logs
from olga_loyalty.domain.adjustments import adjustment_expiry, clean_reason, clean_staff
from olga_loyalty.domain.errors import (
    Count,
    CustomerErased,
    InvalidInput,
    NotFound,
    Plural,
    Refused,
)
from olga_loyalty.domain.money import parse_amount
from olga_loyalty.domain.points import (
    Programme,
    PurchaseFacts,
    PurchasePlan,
    RefundOutcome,
    expiry_date,
    plan_purchase,
    plan_refund,
    settle_refund,
)
from olga_loyalty.services import erasure, followups
from olga_loyalty.services.daily import expire_lots, give_birthday_bonuses
from olga_loyalty.services.lookup import resolve
from olga_loyalty.services.refunds import find_purchase as find_purchase
from olga_loyalty.services.refunds import refund_totals as refund_totals
from olga_loyalty.services.refunds import refundable_amount as refundable_amount
from olga_loyalty.services.refunds import take_back_referral
from olga_loyalty.services.shop import Shop, write_setting
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import fetch_rows, insert_row, write_action
from olga_loyalty.storage.models import (
    Customer,
    Lot,
    Purchase,
    Refund,
)

if TYPE_CHECKING:  # the import service is loaded by the daily run only (start-up speed)
    from olga_loyalty.services.imports.counts import Completed

# -- purchases -------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseResult:
    purchase_id: int
    customer_id: int
    plan: PurchasePlan
    balance: int
    referral_awarded_to: int | None
    follow_up_id: int | None = None


@write_action
def record_purchase(
    shop: Shop,
    ref: str | int,
    amount: Decimal | str,
    *,
    redeem: int = 0,
    staff: str = "",
    follow_up: str | date | None = None,
    follow_up_note: str = "",
    programme_shown: Programme | None = None,
) -> PurchaseResult:
    """Record a purchase: redeem (soonest-expiring lots first), earn on what was paid,
    and give the referrer the referral bonus on a first purchase. With `follow_up` (a date or
    a number of days) it also schedules a call to ask whether everything fits. One
    transaction.

    Always with the programme as it is now (re-read if another till or the command line
    changed it). A screen passes the programme its preview used as `programme_shown`: if it
    is no longer the current one, the purchase is refused in words and nothing is written
    (the customer was told other points than she would get)."""
    shop.refresh()
    amount = parse_amount(amount)
    follow_up_day = followups.parse_follow_up(follow_up, shop.today())
    customer = _lock_buyer(shop, ref)
    now, today, programme = shop.now(), shop.today(), shop.programme
    if programme_shown is not None and programme_shown != programme:
        raise Refused(
            "The bonus programme was changed (on another till or the command line) since "
            "the preview was shown; nothing was saved. Check the new preview and confirm "
            "again.",
            field="amount",
        )
    staff = clean_staff(staff)
    is_first = not fetch_rows(
        "SELECT 1 FROM purchase WHERE customer_id = ? LIMIT 1", (customer.id,)
    )
    plan = plan_purchase(
        amount,
        redeem,
        balance=ledger.balance(customer.id, today),
        spent_in_window=ledger.spent_in_window(customer.id, now, programme),
        programme=programme,
        today=today,
    )
    purchase_id = insert_row(
        Purchase,
        customer=customer.id,
        created_at=now,
        amount=plan.amount,
        redeemed_points=plan.redeemed_points,
        redeemed_value=plan.redeemed_value,
        paid=plan.paid,
        earned_points=plan.earned_points,
        tier=plan.tier.name,
        rate=str(plan.tier.rate),
        staff=staff,
    )
    if plan.redeemed_points:
        ledger.take(
            customer.id,
            plan.redeemed_points,
            "redeem",
            today=today,
            now=now,
            staff=staff,
            purchase_id=purchase_id,
        )
    if plan.earned_points:
        ledger.award(
            customer.id,
            "earn",
            plan.earned_points,
            today=today,
            expires_on=plan.earned_expires_on,
            now=now,
            staff=staff,
            purchase_id=purchase_id,
        )
    referral_to = None
    if is_first and customer.referred_by_id and programme.earning_open(today):
        # the referrer is locked too: an erasure at this moment must not leave her the bonus
        referrer = ledger.lock_customer(customer.referred_by_id)
        if referrer.erased_at is None and programme.referral_points:
            ledger.award(
                referrer.id,
                "referral",
                programme.referral_points,
                today=today,
                expires_on=expiry_date(today, programme.referral_validity_days),
                now=now,
                staff=staff,
                purchase_id=purchase_id,
                reason=f"referral of customer #{customer.id}",
            )
            referral_to = referrer.id
    follow_up_id = None
    if follow_up_day is not None:
        follow_up_id = followups.add_feedback(
            shop, customer.id, "call", follow_up_note, follow_up_day, purchase_id, staff
        ).id
    return PurchaseResult(
        purchase_id=purchase_id,
        customer_id=customer.id,
        plan=plan,
        balance=ledger.balance(customer.id, today),
        referral_awarded_to=referral_to,
        follow_up_id=follow_up_id,
    )


def _lock_buyer(shop: Shop, ref: str | int) -> Customer:
    """The customer of a purchase, locked. A customer number (what the screens pass) is
    locked at once, without reading her first and then again under the lock: the purchase
    holds the write lock all the while, and the other tills wait for it."""
    if not isinstance(ref, int) or isinstance(ref, bool):
        return ledger.lock_active_customer(resolve(shop, ref).id)
    try:
        customer = ledger.lock_customer(ref)
    except Customer.DoesNotExist:  # type: ignore[attr-defined]  # peewee makes it per model
        customer = None
    if customer is not None and customer.erased_at is not None:
        # at another till, perhaps while this purchase was typed (it said "No customer
        # found for '1417'", a number nobody had typed)
        raise CustomerErased(
            "Customer #{id} has been erased; nothing was saved.", field="customer", id=ref
        )
    if customer is None:
        raise NotFound("No customer found for '{ref}'.", field="customer", ref=str(ref))
    return customer


# -- refunds -------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    purchase_id: int
    customer_id: int
    amount: Decimal
    paid_back: Decimal
    cash_refund: Decimal
    points_taken_back: int
    points_restored: int
    shortfall_points: int
    shortfall_value: Decimal
    balance: int
    #: The referral bonus this purchase earned the referrer, taken back in proportion.
    referral_customer_id: int | None = None
    referral_taken_back: int = 0
    referral_shortfall: int = 0  # already spent by the referrer: recorded, not kept back


@write_action
def refund(
    shop: Shop, purchase_id: int | str, amount: Decimal | str | None = None, *, staff: str = ""
) -> RefundResult:
    """Refund a purchase in whole (no amount) or in part (an amount of the purchase price).

    Earned points come back in proportion (floor); redeemed points return as a new lot.
    If the points to take back are already spent, the balance stays at zero and the
    shortfall's money value is kept back from the cash refund.

    A purchase of an erased customer is refunded in money only: the goods come back and the
    books show it (the refund row, the cash paid back), but no points move — hers were
    forfeited at the erasure, so nothing is taken back or kept back, and the redeemed points
    are not given back (docs/rules.md, "Refunds").
    """
    shop.refresh()
    purchase = find_purchase(purchase_id)
    customer = ledger.lock_customer(purchase.customer_id)
    erased = customer.erased_at is not None
    before = refund_totals(purchase.id)
    left = purchase.amount - before.amount
    if left <= 0:
        raise Refused("This purchase has already been refunded in full.")
    value = left if amount is None else parse_amount(amount)
    plan = plan_refund(
        PurchaseFacts(
            purchase.amount, purchase.paid, purchase.redeemed_points, purchase.earned_points
        ),
        before,
        value,
    )
    now, today, programme = shop.now(), shop.today(), shop.programme
    staff = clean_staff(staff)
    if erased:
        plan = replace(plan, take_back=0, restore=0)
        outcome = RefundOutcome(0, 0, Decimal("0.00"), plan.paid_back)
    else:
        available = ledger.balance(customer.id, today) + plan.restore
        outcome = settle_refund(plan, available, programme)
    record = Refund.create(
        purchase=purchase.id,
        customer=customer.id,
        created_at=now,
        amount=plan.amount,
        paid_back=plan.paid_back,
        take_back_due=plan.take_back,
        taken_back=outcome.taken_back,
        restored=plan.restore,
        shortfall_points=outcome.shortfall_points,
        shortfall_value=outcome.shortfall_value,
        cash_refund=outcome.cash_refund,
        staff=staff,
    )
    if plan.restore:
        latest = ledger.redeemed_lots_latest_expiry(purchase.id)
        floor_date = expiry_date(today, programme.restore_min_validity_days)
        ledger.award(
            customer.id,
            "restore",
            plan.restore,
            today=today,
            expires_on=max(floor_date, latest) if latest else floor_date,
            now=now,
            staff=staff,
            purchase_id=purchase.id,
            refund_id=record.id,
            reason=f"refund of purchase #{purchase.id}",
        )
    if outcome.taken_back:
        earn_lot = (
            Lot.select(Lot.id).where((Lot.purchase == purchase.id) & (Lot.kind == "earn")).scalar()
        )
        ledger.take(
            customer.id,
            outcome.taken_back,
            "refund",
            today=today,
            now=now,
            staff=staff,
            purchase_id=purchase.id,
            refund_id=record.id,
            prefer_lot_id=earn_lot,
            reason=f"refund of purchase #{purchase.id}",
        )
    referrer_id, referral_taken, referral_short = take_back_referral(
        purchase, before.amount, plan.amount, record.id, today=today, now=now, staff=staff
    )
    return RefundResult(
        refund_id=record.id,
        purchase_id=purchase.id,
        customer_id=customer.id,
        amount=plan.amount,
        paid_back=plan.paid_back,
        cash_refund=outcome.cash_refund,
        points_taken_back=outcome.taken_back,
        points_restored=plan.restore,
        shortfall_points=outcome.shortfall_points,
        shortfall_value=outcome.shortfall_value,
        balance=ledger.balance(customer.id, today),
        referral_customer_id=referrer_id,
        referral_taken_back=referral_taken,
        referral_shortfall=referral_short,
    )


# -- adjustments -------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustResult:
    customer_id: int
    points: int
    balance: int
    expires_on: date | None


@write_action
def adjust(
    shop: Shop,
    ref: str | int,
    points: int,
    *,
    reason: str,
    staff: str = "",
    valid_days: int | None = None,
) -> AdjustResult:
    """A manual correction: + adds a lot, − takes from the soonest-expiring lots."""
    shop.refresh()
    reason = clean_reason(reason)
    if points == 0:
        raise InvalidInput("An adjustment of 0 points changes nothing.", field="points")
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    now, today = shop.now(), shop.today()
    staff = clean_staff(staff)
    expires = None
    if points > 0:
        expires = adjustment_expiry(shop.today(), valid_days, shop.programme.adjust_validity_days)
        ledger.award(
            customer.id,
            "adjust",
            points,
            today=today,
            expires_on=expires,
            now=now,
            staff=staff,
            reason=reason,
        )
    else:
        available = ledger.balance(customer.id, today)
        if -points > available:
            raise Refused(
                Plural(
                    "Cannot take {points} point: the balance is {balance}.",
                    "Cannot take {points} points: the balance is {balance}.",
                    -points,
                ),
                field="points",
                points=Count(-points),
                balance=Count(available),
            )
        ledger.take(
            customer.id, -points, "adjust", today=today, now=now, staff=staff, reason=reason
        )
    return AdjustResult(customer.id, points, ledger.balance(customer.id, today), expires)


# -- the daily run -------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyResult:
    day: date
    expired_lots: int
    expired_points: int
    birthday_bonuses: int
    #: Imports a crash (or an interrupt) left decided, finished by this run.
    completed: tuple[Completed, ...] = ()


def daily(shop: Shop) -> DailyResult:
    """Expiry entries for lots past their date, and birthday bonuses due. Idempotent, also
    when two tills run it at the same moment: each step is a short transaction that takes
    the daily-run lock before it reads anything (`serialise`), so the second till finds the
    lots already expired and the bonuses already given. Expiry goes in batches, each
    committed on its own, so a long first run never holds up the tills. An import that a
    crash interrupted after it was decided is finished first."""
    # Loaded when the daily run starts, not with the points (start-up speed): the import
    # service brings multiprocessing, csv and the file readers, which a till's start needs not.
    from olga_loyalty.services import imports

    completed = tuple(imports.finish_interrupted(shop))
    shop.refresh()
    today, programme = shop.today(), shop.programme
    expired_lots, expired_points = expire_lots(shop, today)
    bonuses = 0
    if programme.earning_open(today) and programme.birthday_points > 0:
        bonuses = give_birthday_bonuses(shop, today)
    write_setting("daily_last_run", today.isoformat())
    # An erasure whose checkpoint a crash or another till's read held up is finished here
    # (the daily run is no transaction of its own any more: its steps have committed).
    erasure.checkpoint()
    result = DailyResult(today, expired_lots, expired_points, bonuses, completed)
    logs.action("points.daily", result)
    return result


def purchases_of(customer_id: int, limit: int = 50) -> list[Purchase]:
    return list(
        Purchase.select()
        .where(Purchase.customer == customer_id)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
        .limit(limit)
    )
