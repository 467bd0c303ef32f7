"""The reminder commands (SPEC §9, §12): `reminders preview|send|test|list|retry|mark-sent|
password`, and what `daily` says about reminders. Parses, calls the reminders service,
prints; no rules here.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from olga_loyalty.cli.context import Context, Parser, protected
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.domain.reminders import KIND_LABELS, REASON_LABELS, STATUS_LABELS
from olga_loyalty.domain.text import shorten
from olga_loyalty.i18n import Translator
from olga_loyalty.services import mail, reminders


def add_reminders(sub: Any) -> None:
    rem = sub.add_parser("reminders", help="reminder mails: birthday, expiring points, welcome")
    rsub = rem.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    preview = rsub.add_parser("preview", help="what is due: customer, kind, address, subject")
    preview.set_defaults(handler=cmd_reminders_preview)
    preview.add_argument("--json", action="store_true")
    send = rsub.add_parser("send", help="queue what is due and send the waiting mails")
    send.set_defaults(handler=cmd_reminders_send)
    send.add_argument("--dry-run", action="store_true", help="only say what would be sent")
    send.add_argument("--json", action="store_true")
    test = rsub.add_parser("test", help="send a test mail with the mail settings")
    test.set_defaults(handler=cmd_reminders_test)
    test.add_argument("address", metavar="ADDRESS")
    test.add_argument("--json", action="store_true")
    listing = rsub.add_parser("list", help="the outbox: waiting, sent, refused, cancelled mails")
    listing.set_defaults(handler=cmd_reminders_list)
    listing.add_argument(
        "--status",
        choices=["pending", "sending", "unknown", "sent", "failed", "cancelled"],
        help="only mails in this state",
    )
    listing.add_argument("--json", action="store_true")
    retry = rsub.add_parser("retry", help="send a refused mail, or one of unknown fate, again")
    retry.set_defaults(handler=cmd_reminders_retry)
    retry.add_argument("mail", metavar="MAIL_ID")
    marked = rsub.add_parser(
        "mark-sent", help="a mail of unknown fate was found in the account's sent folder"
    )
    marked.set_defaults(handler=cmd_reminders_mark_sent)
    marked.add_argument("mail", metavar="MAIL_ID")
    password = rsub.add_parser(
        "password", help="keep the mail account's password in the system keyring"
    )
    password.set_defaults(handler=cmd_reminders_password)
    password.add_argument("--remove", action="store_true", help="remove it from the keyring")


#: `--json` of a reminder mail: its fields, in this order
ITEM_FIELDS = (
    "id",
    "customer_id",
    "kind",
    "occasion",
    "status",
    "language",
    "address",
    "subject",
    "body",
    "queued_at",
    "sent_at",
    "reason",
    "server_answer",
)
#: `reminders send --json`: the report's counts, in this order
SEND_FIELDS = ("sent", "failed", "pending", "cancelled", "unknown", "queued", "dry_run")


def _item_line(item: Any, t: Translator) -> str:
    ref = f"#{item.id}" if item.id else "-"
    return (
        f"  {ref:>6}  {t(KIND_LABELS[item.kind]):<18} #{item.customer_id:<6} "
        f"{shorten(item.address, 32):<32} {shorten(item.subject, 60)}"
    )


def cmd_reminders_preview(ctx: Context, args: argparse.Namespace) -> int:
    items = reminders.preview(ctx.shop)
    if args.json:
        emit_json([fields_of(i, *ITEM_FIELDS) for i in items])
        return 0
    t = ctx.t
    print(
        t.ngettext(
            "{count} reminder would be sent:",
            "{count} reminders would be sent:",
            len(items),
            count=t.number(len(items)),
        )
    )
    for item in items:
        print(_item_line(item, t))
    if not reminders.mail_settings().configured:
        print(
            t(
                "Mail is not set up yet: nothing is queued or sent before the server and the "
                "sender are set (settings set mail.host ..., mail.sender ...)."
            )
        )
    return 0


def cmd_reminders_send(ctx: Context, args: argparse.Namespace) -> int:
    t = ctx.t
    report = reminders.send(ctx.shop, dry_run=args.dry_run)
    if args.json:
        data = fields_of(report, *SEND_FIELDS)
        if report.dry_run:
            data["would_send"] = [fields_of(i, *ITEM_FIELDS) for i in report.would_send]
        data["error"] = report.error.render(t.gettext) if report.error else None
        emit_json(data)
    elif report.dry_run:
        print(
            t.ngettext(
                "Dry run: {count} reminder would be sent; nothing was sent or written.",
                "Dry run: {count} reminders would be sent; nothing was sent or written.",
                len(report.would_send),
                count=t.number(len(report.would_send)),
            )
        )
        for item in report.would_send:
            print(_item_line(item, t))
    else:
        print(
            t(
                "Reminders: {sent} sent, {failed} refused, {cancelled} cancelled; {pending} "
                "waiting.",
                sent=t.number(report.sent),
                failed=t.number(report.failed),
                cancelled=t.number(report.cancelled),
                pending=t.number(report.pending),
            )
        )
    if report.unknown and not args.json:
        print(_unknown_note(report.unknown, t))
    if report.error is not None:
        raise report.error  # after the report: worded and its exit code given by main
    return 0


def _unknown_note(count: int, t: Translator) -> str:
    return t.ngettext(
        "{count} mail has an unknown fate (sending stopped while the server had it): look "
        "in the mail account's sent folder, then 'reminders mark-sent ID' or 'reminders retry "
        "ID'.",
        "{count} mails have an unknown fate (sending stopped while the server had them): look "
        "in the mail account's sent folder, then 'reminders mark-sent ID' or 'reminders retry "
        "ID'.",
        count,
        count=t.number(count),
    )


def cmd_reminders_test(ctx: Context, args: argparse.Namespace) -> int:
    answer = reminders.send_test(ctx.shop, args.address)
    if args.json:
        emit_json({"address": args.address.strip(), "answer": answer})
    else:
        print(
            ctx.t(
                "The mail server accepted the test mail to {address}: {answer}",
                address=args.address.strip(),
                answer=answer,
            )
        )
    return 0


def cmd_reminders_list(ctx: Context, args: argparse.Namespace) -> int:
    items = reminders.history(ctx.shop, status=args.status)
    if args.json:
        emit_json([fields_of(i, *ITEM_FIELDS) for i in items])
        return 0
    t = ctx.t
    for item in items:
        when = item.sent_at or item.attempted_at or item.queued_at
        status = t(STATUS_LABELS[item.status])
        why = t(REASON_LABELS[item.reason]) if item.reason in REASON_LABELS else ""
        answer = shorten(item.server_answer, 80)
        extra = " · ".join(x for x in (why, answer) if x)
        print(f"{t.datetime(when):<17}{_item_line(item, t)}")
        print(f"{'':<25}{status}{' · ' + extra if extra else ''}")
    return 0


def cmd_reminders_retry(ctx: Context, args: argparse.Namespace) -> int:
    row = reminders.retry(ctx.shop, args.mail)
    print(ctx.t("Mail #{id} will be sent again with the next send.", id=row.id))
    return 0


def cmd_reminders_mark_sent(ctx: Context, args: argparse.Namespace) -> int:
    row = reminders.mark_sent(ctx.shop, args.mail)
    print(ctx.t("Mail #{id} is marked as sent.", id=row.id))
    return 0


def cmd_reminders_password(ctx: Context, args: argparse.Namespace) -> int:
    account = reminders.mail_settings()
    if args.remove:
        protected(ctx, args, "settings", mail.store_password, account, None, detail="mail password")
        print(ctx.t("The mail password is removed from the system keyring."))
        return 0
    if sys.stdin.isatty():
        secret = getpass.getpass(ctx.t("Password of the mail account: "))
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    protected(ctx, args, "settings", mail.store_password, account, secret, detail="mail password")
    print(ctx.t("The mail password is kept in the system keyring."))
    return 0


# -- what `daily` says about reminders ------------------------------------------------


def daily_reminders_json(result: reminders.DailyReminders, t: Translator) -> dict[str, Any]:
    report = result.report
    return {
        "configured": result.configured,
        "queued": result.queued,
        "automatic": result.automatic,
        "sent": report.sent if report else 0,
        "failed": report.failed if report else 0,
        "pending": result.pending,
        "error": result.error.render(t.gettext) if result.error else None,
    }


def print_daily_reminders(result: reminders.DailyReminders, t: Translator) -> None:
    if not result.configured:
        return
    if result.report is not None:
        print(
            t(
                "Reminders: {queued} queued, {sent} sent, {failed} refused; {pending} waiting.",
                queued=t.number(result.queued),
                sent=t.number(result.report.sent),
                failed=t.number(result.report.failed),
                pending=t.number(result.pending),
            )
        )
    elif result.error is None:
        print(
            t(
                "Reminders: {queued} queued; {pending} waiting for 'reminders send' (automatic "
                "sending is off).",
                queued=t.number(result.queued),
                pending=t.number(result.pending),
            )
        )
    if result.error is not None:
        print(
            t(
                "Reminders: {pending} waiting, not sent now: {reason}",
                pending=t.number(result.pending),
                reason=result.error.render(t.gettext),
            )
        )
