"""The file commands (SPEC §9): `export newsletter|customer|consent-form`, `import
customers|unsubscribes`, `backup` and `restore`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from olga_loyalty.cli.context import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Parser,
    add_customer_words,
    given_pin,
    progress_line,
    protected,
)
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.domain.errors import Refused
from olga_loyalty.i18n import N_, Translator
from olga_loyalty.services import customers, gdpr, imports, newsletter, safety
from olga_loyalty.services.labels import BACKUP_REASON_NAMES


def add_export(sub: Any) -> None:
    export = sub.add_parser("export", help="write Excel files: newsletter lists, a customer's data")
    esub = export.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    news = esub.add_parser("newsletter", help="contacts with marketing consent for a mailing tool")
    news.set_defaults(handler=cmd_export_newsletter)
    news.add_argument("--channel", required=True, choices=["email", "sms"])
    news.add_argument(
        "--segment",
        default="all",
        help="all, birthday:MONTH, expiring:DAYS, lapsed:DAYS, tier:NAME, top:PERCENT",
    )
    news.add_argument(
        "--preset",
        default="generic",
        choices=["generic", "brevo", "mailchimp", "cleverreach", "rapidmail"],
        help="the mailing tool the file is for (its column names, its format)",
    )
    news.add_argument(
        "--format",
        choices=["xlsx", "csv", "csv-excel"],
        dest="file_format",
        help="xlsx; csv to upload; csv-excel to open in Excel (default: what the tool takes: "
        "xlsx for generic and brevo, csv for mailchimp (always), cleverreach and rapidmail)",
    )
    news.add_argument(
        "--out",
        metavar="PATH",
        help="file to write (default: the exports folder, with a name that says what it is)",
    )
    news.add_argument("--json", action="store_true")
    one = esub.add_parser("customer", help="everything stored about one customer (GDPR Art. 15/20)")
    one.set_defaults(handler=cmd_export_customer)
    add_customer_words(one)
    one.add_argument("--json", action="store_true")
    form = esub.add_parser("consent-form", help="a printable consent form, for a customer or blank")
    form.set_defaults(handler=cmd_export_consent_form)
    add_customer_words(form, nargs="*")
    form.add_argument("--json", action="store_true")


def add_import(sub: Any) -> None:
    imp = sub.add_parser("import", help="read customer lists and unsubscribe lists (.xlsx or .csv)")
    isub = imp.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    icust = isub.add_parser("customers", help="import a customer list (all good rows or nothing)")
    icust.set_defaults(handler=cmd_import_customers)
    icust.add_argument("file", metavar="FILE")
    icust.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    icust.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COL=FIELD",
        help="map a column (header, letter or number) to a field",
    )
    icust.add_argument(
        "--consented-on-paper",
        metavar="YYYY-MM-DD",
        help="every customer in the file signed the consent form on paper on this day "
        "(needed when the file has no consent column)",
    )
    icust.add_argument("--staff", default="")
    icust.add_argument("--json", action="store_true")
    iuns = isub.add_parser(
        "unsubscribes", help="withdraw marketing consent for every listed contact"
    )
    iuns.set_defaults(handler=cmd_import_unsubscribes)
    iuns.add_argument("file", metavar="FILE")
    iuns.add_argument("--staff", default="")
    iuns.add_argument("--json", action="store_true")


def add_backup(sub: Any) -> None:
    bak = sub.add_parser("backup", help="back up the database now (into the backups folder)")
    bak.set_defaults(handler=cmd_backup)
    bak.add_argument("--list", action="store_true", help="list the backups instead")
    bak.add_argument("--json", action="store_true")


def add_restore(sub: Any) -> None:
    res = sub.add_parser("restore", help="replace the database with a backup (after backing it up)")
    res.set_defaults(handler=cmd_restore)
    res.add_argument("file", metavar="FILE")
    res.add_argument(
        "--other-shop",
        action="store_true",
        help="the backup is another shop's: restore it all the same (after the warning)",
    )


def run_import(
    ctx: Context, args: argparse.Namespace, source: imports.ImportReport | Path
) -> imports.ImportResult:
    """The one way the command line writes an import: the owner PIN (`--pin`, else asked on a
    terminal), the rows counted on a terminal's stderr, and `imports.run`, which checks the
    PIN, backs the database up, writes all good rows or none and the audit entry."""
    pin = given_pin(ctx)  # asked before the progress line starts
    with progress_line(ctx, args, N_("Importing"), at_once=False) as shown:  # the PIN first
        return imports.run(ctx.shop, source, staff=args.staff, pin=pin, progress=shown)


def cmd_export_newsletter(ctx: Context, args: argparse.Namespace) -> int:
    newsletter.check_choice(args.channel, args.preset, args.file_format)  # before the PIN prompt
    result = protected(
        ctx,
        args,
        "export",
        newsletter.export,
        ctx.shop,
        args.channel,
        args.segment,
        preset=args.preset,
        file_format=args.file_format,
        out=Path(args.out).expanduser().absolute() if args.out else None,
        detail=lambda r: f"newsletter {args.channel} {args.segment}: {r.written}",
    )
    if args.json:
        emit_json(fields_of(result, "path", "written", "left_out"))
        return 0
    t = ctx.t
    print(
        t.ngettext(
            "Wrote {count} customer to {path}.",
            "Wrote {count} customers to {path}.",
            result.written,
            count=t.number(result.written),
            path=result.path,
        )
    )
    if result.left_out:
        reasons = ", ".join(f"{t(reason)}: {n}" for reason, n in sorted(result.left_out.items()))
        print(t("Left out: {reasons}.", reasons=reasons))
    return 0


def cmd_export_customer(ctx: Context, args: argparse.Namespace) -> int:
    cid = customers.resolve(ctx.shop, args.customer).id
    path = protected(
        ctx,
        args,
        "export",
        gdpr.access_export,
        ctx.shop,
        cid,
        detail=f"customer #{cid}",
        customer_id=cid,
    )
    if args.json:
        emit_json({"path": path})
    else:
        print(ctx.t("Wrote everything stored about the customer to {path}.", path=path))
    return 0


def cmd_export_consent_form(ctx: Context, args: argparse.Namespace) -> int:
    if args.customer in (None, ""):
        path = gdpr.consent_form(ctx.shop, None)  # the blank form: no personal data, free
    else:
        # filled in with her data: a protected export with its audit entry
        cid = customers.resolve(ctx.shop, args.customer).id
        path = protected(
            ctx,
            args,
            "export",
            gdpr.consent_form,
            ctx.shop,
            cid,
            detail=f"consent form, customer #{cid}",
            customer_id=cid,
        )
    if args.json:
        emit_json({"path": path})
    else:
        print(ctx.t("Wrote the consent form to {path}.", path=path))
    return 0


def import_report_json(report: imports.ImportReport, t: Translator) -> dict[str, Any]:
    return {
        "file": report.file,
        "encoding": report.encoding,
        "separator": {";": "semicolon", ",": "comma", "\t": "tab"}.get(report.separator or ""),
        "mapping": report.mapping_text(),
        "rows": report.total,
        "empty_rows": report.empty,
        "cleaned_cells": report.cleaned_cells,
        "good": len(report.good),
        "consented_on_paper": report.consented_on,
        "lacking_consent": report.lacking_consent,
        "refused": [{"row": n, "reason": e.render(t.gettext)} for n, e in report.refused],
        "notes": [{"row": n, "note": e.render(t.gettext)} for n, e in report.notes],
        "imported": report.imported,
        "completed": completed_json(report.completed),
    }


def completed_json(completed: list[imports.Completed]) -> list[dict[str, Any]]:
    """The imports a crash had interrupted, finished first (`imports.finish_interrupted`)."""
    return [fields_of(c, "kind", "file", "written", "in_all") for c in completed]


def cleaned_cells_text(t: Translator, count: int) -> str:
    return t.ngettext(
        "{count} cell held invisible control characters; they were removed.",
        "{count} cells held invisible control characters; they were removed.",
        count,
        count=t.number(count),
    )


def cmd_import_customers(ctx: Context, args: argparse.Namespace) -> int:
    t = ctx.t
    with progress_line(ctx, args, N_("Checking the rows")) as shown:
        report = imports.check(
            ctx.shop, Path(args.file), args.map, shown, consented_on=args.consented_on_paper
        )
    if not args.dry_run and report.good:
        run_import(ctx, args, report)
    if args.json:
        emit_json(import_report_json(report, t))
        return import_exit_code(t, report, dry_run=args.dry_run)
    for completed in report.completed:
        print(completed.text(t))
    mapping = ", ".join(f"{column} → {name}" for column, name in report.mapping_text().items())
    print(report.file_text(t))
    print(t("Columns: {mapping}", mapping=mapping))
    for number, error in report.refused:
        print(t("Row {row} refused: {reason}", row=number, reason=error.render(t.gettext)))
    for number, note in report.notes:
        print(t("Row {row}: {note}", row=number, note=note.render(t.gettext)))
    if report.cleaned_cells:
        print(cleaned_cells_text(t, report.cleaned_cells))
    if report.lacking_consent:
        print(
            t.ngettext(
                "{count} row lacks proof of consent to data processing: map the file's consent "
                "column (--map COLUMN=consent_data), or give --consented-on-paper YYYY-MM-DD "
                "if every customer in it signed the consent form on paper.",
                "{count} rows lack proof of consent to data processing: map the file's consent "
                "column (--map COLUMN=consent_data), or give --consented-on-paper YYYY-MM-DD "
                "if every customer in it signed the consent form on paper.",
                report.lacking_consent,
                count=t.number(report.lacking_consent),
            )
        )
    if args.dry_run:
        print(
            t.ngettext(
                "Dry run: {good} of {rows} row can be imported, {refused} refused. Nothing was written.",
                "Dry run: {good} of {rows} rows can be imported, {refused} refused. Nothing was written.",
                report.total,
                good=t.number(len(report.good)),
                rows=t.number(report.total),
                refused=t.number(len(report.refused)),
            )
        )
    else:
        print(
            t.ngettext(
                "Imported {good} of {rows} row; {refused} refused.",
                "Imported {good} of {rows} rows; {refused} refused.",
                report.total,
                good=t.number(report.imported),
                rows=t.number(report.total),
                refused=t.number(len(report.refused)),
            )
        )
    return import_exit_code(t, report, dry_run=args.dry_run)


def import_exit_code(t: Translator, report: imports.ImportReport, *, dry_run: bool) -> int:
    """0 when rows were imported (a dry run: can be), or the file has none; 1 when it has
    rows and every one was refused, at the check or at the write: the report is printed all
    the same, and stderr says why the exit is 1 (docs/exports.md, "Exit codes")."""
    if not report.total or (len(report.good) if dry_run else report.imported):
        return EXIT_OK
    print(
        "error: "
        + (
            t("Nothing can be imported: every row would be refused.")
            if dry_run
            else t("Nothing was imported: every row was refused.")
        ),
        file=sys.stderr,
    )
    return EXIT_REFUSED


def cmd_import_unsubscribes(ctx: Context, args: argparse.Namespace) -> int:
    report = run_import(ctx, args, Path(args.file)).unsubscribes
    assert report is not None  # an unsubscribe list gives its counts
    if args.json:
        emit_json(
            fields_of(report, "file", "contacts", "matched", "unmatched")
            | {"consents_withdrawn": report.withdrawn}
            | {"completed": completed_json(report.completed)}
        )
    else:
        for completed in report.completed:
            print(completed.text(ctx.t))
        print(report.summary(ctx.t))
    return 0


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    if args.list:
        found = safety.list_backups(ctx.shop)
        if args.json:
            emit_json([fields_of(b, "path", "taken_at", "reason", "size") for b in found])
        else:
            for b in found:
                print(
                    f"{ctx.t.datetime(b.taken_at):<17} {ctx.t(BACKUP_REASON_NAMES.get(b.reason, b.reason)):<14}"
                    f" {ctx.t.size(b.size):>10}  {b.path}"
                )
        return 0
    path = safety.backup(ctx.shop, "manual")
    if path is None:
        raise Refused(
            "Backups here are of the SQLite database; back up PostgreSQL with its own tools."
        )
    if args.json:
        emit_json({"path": path})
    else:
        print(ctx.t("Backup written to {path}.", path=path))
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    file = Path(args.file).expanduser().absolute()
    result = protected(
        ctx,
        args,
        "restore",
        safety.restore,
        ctx.shop,
        file,
        staff="",
        other_shop=args.other_shop,
    )
    warning = result.check.warning
    if warning is not None:
        print(f"warning: {warning.render(ctx.t.gettext)}", file=sys.stderr)
    print(
        ctx.t(
            "Restored {file}. The database as it was before is in {backup}.",
            file=str(file),
            backup=result.safety_copy,
        )
    )
    return 0
