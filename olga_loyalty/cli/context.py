"""What every command of the command line shares: the parser class that reports mistakes in
words, the context a handler works in (`Context`), the owner PIN and the one way into a
protected action, and the rules for numbers typed as arguments."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from olga_loyalty import paths
from olga_loyalty.domain.adjustments import VALIDITY_DAYS
from olga_loyalty.domain.errors import Count, InvalidInput
from olga_loyalty.domain.money import parse_points
from olga_loyalty.domain.text import is_digits
from olga_loyalty.i18n import N_, Translator
from olga_loyalty.services.shop import Shop

if TYPE_CHECKING:
    from olga_loyalty.services import safety

T = TypeVar("T")

#: The exit codes: success; a refused action (not found, not enough points, database busy,
#: an unexpected problem); invalid input. A `LoyaltyError` carries its own (`exit_code`).
EXIT_OK, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2


class UsageError(Exception):
    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message, self.prog = message, prog

    def render(self, t: Translator) -> str:
        return t("{message} (see '{prog} --help')", message=self.message, prog=self.prog)


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes as `error: ...` with exit code 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


@dataclass(frozen=True)
class Where:
    """What `paths` and `shortcut` work with: they never open the database."""

    t: Translator
    locations: paths.Locations


@dataclass(frozen=True)
class Context:
    """What every other command works with: the open shop, its language, the `--pin` given."""

    t: Translator
    shop: Shop
    pin: str | None


#: A command's handler: it prints what it did and returns the exit code (errors are raised).
Handler = Callable[[Context, argparse.Namespace], int]
#: The handler of `paths` or `shortcut`, which never open the database.
WhereHandler = Callable[[Where, argparse.Namespace], int]

#: A command whose only positional argument is the customer takes a phone typed with spaces
#: and no quotes (`show 0157 11122233`): its words are joined again (`joined_customer`).
CUSTOMER_HELP = N_("customer number, phone (spaces allowed without quotes) or its last 4+ digits")


def add_customer_words(parser: argparse.ArgumentParser, nargs: str = "+") -> None:
    parser.add_argument("customer", metavar="PHONE_OR_ID", nargs=nargs, help=CUSTOMER_HELP)


def joined_customer(args: argparse.Namespace) -> None:
    """`show 0157 11122233` → the customer "0157 11122233"; no words (consent-form) → None."""
    value = getattr(args, "customer", None)
    if isinstance(value, list):
        args.customer = " ".join(value) or None


def given_pin(ctx: Context) -> safety.Pin:
    """The owner PIN for a protected action (SPEC §10): `--pin`, or asked on a terminal."""
    # safety (the erasure journal, the backups) is imported where it is used: a start of
    # the UI reads this module, and the screen does not need it before its first paint
    from olga_loyalty.services import safety

    pin = ctx.pin
    if pin is None and safety.pin_is_set() and sys.stdin.isatty():
        safety.refuse_if_locked()  # not a prompt whose answer cannot be taken
        try:
            pin = getpass.getpass(ctx.t("Owner PIN: "))
        except KeyboardInterrupt:
            print(file=sys.stderr)  # the error on a line of its own, not after the prompt
            raise
    return safety.prepare_pin(pin)


def protected(
    ctx: Context,
    args: argparse.Namespace,
    action: str,
    work: Callable[..., T],
    *work_args: Any,
    detail: str | Callable[[T], str] = "",
    customer_id: int | Callable[[T], int | None] | None = None,
    **work_kwargs: Any,
) -> T:
    """A protected action through the one entry point the screens use too: the PIN check,
    the action and its audit entry commit together (services.safety.run_protected). An
    action on one customer passes `customer_id` (or a function of the result giving it);
    the staff name of the audit entry is the command's `--staff`."""
    from olga_loyalty.services import safety

    result = safety.run_protected(
        ctx.shop,
        action,
        given_pin(ctx),
        work,
        *work_args,
        by=getattr(args, "staff", "") or "",
        detail=detail,
        customer_id=customer_id,
        **work_kwargs,
    )
    if safety.pin_needs_change():
        print(
            "note: "
            + ctx.t(
                "The owner PIN was set under the old rules (4 digits were enough). Please "
                "choose a new one of at least 6 digits or a passphrase: olga-loyalty settings pin"
            ),
            file=sys.stderr,
        )
    return result


def whole_number(text: str, field: str, lo: int, hi: int) -> int:
    """A number typed as an argument, `lo` to `hi`, the error naming the field."""
    if field == "points":
        value = parse_points(text, field=field)
    else:
        # a count of months, days or customers: the points wording (and the points' own
        # limit) would be wrong
        digits = text.strip()
        if not is_digits(digits):
            raise InvalidInput(
                "{name} must be a whole number from {lo} to {hi}, not '{text}'.",
                field=field,
                name=field,
                lo=Count(lo),
                hi=Count(hi),
                text=text[:20],
            )
        value = int(digits)
    if not lo <= value <= hi:
        raise InvalidInput(
            "{name} must be between {lo} and {hi}.",
            field=field,
            name=field,
            lo=Count(lo),
            hi=Count(hi),
        )
    return value


def valid_days(args: argparse.Namespace) -> int | None:
    """`--valid-days DAYS` of an award (1 to 3650), or None for the programme's validity."""
    if not args.valid_days:
        return None
    return whole_number(args.valid_days, "valid_days", *VALIDITY_DAYS)


def shows_progress(args: argparse.Namespace) -> bool:
    """A long job counts on stderr only for a person at a terminal, never into --json."""
    return not args.json and sys.stderr.isatty()


@contextmanager
def progress_line(
    ctx: Context, args: argparse.Namespace, label: str, *, at_once: bool = True
) -> Iterator[Callable[[int, int], None] | None]:
    """A step of a long job on a terminal's stderr, named and in percent (`Checking the
    rows: 45 %`): shown at 0 % at once (`at_once`; not where a refusal can come first, such
    as the PIN), each percentage once, and ended at 100 % when the step is done. None where
    nothing is shown (`shows_progress`). A step that fails ends its line where it stopped,
    so that the error starts a line of its own. Each step counts to its own 100 %: the
    import's writing counts its staging and its batches together."""
    if not shows_progress(args):
        yield None
        return
    t = ctx.t
    name = t(label)
    shown = [""]  # the percentage on the line

    def show(done: int, total: int) -> None:
        share = Decimal(min(done, total)) / Decimal(max(total, 1))
        percent = t.whole_percent(share)
        if percent != shown[0]:
            print(f"\r{name}: {percent}", end="", file=sys.stderr, flush=True)
            shown[0] = percent

    if at_once:
        show(0, 1)  # reading a big file comes before the first count
    try:
        yield show
    except BaseException:
        print(file=sys.stderr)
        raise
    show(1, 1)
    print(file=sys.stderr, flush=True)
