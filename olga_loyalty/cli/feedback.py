"""The feedback commands (SPEC §9): `feedback add|due|done|apologise`."""

from __future__ import annotations

import argparse
from typing import Any

from olga_loyalty.cli.context import (
    Context,
    Parser,
    add_customer_words,
    protected,
    valid_days,
    whole_number,
)
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.services import followups


def add_feedback(sub: Any) -> None:
    feedback = sub.add_parser("feedback", help="feedback, follow-ups and apology bonuses")
    fsub = feedback.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    fadd = fsub.add_parser("add", help="record praise, a wish, a complaint or a call to make")
    fadd.set_defaults(handler=cmd_feedback_add)
    add_customer_words(fadd)
    fadd.add_argument("--kind", required=True, help="praise, wish, complaint or call")
    fadd.add_argument("--note", default="")
    fadd.add_argument("--follow-up", default=None, metavar="DAYS_OR_DATE")
    fadd.add_argument("--staff", default="")
    fadd.add_argument("--json", action="store_true")
    fdue = fsub.add_parser("due", help="the follow-ups due today (and overdue ones)")
    fdue.set_defaults(handler=cmd_feedback_due)
    fdue.add_argument("--json", action="store_true")
    fdone = fsub.add_parser("done", help="mark a follow-up done, with its outcome")
    fdone.set_defaults(handler=cmd_feedback_done)
    fdone.add_argument("feedback", metavar="FEEDBACK_ID")
    fdone.add_argument("--outcome", required=True)
    fdone.add_argument("--staff", default="")
    fsorry = fsub.add_parser("apologise", help="answer a complaint with an apology bonus")
    fsorry.set_defaults(handler=cmd_feedback_apologise)
    fsorry.add_argument("feedback", metavar="FEEDBACK_ID")
    fsorry.add_argument("--points", required=True)
    fsorry.add_argument("--valid-days", default=None, metavar="DAYS")
    fsorry.add_argument("--staff", default="")


def cmd_feedback_add(ctx: Context, args: argparse.Namespace) -> int:
    item = followups.record(
        ctx.shop,
        args.customer,
        args.kind,
        args.note,
        follow_up=args.follow_up,
        staff=args.staff,
    )
    if args.json:
        emit_json(fields_of(item, "id", "customer_id", "kind", "note", "follow_up_on"))
        return 0
    t = ctx.t
    print(t("Feedback #{id} recorded.", id=item.id))
    if item.follow_up_on:
        print(t("Follow up on {day}.", day=t.date(item.follow_up_on)))
    return 0


def cmd_feedback_due(ctx: Context, args: argparse.Namespace) -> int:
    items = followups.due(ctx.shop)
    if args.json:
        emit_json(items)
        return 0
    t = ctx.t
    if not items:
        print(t("No follow-up is due today."))
    for i in items:
        note = i.note or t("Ask whether everything fits")
        print(
            f"#{i.id:<6} {t.date(i.follow_up_on)}  {i.name[:28]:<28} "
            f"{phone_for_display(i.phone or '', ctx.shop.region):<18} {t(followups.FEEDBACK_LABELS[i.kind])}: {note[:60]}"
        )
    return 0


def cmd_feedback_done(ctx: Context, args: argparse.Namespace) -> int:
    item = followups.complete(ctx.shop, args.feedback, args.outcome, staff=args.staff)
    print(ctx.t("Follow-up #{id} done.", id=item.id))
    return 0


def cmd_feedback_apologise(ctx: Context, args: argparse.Namespace) -> int:
    amount = whole_number(args.points, "points", 1, followups.APOLOGY_MAX)
    days = valid_days(args)
    item, entry = protected(
        ctx,
        args,
        "adjust",
        followups.apologise,
        ctx.shop,
        args.feedback,
        amount,
        staff=args.staff,
        valid_days=days,
        # peewee's stubs know no `customer_id` of a foreign key (storage/models.py)
        detail=lambda r: f"customer #{r[0].customer_id}: +{r[1].points} (apology #{r[0].id})",
        customer_id=lambda r: r[0].customer_id,
    )
    print(
        ctx.t(
            "Apology bonus: {points} for {name} (complaint #{id}).",
            points=ctx.t.points(entry.points),
            name=f"{item.customer.first_name} {item.customer.last_name}",
            id=item.id,
        )
    )
    return 0
