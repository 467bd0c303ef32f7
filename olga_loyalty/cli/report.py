"""`report` (SPEC §9): members, revenue, loyalty and points by month."""

from __future__ import annotations

import argparse
from typing import Any

from olga_loyalty.cli.context import Context, whole_number
from olga_loyalty.cli.output import emit_json
from olga_loyalty.services import reports


def add_report(sub: Any) -> None:
    report = sub.add_parser("report", help="members, revenue, loyalty and points by month")
    report.set_defaults(handler=cmd_report)
    report.add_argument("--months", default="12", metavar="N", help="how many months (12)")
    report.add_argument("--until", default=None, metavar="YYYY-MM", help="the last month")
    report.add_argument("--json", action="store_true")


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    months = whole_number(args.months, "months", 1, 120)
    report = reports.compute(ctx.shop, months, args.until)
    if args.json:
        data = report.as_dict()
        for key in ("repeat_rate", "top_share", "visits_per_buyer", "days_between_visits"):
            # shares and averages keep their own decimals (money is written with two)
            data[key] = None if data[key] is None else str(data[key])
        emit_json(data)
        return 0
    t = ctx.t
    n = t.number
    print(t("Report {start} to {end}", start=t.date(report.start), end=t.date(report.end)))
    days = report.days_between_visits
    lines = (
        (t("Members"), n(report.members)),
        (t("New members"), n(report.new_members)),
        (t("Buyers"), n(report.buyers)),
        (t("Purchases"), n(report.purchases)),
        (t("Revenue from members"), t.money(report.revenue)),
        (t("Repeat-purchase rate"), t.percent(report.repeat_rate)),
        (t("Visits per buyer"), t.decimal(report.visits_per_buyer)),  # as the screen: 2.0
        (t("Days between visits"), t.decimal(days) if days is not None else "-"),
        (t("Revenue from the top 20 %"), t.percent(report.top_share)),
        (t("Open points"), f"{t.points(report.open_points)} = {t.money(report.open_value)}"),
        (t("Expiring in 30 days"), t.points(report.expiring_points)),
        (t("No purchase for 90+ days"), t.customers(report.lapsed)),
        (t("Birthdays this month"), n(report.birthdays)),
    )
    width = max(len(label) for label, _ in lines) + 2  # German labels are longer
    for label, value in lines:
        print(f"  {label:<{width}}{value}")
    print()
    # every column of the screen's points table, so that the months add up: issued less
    # redeemed, expired and taken back is what stays open
    print(
        f"  {t('Month'):<9}{t('Members'):>10}{t('New'):>7}{t('Visits'):>8}{t('Revenue'):>16}"
        f"{t('Issued'):>10}{t('Redeemed'):>10}{t('Expired'):>10}{t('Taken back'):>15}"
    )
    for m in report.months:
        print(
            f"  {m.month:<9}{n(m.members):>10}{n(m.new_members):>7}{n(m.purchases):>8}"
            f"{t.money(m.revenue):>16}{n(m.points_issued):>10}{n(m.points_redeemed):>10}"
            f"{n(m.points_expired):>10}{n(m.points_taken_back):>15}"
        )
    return 0
