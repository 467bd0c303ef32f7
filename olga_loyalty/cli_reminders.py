"""The command line's reminder commands (SPEC §9, §12): `reminders preview|send|test|list|
retry|mark-sent|password`, and what `daily` says about reminders. Parses, calls the
reminders service, prints; no rules here. Kept apart from cli.py, which only wires it in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from olga_loyalty.domain.reminders import KIND_LABELS, REASON_LABELS, STATUS_LABELS


def add_reminder_commands(sub) -> None:
    rem = sub.add_parser("reminders", help="reminder mails: birthday, expiring points, welcome")
    rsub = rem.add_subparsers(
        dest="action", metavar="ACTION", parser_class=type(rem), required=True
    )
    preview = rsub.add_parser("preview", help="what is due: customer, kind, address, subject")
    preview.add_argument("--json", action="store_true")
    send = rsub.add_parser("send", help="queue what is due and send the waiting mails")
    send.add_argument("--dry-run", action="store_true", help="only say what would be sent")
    send.add_argument("--json", action="store_true")
    test = rsub.add_parser("test", help="send a test mail with the mail settings")
    test.add_argument("address", metavar="ADDRESS")
    test.add_argument("--json", action="store_true")
    listing = rsub.add_parser("list", help="the outbox: waiting, sent, refused, cancelled mails")
    listing.add_argument(
        "--status",
        choices=["pending", "sending", "unknown", "sent", "failed", "cancelled"],
        help="only mails in this state",
    )
    listing.add_argument("--json", action="store_true")
    retry = rsub.add_parser("retry", help="send a refused mail, or one of unknown fate, again")
    retry.add_argument("mail", metavar="MAIL_ID")
    marked = rsub.add_parser(
        "mark-sent", help="a mail of unknown fate was found in the account's sent folder"
    )
    marked.add_argument("mail", metavar="MAIL_ID")
    password = rsub.add_parser(
        "password", help="keep the mail account's password in the system keyring"
    )
    password.add_argument("--remove", action="store_true", help="remove it from the keyring")


def _item_json(item) -> dict:
    return {
        "id": item.id,
        "customer_id": item.customer_id,
        "kind": item.kind,
        "occasion": item.occasion,
        "status": item.status,
        "language": item.language,
        "address": item.address,
        "subject": item.subject,
        "body": item.body,
        "queued_at": item.queued_at,
        "sent_at": item.sent_at,
        "reason": item.reason,
        "server_answer": item.server_answer,
    }


def _printable(text: str, width: int) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _item_line(item, t) -> str:
    ref = f"#{item.id}" if item.id else "-"
    return (
        f"  {ref:>6}  {t(KIND_LABELS[item.kind]):<18} #{item.customer_id:<6} "
        f"{_printable(item.address, 32):<32} {_printable(item.subject, 60)}"
    )


def cmd_reminders_preview(shop, args, _) -> int:
    from olga_loyalty.cli import emit_json
    from olga_loyalty.services import reminders

    items = reminders.preview(shop)
    if args.json:
        emit_json([_item_json(i) for i in items])
        return 0
    t = args.t
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


def send_report_json(report) -> dict:
    return {
        "sent": report.sent,
        "failed": report.failed,
        "pending": report.pending,
        "cancelled": report.cancelled,
        "unknown": report.unknown,
        "queued": report.queued,
        "dry_run": report.dry_run,
    }


def cmd_reminders_send(shop, args, _) -> int:
    from olga_loyalty.cli import emit_json
    from olga_loyalty.services import reminders

    t = args.t
    report = reminders.send(shop, dry_run=args.dry_run)
    if args.json:
        data = send_report_json(report)
        if report.dry_run:
            data["would_send"] = [_item_json(i) for i in report.would_send]
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
        print(f"error: {report.error.render(t.gettext)}", file=sys.stderr)
        return report.error.exit_code
    return 0


def _unknown_note(count: int, t) -> str:
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


def cmd_reminders_test(shop, args, _) -> int:
    from olga_loyalty.cli import emit_json
    from olga_loyalty.services import reminders

    answer = reminders.send_test(shop, args.address)
    if args.json:
        emit_json({"address": args.address.strip(), "answer": answer})
    else:
        print(
            args.t(
                "The mail server accepted the test mail to {address}: {answer}",
                address=args.address.strip(),
                answer=answer,
            )
        )
    return 0


def cmd_reminders_list(shop, args, _) -> int:
    from olga_loyalty.cli import emit_json
    from olga_loyalty.services import reminders

    items = reminders.history(shop, status=args.status)
    if args.json:
        emit_json([_item_json(i) for i in items])
        return 0
    t = args.t
    for item in items:
        when = item.sent_at or item.attempted_at or item.queued_at
        status = t(STATUS_LABELS[item.status])
        why = t(REASON_LABELS[item.reason]) if item.reason in REASON_LABELS else ""
        answer = _printable(item.server_answer, 80)
        extra = " · ".join(x for x in (why, answer) if x)
        print(f"{t.datetime(when):<17}{_item_line(item, t)}")
        print(f"{'':<25}{status}{' · ' + extra if extra else ''}")
    return 0


def cmd_reminders_retry(shop, args, _) -> int:
    from olga_loyalty.services import reminders

    row = reminders.retry(shop, args.mail)
    print(args.t("Mail #{id} will be sent again with the next send.", id=row.id))
    return 0


def cmd_reminders_mark_sent(shop, args, _) -> int:
    from olga_loyalty.services import reminders

    row = reminders.mark_sent(shop, args.mail)
    print(args.t("Mail #{id} is marked as sent.", id=row.id))
    return 0


def cmd_reminders_password(shop, args, _) -> int:
    from olga_loyalty.cli import protected
    from olga_loyalty.services import mail, reminders

    account = reminders.mail_settings()
    if args.remove:
        protected(
            shop, args, "settings", mail.store_password, account, None, detail="mail password"
        )
        print(args.t("The mail password is removed from the system keyring."))
        return 0
    if sys.stdin.isatty():
        import getpass

        secret = getpass.getpass(args.t("Password of the mail account: "))
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    protected(shop, args, "settings", mail.store_password, account, secret, detail="mail password")
    print(args.t("The mail password is kept in the system keyring."))
    return 0


REMINDER_COMMANDS: dict[tuple[str, str | None], Callable] = {
    ("reminders", "preview"): cmd_reminders_preview,
    ("reminders", "send"): cmd_reminders_send,
    ("reminders", "test"): cmd_reminders_test,
    ("reminders", "list"): cmd_reminders_list,
    ("reminders", "retry"): cmd_reminders_retry,
    ("reminders", "mark-sent"): cmd_reminders_mark_sent,
    ("reminders", "password"): cmd_reminders_password,
}


# -- what `daily` says about reminders ------------------------------------------------


def daily_reminders_json(result, t) -> dict:
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


def print_daily_reminders(result, t) -> None:
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
