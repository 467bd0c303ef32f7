"""The shop's own commands (SPEC §9, §10): `settings show|set|consent-text|pin|audit`,
`move-to`, `demo`, and `paths` and `shortcut`, which never open the database."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from olga_loyalty import logs, shortcut
from olga_loyalty.cli.context import (
    Context,
    Parser,
    Where,
    given_pin,
    progress_line,
    protected,
    shows_progress,
    whole_number,
)
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.domain.errors import Refused
from olga_loyalty.domain.text import visible
from olga_loyalty.i18n import N_, Translator
from olga_loyalty.services import demo, move, safety, wording
from olga_loyalty.services import settings as settings_service
from olga_loyalty.services.labels import PURPOSE_LABELS
from olga_loyalty.services.shop import new_consent_text
from olga_loyalty.storage.db import redact


def add_settings(sub: Any) -> None:
    settings = sub.add_parser("settings", help="show or change the shop and programme settings")
    ssub = settings.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    sshow = ssub.add_parser("show", help="print all settings")
    sshow.set_defaults(handler=cmd_settings_show)
    sshow.add_argument("--json", action="store_true")
    sset = ssub.add_parser("set", help="change one setting, e.g. 'point_value 0.10'")
    sset.set_defaults(handler=cmd_settings_set)
    sset.add_argument("key", metavar="KEY")
    sset.add_argument("value", metavar="VALUE")
    stext = ssub.add_parser("consent-text", help="a new version of a consent text")
    stext.set_defaults(handler=cmd_settings_consent_text)
    stext.add_argument("purpose", choices=["data_processing", "email", "sms"])
    stext.add_argument("text", metavar="TEXT")
    spin = ssub.add_parser(
        "pin",
        help="set the owner PIN (6-20 digits, or a passphrase of 12+ characters); "
        "without NEW_PIN: remove it",
    )
    spin.set_defaults(handler=cmd_settings_pin)
    spin.add_argument("new_pin", metavar="NEW_PIN", nargs="?")
    saudit = ssub.add_parser("audit", help="the audit log of protected actions")
    saudit.set_defaults(handler=cmd_settings_audit)
    saudit.add_argument("--json", action="store_true")


def add_move_to(sub: Any) -> None:
    move_to = sub.add_parser(
        "move-to",
        help="copy this shop's SQLite database into an empty PostgreSQL database and check it",
    )
    move_to.set_defaults(handler=cmd_move_to)
    move_to.add_argument("target", metavar="POSTGRESQL_URL")
    move_to.add_argument("--json", action="store_true")


def add_demo(sub: Any) -> None:
    made_up = sub.add_parser(
        "demo", help="fill the database with made-up customers and two years of purchases"
    )
    made_up.set_defaults(handler=cmd_demo)
    made_up.add_argument("--customers", default="1000", metavar="N")
    made_up.add_argument("--seed", default="1", metavar="SEED")
    made_up.add_argument("--json", action="store_true")


def add_paths(sub: Any) -> None:
    where = sub.add_parser(
        "paths", help="where the database, the backups, the exports and the logs are"
    )
    where.set_defaults(handler=cmd_paths, opens_shop=False)
    where.add_argument("--json", action="store_true")


def add_shortcut(sub: Any) -> None:
    link = sub.add_parser("shortcut", help="put a shortcut that starts Olga Loyalty on the desktop")
    link.set_defaults(handler=cmd_shortcut, opens_shop=False)
    link.add_argument("--folder", metavar="FOLDER", help="another folder than the desktop")
    link.add_argument("--json", action="store_true")


def cmd_settings_show(ctx: Context, args: argparse.Namespace) -> int:
    data = settings_service.all_settings(ctx.shop)
    if args.json:
        emit_json(data)
    else:
        for key, value in settings_service.flat(data):
            print(f"{key:<28} {value}")
    return 0


def cmd_settings_audit(ctx: Context, args: argparse.Namespace) -> int:
    entries = safety.audit_log()
    if args.json:
        emit_json([fields_of(e, "at", "staff", "action", "detail") for e in entries])
    else:
        for e in entries:  # entries saved before the hygiene rules may hold anything
            staff, detail = visible(e.staff), visible(e.detail)
            name = safety.AUDIT_ACTION_NAMES.get(e.action)
            action = ctx.t(name) if name else visible(e.action)
            print(f"{ctx.t.datetime(e.at):<17} {staff:<10} {action:<28} {detail}")
    return 0


def cmd_settings_pin(ctx: Context, args: argparse.Namespace) -> int:
    safety.change_pin(ctx.shop, given_pin(ctx), args.new_pin, staff="")
    print(ctx.t("The owner PIN is set.") if args.new_pin else ctx.t("The owner PIN is removed."))
    return 0


def cmd_settings_consent_text(ctx: Context, args: argparse.Namespace) -> int:
    text = protected(
        ctx,
        args,
        "settings",
        new_consent_text,
        ctx.shop,
        args.purpose,
        args.text,
        detail=f"consent-text {args.purpose}",
    )
    print(
        ctx.t(
            "Consent text {purpose} is now version {version}.",
            purpose=ctx.t(PURPOSE_LABELS[args.purpose]),
            version=text.version,
        )
    )
    return 0


def cmd_settings_set(ctx: Context, args: argparse.Namespace) -> int:
    protected(
        ctx,
        args,
        "settings",
        settings_service.set_value,
        ctx.shop,
        args.key,
        args.value,
        detail=f"set {args.key[:40]}",
    )
    t = ctx.t
    if args.key.strip().removeprefix("shop.") == "language" and not getattr(args, "lang", None):
        # a new language is confirmed in that language, as every command after it speaks
        # (`--lang` still decides for this command: docs/rules.md, "Language")
        t = Translator(ctx.shop.settings.language, ctx.shop.settings.currency)
    key = args.key.strip().removeprefix("shop.")
    # a shop setting as it was saved (`Boutique  Olga` with a line break: one line, one
    # space), not as typed
    value = getattr(ctx.shop.settings, key) if key in settings_service.SHOP_KEYS else args.value
    print(t("{key} set to {value}.", key=args.key, value=value))
    return 0


#: `move-to --json`: the report's fields after the target
MOVE_FIELDS = ("rows", "customers", "balances_checked", "ledger_checked", "seconds")


def cmd_move_to(ctx: Context, args: argparse.Namespace) -> int:
    source = safety.database_path(ctx.shop)
    if source is None:
        raise Refused("move-to copies a SQLite database; this shop already runs on a server.")
    move.check_target(args.target)
    target = redact(args.target)
    counting = shows_progress(args)
    report = protected(
        ctx,
        args,
        "move-to",
        move.move_to,
        source,
        args.target,
        ctx.shop.clock,
        progress=_table_progress if counting else None,
        audit=(ctx.shop.now(), target),
    )
    if counting:
        print(file=sys.stderr)  # end the progress line
    if args.json:
        emit_json({"target": target} | fields_of(report, *MOVE_FIELDS))
        return 0
    print(
        ctx.t(
            "Moved {source} to {target} in {seconds} s: {rows} in {tables}.",
            source=str(source),
            target=target,
            seconds=ctx.t.decimal(Decimal(str(report.seconds))),
            rows=ctx.t.ngettext(
                "{count} row",
                "{count} rows",
                sum(report.rows.values()),
                count=ctx.t.number(sum(report.rows.values())),
            ),
            tables=ctx.t.ngettext(
                "{count} table",
                "{count} tables",
                len(report.rows),
                count=ctx.t.number(len(report.rows)),
            ),
        )
    )
    for table, count in report.rows.items():
        print(f"  {table:<16}{ctx.t.number(count):>10}")
    print(
        ctx.t(
            "Checked: every table's row count, the balances of {customers} and "
            "the ledger sums of {ledger} are the same in both databases.",
            customers=ctx.t.customers(report.customers),
            ledger=ctx.t.customers(report.ledger_checked),
        )
    )
    print(ctx.t("From now on, start every till with --db {target}", target=target))
    return 0


def _table_progress(table: str, done: int) -> None:
    print(f"\r{table}: {done}", end="", file=sys.stderr, flush=True)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    count = whole_number(args.customers, "customers", 1, 1_000_000)
    seed = whole_number(args.seed, "seed", 0, 2**31)
    with progress_line(ctx, args, N_("Making customers")) as shown:
        result = demo.generate(ctx.shop, count, seed=seed, progress=shown)
    if args.json:
        emit_json(result)
    else:
        print(
            ctx.t(
                "Made {customers}, {purchases} and {entries} in {seconds} s.",
                customers=ctx.t.customers(result["customers"]),
                purchases=ctx.t.ngettext(
                    "{count} purchase",
                    "{count} purchases",
                    result["purchases"],
                    count=ctx.t.number(result["purchases"]),
                ),
                entries=ctx.t.ngettext(
                    "{count} ledger entry",
                    "{count} ledger entries",
                    result["entries"],
                    count=ctx.t.number(result["entries"]),
                ),
                seconds=ctx.t.decimal(Decimal(str(result["seconds"]))),
            )
        )
    return 0


def cmd_paths(where: Where, args: argparse.Namespace) -> int:
    """Where everything is; never opens (or makes) the database."""
    shown = where.locations.shown()
    if args.json:
        emit_json(shown)
        return 0
    t = where.t
    print(wording.folders_text(t, shown))
    return 0


def cmd_shortcut(where: Where, args: argparse.Namespace) -> int:
    path = shortcut.write(where.locations.database, Path(args.folder) if args.folder else None)
    logs.action("shortcut.write")
    if args.json:
        emit_json({"path": path})
    else:
        print(where.t("Wrote the shortcut {path}.", path=str(path)))
    return 0
