"""The command line (SPEC §9): parses, calls services, prints. No rules here.

`main` parses the arguments, opens the shop and hands it to the command's handler
(`handler(ctx, args)`, registered next to its parser in the module of its group: customers,
points, report, feedback, files, reminders, admin). The handler prints and returns the exit
code; every error is raised and worded here.

Exit codes: 0 success; 2 invalid input; 1 a refused action (not found, not enough
points, database busy). Errors go to stderr as one line starting with `error:`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from olga_loyalty import __version__, logs, paths
from olga_loyalty.cli.argparse_texts import argparse_in, chosen_language, translate_help
from olga_loyalty.cli.context import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Handler,
    Parser,
    UsageError,
    Where,
    WhereHandler,
    joined_customer,
)
from olga_loyalty.config import Clock, clock_from_env, system_language
from olga_loyalty.domain.errors import LoyaltyError, Refused, StorageError
from olga_loyalty.domain.text import shorten
from olga_loyalty.files import folder_problem
from olga_loyalty.i18n import Translator
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import refuse_foreign_file

__all__ = ["CREATES_DATABASE", "build_parser", "main", "prepare_database_file"]


def _add_options(parser: Parser) -> Parser:
    """The options every command and the UI take."""
    parser.add_argument(
        "--db",
        help="database path or URL (env OLGA_LOYALTY_DB; default: see 'olga-loyalty paths')",
    )
    parser.add_argument("--lang", choices=["de", "en"], help="language of messages")
    parser.add_argument("--pin", help="the owner PIN, for protected actions (else asked for)")
    parser.add_argument("--version", action="version", version=f"olga-loyalty {__version__}")
    return parser


def _ui_start(argv: list[str]) -> argparse.Namespace | None:
    """The options of a start of the UI (no command), read without the commands' modules
    and the services they load, which the screen does not need before its first paint
    (start-up speed, docs/benchmarks.md). None when `argv` is anything else (a command,
    --help, a mistake): the whole parser reads it and words any error."""
    parser = _add_options(Parser(prog="olga-loyalty", add_help=False))
    parser.set_defaults(command=None)
    try:
        return parser.parse_args(argv)
    except UsageError:
        return None


def build_parser() -> Parser:
    # the commands' modules: not imported with this package, so that a start of the UI
    # does not load them (`_ui_start`)
    from olga_loyalty.cli import admin, card, customers, feedback, files, points, reminders, report

    parser = _add_options(
        Parser(
            prog="olga-loyalty",
            description="Olga Loyalty: customers, consent and bonus points for a small shop. "
            "Without a command it starts the terminal UI.",
        )
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    # in the order `--help` lists them
    customers.add_customer(sub)
    customers.add_find(sub)
    card.add_show(sub)
    customers.add_consent(sub)
    points.add_purchase(sub)
    report.add_report(sub)
    feedback.add_feedback(sub)
    points.add_bonus(sub)
    points.add_refund(sub)
    points.add_adjust(sub)
    customers.add_erase(sub)
    files.add_export(sub)
    files.add_import(sub)
    points.add_daily(sub)
    reminders.add_reminders(sub)
    admin.add_settings(sub)
    files.add_backup(sub)
    files.add_restore(sub)
    admin.add_move_to(sub)
    admin.add_demo(sub)
    admin.add_paths(sub)
    admin.add_shortcut(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: a command's output is written visibly (`output.VisibleStream`);
    the screen gets the terminal as it is."""
    from olga_loyalty.cli.output import VisibleStream

    raw = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (None if s is None else VisibleStream(s) for s in raw)
    try:
        return _main(argv, raw)
    finally:
        sys.stdout, sys.stderr = raw


@contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """A command stopped with SIGTERM (`kill`, a shutdown) ends as Ctrl+C does: what it was
    writing is rolled back or, for a decided import, left to be finished, and it says so in
    words. It died without a word, the progress line left open. Only where signals can be
    set (the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _main(argv: Sequence[str] | None, raw: tuple) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    language = system_language()
    chosen = chosen_language(argv)
    if chosen in ("de", "en"):
        language = chosen  # argparse's own words too
    t = Translator(language)
    command = "olga-loyalty"
    try:
        with argparse_in(t):
            args = _ui_start(argv)
            if args is None:
                parser = build_parser()
                translate_help(parser, t)
                args = parser.parse_args(argv)
        joined_customer(args)
        command = " ".join(filter(None, [args.command or "ui", getattr(args, "action", None)]))
        language = args.lang or language
        t = Translator(language)
        locations = paths.resolve(args.db)
        logs.setup(locations.logs)
        if not getattr(args, "opens_shop", True):  # paths, shortcut
            where_handler: WhereHandler = args.handler
            return where_handler(Where(t, locations), args)
        clock = clock_from_env()
        if args.command is None:
            require_terminal()
        prepare_database_file(locations, may_create_database(args))
        if args.command is None:
            sys.stdout, sys.stderr = raw
            return run_ui(locations.database, clock, args.lang)
        handler: Handler = args.handler
        shop = open_shop(locations.database, clock)
        try:
            if not args.lang:
                t = Translator(
                    shop.settings.language if shop.settings.setup_done else language,
                    shop.settings.currency,
                )
            else:
                t = Translator(args.lang, shop.settings.currency)
            with stopped_like_ctrl_c():
                return handler(Context(t, shop, args.pin), args)
        finally:
            shop.close()
    except UsageError as exc:
        print(f"error: {shorten(' '.join(exc.render(t).split()), 300)}", file=sys.stderr)
        return EXIT_INVALID
    except SystemExit as exc:  # --help and --version: printed, then argparse exits
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except LoyaltyError as exc:
        print(f"error: {exc.render(t.gettext)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: " + t("interrupted; nothing more was saved."), file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: never a traceback for a user
        logs.unexpected(exc, command)
        print(
            "error: "
            + (
                logs.unexpected_message(t)
                or t(
                    "an unexpected problem occurred: {problem}",
                    problem=f"{type(exc).__name__}: {exc}",
                )
            ),
            file=sys.stderr,
        )
        return EXIT_REFUSED


#: The commands that can start a shop: only these create a database file that does not exist
#: yet (the UI's first start, the first customer, an import of customers, the demo, the first
#: setting, PIN or consent text, a restore onto a new PC). Every other command refuses a
#: missing file and creates nothing, not even its folder: a mistyped --db must not leave an
#: empty shop behind (before: `--db /tmp/typo/shop.db erase 1 --yes` said "No customer found"
#: and made shop.db). A new command that can start a shop belongs here.
CREATES_DATABASE = {
    (None, None),  # the UI
    ("customer", "add"),
    ("import", "customers"),
    ("demo", None),
    ("settings", "set"),
    ("settings", "pin"),
    ("settings", "consent-text"),
    ("restore", None),
}


def may_create_database(args: argparse.Namespace) -> bool:
    if getattr(args, "dry_run", False):  # import customers --dry-run reads only
        return False
    return (args.command, getattr(args, "action", None)) in CREATES_DATABASE


def prepare_database_file(locations: paths.Locations, may_create: bool) -> None:
    """Only a command that can start a shop may find no database (a mistyped --db, a start
    from another folder must not make an empty one); its first start makes the default
    database's folder."""
    file = locations.database_file
    if file is None:
        return
    missing = Refused(
        "no database at {path}; nothing was created. Check --db or OLGA_LOYALTY_DB "
        "('olga-loyalty paths' shows where the data is).",
        path=str(file),
    )
    if file.is_file():
        # another program's file is refused for every command; an empty one (0 bytes, or
        # SQLite with nothing in it) is no shop yet: only a command that can start one
        # makes it one, every other leaves it byte for byte as it was
        if refuse_foreign_file(file) or may_create:
            return
        raise missing
    if file.exists():
        return  # not a file: opening it says what it is
    if not may_create:
        raise missing
    if locations.is_default:
        try:
            file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:  # a link to nowhere, a file in the way: said in words
            raise StorageError(
                "The folder {folder} cannot be used: {reason}.",
                folder=str(file.parent),
                reason=folder_problem(file.parent, exc),
            ) from None


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal the screen has no keys to read and nothing to show.
        raise Refused(
            "The screen needs a terminal; give a command instead (see 'olga-loyalty --help')."
        )


def run_ui(location: str, clock: Clock, language: str | None) -> int:
    try:
        # loaded only to start the screen: Textual and every screen would slow each command
        from olga_loyalty.ui.app import run
    except ImportError:
        build_parser().print_help()
        return 0
    return run(location, clock, language)
