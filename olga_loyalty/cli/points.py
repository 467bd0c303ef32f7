"""The points commands (SPEC §9): `purchase`, `refund`, `adjust`, `bonus` and `daily`."""

from __future__ import annotations

import argparse
from typing import Any

from olga_loyalty.cli.context import Context, protected, valid_days, whole_number
from olga_loyalty.cli.files import completed_json
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.cli.reminders import daily_reminders_json, print_daily_reminders
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.services import campaigns, points, reminders, wording


def add_purchase(sub: Any) -> None:
    purchase = sub.add_parser("purchase", help="record a purchase, optionally redeeming points")
    purchase.set_defaults(handler=cmd_purchase)
    purchase.add_argument("customer", metavar="PHONE_OR_ID")
    purchase.add_argument("amount", metavar="AMOUNT", help="12.50 or 12,50")
    purchase.add_argument("--redeem", default="0", metavar="POINTS")
    purchase.add_argument(
        "--follow-up",
        default=None,
        metavar="DAYS_OR_DATE",
        help="schedule a call to ask whether everything fits",
    )
    purchase.add_argument("--follow-up-note", default="", metavar="TEXT")
    purchase.add_argument("--staff", default="")
    purchase.add_argument("--json", action="store_true")


def add_bonus(sub: Any) -> None:
    bonus = sub.add_parser(
        "bonus", help="award points to every customer of a segment (with a preview first)"
    )
    bonus.set_defaults(handler=cmd_bonus)
    bonus.add_argument("segment", metavar="SEGMENT", help="all, tier:Gold, lapsed:90, ...")
    bonus.add_argument("points", metavar="POINTS")
    bonus.add_argument("--reason", required=True)
    bonus.add_argument("--valid-days", default=None, metavar="DAYS")
    bonus.add_argument("--dry-run", action="store_true", help="only say whom and how much")
    bonus.add_argument("--staff", default="")
    bonus.add_argument("--json", action="store_true")


def add_refund(sub: Any) -> None:
    refund = sub.add_parser("refund", help="refund a purchase, whole or in part")
    refund.set_defaults(handler=cmd_refund)
    refund.add_argument("purchase", metavar="PURCHASE_ID")
    refund.add_argument(
        "amount",
        metavar="AMOUNT",
        nargs="?",
        help="part of the purchase amount; default all that is left",
    )
    refund.add_argument("--staff", default="")
    refund.add_argument("--json", action="store_true")


def add_adjust(sub: Any) -> None:
    adjust = sub.add_parser("adjust", help="add or take points by hand, with a reason")
    adjust.set_defaults(handler=cmd_adjust)
    adjust.add_argument("customer", metavar="PHONE_OR_ID")
    adjust.add_argument("points", metavar="POINTS", help="+50 or -50")
    adjust.add_argument("--reason", required=True)
    adjust.add_argument("--valid-days", metavar="DAYS", help="validity of added points")
    adjust.add_argument("--staff", default="")
    adjust.add_argument("--json", action="store_true")


def add_daily(sub: Any) -> None:
    daily = sub.add_parser(
        "daily", help="write expiry entries and give birthday bonuses (idempotent)"
    )
    daily.set_defaults(handler=cmd_daily)
    daily.add_argument("--json", action="store_true")


#: `refund --json`: the refund's fields, in this order
REFUND_FIELDS = (
    "refund_id",
    "purchase_id",
    "customer_id",
    "amount",
    "paid_back",
    "cash_refund",
    "points_taken_back",
    "points_restored",
    "shortfall_points",
    "shortfall_value",
    "balance",
    "referral_customer_id",
    "referral_taken_back",
    "referral_shortfall",
)
#: `purchase --json`: the plan's fields after the purchase's own
PLAN_FIELDS = (
    "amount",
    "redeemed_points",
    "redeemed_value",
    "paid",
    "earned_points",
    "earned_expires_on",
)


def cmd_purchase(ctx: Context, args: argparse.Namespace) -> int:
    amount = parse_amount(args.amount)
    redeem = parse_points(args.redeem, field="redeem")
    result = points.record_purchase(
        ctx.shop,
        args.customer,
        amount,
        redeem=redeem,
        staff=args.staff,
        follow_up=args.follow_up,
        follow_up_note=args.follow_up_note,
    )
    plan = result.plan
    if args.json:
        emit_json(
            {
                "purchase_id": result.purchase_id,
                "customer_id": result.customer_id,
                **fields_of(plan, *PLAN_FIELDS),
                "balance": result.balance,
                "balance_value": ctx.shop.programme.value_of(result.balance),
                "tier": plan.tier.name,
                "referral_awarded_to": result.referral_awarded_to,
                "follow_up_id": result.follow_up_id,
            }
        )
        return 0
    t = ctx.t
    print(t("Purchase #{id}: {amount}", id=result.purchase_id, amount=t.money(plan.amount)))
    if plan.redeemed_points:
        print(
            t(
                "Redeemed {points} = {value}",
                points=t.points(plan.redeemed_points),
                value=t.money(plan.redeemed_value),
            )
        )
    print(t("To pay: {paid}", paid=t.money(plan.paid)))
    print(
        t(
            "Earned {points} ({tier}); balance now {balance}.",
            points=t.points(plan.earned_points),
            tier=plan.tier.name,
            balance=t.points(result.balance),
        )
    )
    if result.follow_up_id:
        print(t("Follow-up call #{id} scheduled.", id=result.follow_up_id))
    return 0


def cmd_refund(ctx: Context, args: argparse.Namespace) -> int:
    amount = parse_amount(args.amount) if args.amount is not None else None
    result = points.refund(ctx.shop, args.purchase, amount, staff=args.staff)
    if args.json:
        emit_json(fields_of(result, *REFUND_FIELDS))
        return 0
    t = ctx.t
    print(
        t(
            "Refund of {amount} on purchase #{id}.",
            amount=t.money(result.amount),
            id=result.purchase_id,
        )
    )
    print(
        t(
            "Points taken back: {taken}; points given back: {restored}.",
            taken=t.points(result.points_taken_back),
            restored=t.points(result.points_restored),
        )
    )
    if result.shortfall_points:
        print(
            t.ngettext(
                "{points} earned point was already spent: keep back {value} from the cash refund.",
                "{points} earned points were already spent: "
                "keep back {value} from the cash refund.",
                result.shortfall_points,
                points=t.number(result.shortfall_points),
                value=t.money(result.shortfall_value),
            )
        )
    if referral := wording.referral_text(t, result):
        print(referral)
    print(
        t(
            "Cash to refund: {cash}. Balance now {balance}.",
            cash=t.money(result.cash_refund),
            balance=t.points(result.balance),
        )
    )
    return 0


def cmd_adjust(ctx: Context, args: argparse.Namespace) -> int:
    amount = parse_points(args.points, allow_negative=True, allow_zero=False)
    days = valid_days(args)
    result = protected(
        ctx,
        args,
        "adjust",
        points.adjust,
        ctx.shop,
        args.customer,
        amount,
        reason=args.reason,
        staff=args.staff,
        valid_days=days,
        detail=lambda r: f"customer #{r.customer_id}: {r.points:+d} ({args.reason[:100]})",
        customer_id=lambda r: r.customer_id,
    )
    if args.json:
        emit_json(fields_of(result, "customer_id", "points", "balance", "expires_on"))
    else:
        print(
            ctx.t(
                "Adjusted by {points}; balance now {balance}.",
                points=ctx.t.points(result.points, signed=True),
                balance=ctx.t.points(result.balance),
            )
        )
    return 0


def cmd_bonus(ctx: Context, args: argparse.Namespace) -> int:
    amount = whole_number(args.points, "points", 1, campaigns.BONUS_MAX)
    days = valid_days(args)
    t = ctx.t
    if args.dry_run:
        result = campaigns.preview(ctx.shop, args.segment, amount, valid_days=days)
    else:
        result = protected(
            ctx,
            args,
            "bonus",
            campaigns.award,
            ctx.shop,
            args.segment,
            amount,
            reason=args.reason,
            valid_days=days,
            staff=args.staff,
            detail=lambda r: f"{r.segment}: {r.customers} × +{r.points} ({args.reason[:100]})",
        )
    if args.json:
        emit_json(fields_of(result) | {"written": not args.dry_run})
        return 0
    print(wording.bonus_preview_text(t, result))
    print(t("Nothing written (dry run).") if args.dry_run else t("Awarded."))
    return 0


def cmd_daily(ctx: Context, args: argparse.Namespace) -> int:
    result = points.daily(ctx.shop)
    mails = reminders.after_daily(ctx.shop)  # queue (and send, when automatic); never fails
    if args.json:
        days_work = fields_of(result, "day", "expired_lots", "expired_points", "birthday_bonuses")
        emit_json(
            days_work
            | {"completed": completed_json(list(result.completed))}
            | {"reminders": daily_reminders_json(mails, ctx.t)}
        )
    else:
        for completed in result.completed:  # an import a crash or Ctrl+C left decided
            print(completed.text(ctx.t))
        print(
            ctx.t(
                "Daily run for {day}: {points} expired in {lots}; {bonuses} given.",
                day=ctx.t.date(result.day),
                points=ctx.t.points(result.expired_points),
                lots=ctx.t.ngettext(
                    "{count} lot",
                    "{count} lots",
                    result.expired_lots,
                    count=ctx.t.number(result.expired_lots),
                ),
                bonuses=ctx.t.ngettext(
                    "{count} birthday bonus",
                    "{count} birthday bonuses",
                    result.birthday_bonuses,
                    count=ctx.t.number(result.birthday_bonuses),
                ),
            )
        )
        print_daily_reminders(mails, ctx.t)
    return 0
