"""The command line (SPEC §9): parses, calls services, prints. No rules here.

Exit codes: 0 success; 2 invalid input; 1 a refused action (not found, not enough
points, database busy). Errors go to stderr as one line starting with `error:`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from olga_loyalty import __version__, logs, paths
from olga_loyalty.cli_reminders import (
    REMINDER_COMMANDS,
    add_reminder_commands,
    daily_reminders_json,
    print_daily_reminders,
)
from olga_loyalty.config import clock_from_env, system_language
from olga_loyalty.domain.customers import CustomerInput, phone_for_display
from olga_loyalty.domain.errors import (
    Count,
    InvalidInput,
    LoyaltyError,
    NotFound,
    Refused,
    StorageError,
)
from olga_loyalty.domain.money import money_str, parse_amount, parse_points
from olga_loyalty.domain.text import visible
from olga_loyalty.i18n import N_, Translator


class UsageError(Exception):
    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message, self.prog = message, prog

    def render(self, t: Translator) -> str:
        return t("{message} (see '{prog} --help')", message=self.message, prog=self.prog)


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes as `error: ...` with exit code 2, never a traceback."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message, self.prog)


#: A command whose only positional argument is the customer takes a phone typed with spaces
#: and no quotes (`show 0157 11122233`): its words are joined again (`joined_customer`).
CUSTOMER_HELP = N_("customer number, phone (spaces allowed without quotes) or its last 4+ digits")


def joined_customer(args) -> None:
    """`show 0157 11122233` → the customer "0157 11122233"; no words (consent-form) → None."""
    value = getattr(args, "customer", None)
    if isinstance(value, list):
        args.customer = " ".join(value) or None


def build_parser() -> Parser:
    parser = Parser(
        prog="olga-loyalty",
        description="Olga Loyalty: customers, consent and bonus points for a small shop. "
        "Without a command it starts the terminal UI.",
    )
    parser.add_argument(
        "--db",
        help="database path or URL (env OLGA_LOYALTY_DB; default: see 'olga-loyalty paths')",
    )
    parser.add_argument("--lang", choices=["de", "en"], help="language of messages")
    parser.add_argument("--pin", help="the owner PIN, for protected actions (else asked for)")
    parser.add_argument("--version", action="version", version=f"olga-loyalty {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    customer = sub.add_parser("customer", help="register or edit a customer")
    csub = customer.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    add = csub.add_parser("add", help="register a customer (needs --consent-data)")
    add.add_argument("--first-name", required=True)
    add.add_argument("--last-name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--email")
    add.add_argument("--salutation", help="Frau, Herr or empty")
    add.add_argument("--birthday", help="1980-12-24, 24.12.1980 or 24.12.80")
    add.add_argument("--notes")
    add.add_argument("--referred-by", metavar="PHONE_OR_ID")
    add.add_argument(
        "--consent-data", action="store_true", help="consent to data processing (required)"
    )
    add.add_argument("--consent-email", action="store_true", help="consent to newsletters by email")
    add.add_argument("--consent-sms", action="store_true", help="consent to SMS and messengers")
    add.add_argument(
        "--consent-method", default="paper_signed", choices=["paper_signed", "verbal", "digital"]
    )
    add.add_argument(
        "--language", choices=["de", "en"], help="the customer's language for newsletters"
    )
    add.add_argument("--staff", default="")
    add.add_argument("--json", action="store_true")
    edit = csub.add_parser("edit", help="change a customer's fields (kept in the change history)")
    edit.add_argument("customer", metavar="PHONE_OR_ID", nargs="+", help=CUSTOMER_HELP)
    for name in ("first-name", "last-name", "phone", "email", "salutation", "birthday", "notes"):
        edit.add_argument(f"--{name}")
    edit.add_argument("--staff", default="")
    edit.add_argument("--json", action="store_true")

    find = sub.add_parser("find", help="find customers by phone, phone ending, name or email")
    find.add_argument("query", metavar="QUERY")
    find.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="a customer's card: balance, tier, expiring points, history")
    show.add_argument("customer", metavar="PHONE_OR_ID", nargs="+", help=CUSTOMER_HELP)
    show.add_argument("--json", action="store_true")

    consent = sub.add_parser("consent", help="give or withdraw a consent")
    consent.add_argument("action", choices=["give", "withdraw"])
    consent.add_argument("customer", metavar="PHONE_OR_ID")
    consent.add_argument("purpose", choices=["data_processing", "email", "sms"])
    consent.add_argument("--method", choices=["paper_signed", "verbal", "digital"])
    consent.add_argument("--staff", default="")
    consent.add_argument(
        "--yes",
        action="store_true",
        help="confirm that withdrawing data_processing erases the customer",
    )
    consent.add_argument("--json", action="store_true")

    purchase = sub.add_parser("purchase", help="record a purchase, optionally redeeming points")
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

    report = sub.add_parser("report", help="members, revenue, loyalty and points by month")
    report.add_argument("--months", default="12", metavar="N", help="how many months (12)")
    report.add_argument("--until", default=None, metavar="YYYY-MM", help="the last month")
    report.add_argument("--json", action="store_true")

    feedback = sub.add_parser("feedback", help="feedback, follow-ups and apology bonuses")
    fsub = feedback.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    fadd = fsub.add_parser("add", help="record praise, a wish, a complaint or a call to make")
    fadd.add_argument("customer", metavar="PHONE_OR_ID", nargs="+", help=CUSTOMER_HELP)
    fadd.add_argument("--kind", required=True, help="praise, wish, complaint or call")
    fadd.add_argument("--note", default="")
    fadd.add_argument("--follow-up", default=None, metavar="DAYS_OR_DATE")
    fadd.add_argument("--staff", default="")
    fadd.add_argument("--json", action="store_true")
    fdue = fsub.add_parser("due", help="the follow-ups due today (and overdue ones)")
    fdue.add_argument("--json", action="store_true")
    fdone = fsub.add_parser("done", help="mark a follow-up done, with its outcome")
    fdone.add_argument("feedback", metavar="FEEDBACK_ID")
    fdone.add_argument("--outcome", required=True)
    fdone.add_argument("--staff", default="")
    fsorry = fsub.add_parser("apologise", help="answer a complaint with an apology bonus")
    fsorry.add_argument("feedback", metavar="FEEDBACK_ID")
    fsorry.add_argument("--points", required=True)
    fsorry.add_argument("--valid-days", default=None, metavar="DAYS")
    fsorry.add_argument("--staff", default="")

    bonus = sub.add_parser(
        "bonus", help="award points to every customer of a segment (with a preview first)"
    )
    bonus.add_argument("segment", metavar="SEGMENT", help="all, tier:Gold, lapsed:90, ...")
    bonus.add_argument("points", metavar="POINTS")
    bonus.add_argument("--reason", required=True)
    bonus.add_argument("--valid-days", default=None, metavar="DAYS")
    bonus.add_argument("--dry-run", action="store_true", help="only say whom and how much")
    bonus.add_argument("--staff", default="")
    bonus.add_argument("--json", action="store_true")

    refund = sub.add_parser("refund", help="refund a purchase, whole or in part")
    refund.add_argument("purchase", metavar="PURCHASE_ID")
    refund.add_argument(
        "amount",
        metavar="AMOUNT",
        nargs="?",
        help="part of the purchase amount; default all that is left",
    )
    refund.add_argument("--staff", default="")
    refund.add_argument("--json", action="store_true")

    adjust = sub.add_parser("adjust", help="add or take points by hand, with a reason")
    adjust.add_argument("customer", metavar="PHONE_OR_ID")
    adjust.add_argument("points", metavar="POINTS", help="+50 or -50")
    adjust.add_argument("--reason", required=True)
    adjust.add_argument("--valid-days", metavar="DAYS", help="validity of added points")
    adjust.add_argument("--staff", default="")
    adjust.add_argument("--json", action="store_true")

    erase = sub.add_parser("erase", help="erase a customer's personal data for good (GDPR Art. 17)")
    erase.add_argument("customer", metavar="PHONE_OR_ID", nargs="+", help=CUSTOMER_HELP)
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.add_argument("--staff", default="")
    erase.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="write Excel files: newsletter lists, a customer's data")
    esub = export.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    news = esub.add_parser("newsletter", help="contacts with marketing consent for a mailing tool")
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
    one.add_argument("customer", metavar="PHONE_OR_ID", nargs="+", help=CUSTOMER_HELP)
    one.add_argument("--json", action="store_true")
    form = esub.add_parser("consent-form", help="a printable consent form, for a customer or blank")
    form.add_argument("customer", metavar="PHONE_OR_ID", nargs="*", help=CUSTOMER_HELP)
    form.add_argument("--json", action="store_true")

    imp = sub.add_parser("import", help="read customer lists and unsubscribe lists (.xlsx or .csv)")
    isub = imp.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    icust = isub.add_parser("customers", help="import a customer list (all good rows or nothing)")
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
    iuns.add_argument("file", metavar="FILE")
    iuns.add_argument("--staff", default="")
    iuns.add_argument("--json", action="store_true")

    daily = sub.add_parser(
        "daily", help="write expiry entries and give birthday bonuses (idempotent)"
    )
    daily.add_argument("--json", action="store_true")
    add_reminder_commands(sub)

    settings = sub.add_parser("settings", help="show or change the shop and programme settings")
    ssub = settings.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    sshow = ssub.add_parser("show", help="print all settings")
    sshow.add_argument("--json", action="store_true")
    sset = ssub.add_parser("set", help="change one setting, e.g. 'point_value 0.10'")
    sset.add_argument("key", metavar="KEY")
    sset.add_argument("value", metavar="VALUE")
    stext = ssub.add_parser("consent-text", help="a new version of a consent text")
    stext.add_argument("purpose", choices=["data_processing", "email", "sms"])
    stext.add_argument("text", metavar="TEXT")
    spin = ssub.add_parser(
        "pin",
        help="set the owner PIN (6-20 digits, or a passphrase of 12+ characters); "
        "without NEW_PIN: remove it",
    )
    spin.add_argument("new_pin", metavar="NEW_PIN", nargs="?")
    saudit = ssub.add_parser("audit", help="the audit log of protected actions")
    saudit.add_argument("--json", action="store_true")

    bak = sub.add_parser("backup", help="back up the database now (into the backups folder)")
    bak.add_argument("--list", action="store_true", help="list the backups instead")
    bak.add_argument("--json", action="store_true")
    res = sub.add_parser("restore", help="replace the database with a backup (after backing it up)")
    res.add_argument("file", metavar="FILE")
    res.add_argument(
        "--other-shop",
        action="store_true",
        help="the backup is another shop's: restore it all the same (after the warning)",
    )

    move = sub.add_parser(
        "move-to",
        help="copy this shop's SQLite database into an empty PostgreSQL database and check it",
    )
    move.add_argument("target", metavar="POSTGRESQL_URL")
    move.add_argument("--json", action="store_true")

    demo = sub.add_parser(
        "demo", help="fill the database with made-up customers and two years of purchases"
    )
    demo.add_argument("--customers", default="1000", metavar="N")
    demo.add_argument("--seed", default="1", metavar="SEED")
    demo.add_argument("--json", action="store_true")

    where = sub.add_parser(
        "paths", help="where the database, the backups, the exports and the logs are"
    )
    where.add_argument("--json", action="store_true")
    link = sub.add_parser("shortcut", help="put a shortcut that starts Olga Loyalty on the desktop")
    link.add_argument("--folder", metavar="FOLDER", help="another folder than the desktop")
    link.add_argument("--json", action="store_true")
    return parser


# -- output helpers ------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _printable(text: str, limit: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def emit_json(data) -> None:
    print(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def given_pin(shop, args):
    """The owner PIN for a protected action (SPEC §10): `--pin`, or asked on a terminal."""
    from olga_loyalty.services import safety

    pin = args.pin
    if pin is None and safety.pin_is_set() and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass(args.t("Owner PIN: "))
    return safety.prepare_pin(pin)


def protected(
    shop, args, action: str, work: Callable, *work_args, detail="", customer_id=None, **work_kwargs
):
    """A protected action through the one entry point the screens use too: the PIN check,
    the action and its audit entry commit together (services.safety.run_protected). An
    action on one customer passes `customer_id` (or a function of the result giving it)."""
    from olga_loyalty.services import safety

    result = safety.run_protected(
        shop,
        action,
        given_pin(shop, args),
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
            + args.t(
                "The owner PIN was set under the old rules (4 digits were enough). Please "
                "choose a new one of at least 6 digits or a passphrase: olga-loyalty settings pin"
            ),
            file=sys.stderr,
        )
    return result


def _int_arg(text: str, field: str, lo: int, hi: int) -> int:
    if field != "points" and not text.strip().isdigit():
        # a count of months, days or customers: the points wording would be wrong
        raise InvalidInput(
            "{name} must be a whole number from {lo} to {hi}, not '{text}'.",
            field=field,
            name=field,
            lo=Count(lo),
            hi=Count(hi),
            text=text[:20],
        )
    value = parse_points(text, field=field)
    if not lo <= value <= hi:
        raise InvalidInput(
            "{name} must be between {lo} and {hi}.",
            field=field,
            name=field,
            lo=Count(lo),
            hi=Count(hi),
        )
    return value


# -- commands ------------------------------------------------------------------------


def _customer_input(args) -> CustomerInput:
    names = ("first_name", "last_name", "phone", "email", "salutation", "birthday", "notes")
    return CustomerInput(**{name: getattr(args, name) for name in names})


def cmd_customer_add(shop, args, _) -> int:
    from olga_loyalty.services import customers

    consents = {"data_processing"} if args.consent_data else set()
    if args.consent_email:
        consents.add("email")
    if args.consent_sms:
        consents.add("sms")
    result = customers.register(
        shop,
        _customer_input(args),
        consents=consents,
        method=args.consent_method,
        staff=args.staff,
        referred_by=args.referred_by,
        language=args.language,
    )
    if args.staff:
        shop.remember_staff(args.staff)
    c = result.customer
    if args.json:
        emit_json(
            {
                "id": c.id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "phone": c.phone,
                "email": c.email or "",
                "welcome_points": result.welcome_points,
                "welcome_expires_on": result.welcome_expires_on,
                "consents": sorted(consents),
            }
        )
    else:
        _ = args.t
        print(
            _(
                "Registered {name} as customer #{id} ({phone}).",
                name=f"{c.first_name} {c.last_name}",
                id=c.id,
                phone=phone_for_display(c.phone, shop.region),
            )
        )
        if result.welcome_points:
            print(
                _(
                    "Welcome bonus: {points}, valid until {date}.",
                    points=args.t.points(result.welcome_points),
                    date=args.t.date(result.welcome_expires_on),
                )
            )
    return 0


def cmd_customer_edit(shop, args, _) -> int:
    from olga_loyalty.services import customers
    from olga_loyalty.services.labels import FIELD_LABELS

    changed = customers.edit(
        shop,
        args.customer,
        _customer_input(args),
        staff=args.staff,
    )
    if args.json:
        emit_json({"changed": changed})
    else:
        print(
            args.t(
                "Changed: {fields}.",
                fields=", ".join(args.t(FIELD_LABELS.get(name, name)) for name in changed),
            )
            if changed
            else args.t("Nothing changed.")
        )
    return 0


def cmd_find(shop, args, _) -> int:
    from olga_loyalty.services import customers

    hits = customers.find(shop, args.query)
    if args.json:
        emit_json(
            [
                {
                    "id": h.id,
                    "first_name": h.first_name,
                    "last_name": h.last_name,
                    "phone": h.phone,
                    "email": h.email,
                    "tier": h.tier,
                    "balance": h.balance,
                    "balance_value": h.balance_value,
                    "soonest_expiry": h.soonest_expiry,
                    "match": h.match,
                }
                for h in hits
            ]
        )
        return 0 if hits else 1  # nobody found: exit 1 (README), the list still printed
    t = args.t
    if not hits:
        raise NotFound("No customer matches '{query}'.", query=_printable(args.query))
    for h in hits:
        expiry = t("expires {date}", date=t.date(h.soonest_expiry)) if h.soonest_expiry else ""
        name = f"{h.first_name} {h.last_name}"
        print(
            f"#{h.id:<7} {name:<30} {phone_for_display(h.phone, shop.region):<18} "
            f"{h.tier:<8} {h.balance:>7} P  {t.money(h.balance_value):>12}  {expiry}"
        )
    return 0


def card_json(shop, card) -> dict:
    c = card.customer
    return {
        "id": c.id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "salutation": c.salutation,
        "phone": c.phone or "",
        "email": c.email or "",
        "birthday": c.birthday,
        "notes": c.notes,
        "language": c.language,
        "registered_at": c.registered_at,
        "tier": card.tier.name,
        "next_tier": card.next_tier[0].name if card.next_tier else None,
        "to_next_tier": card.next_tier[1] if card.next_tier else None,
        "balance": card.balance,
        "balance_value": card.balance_value,
        "expiring": [{"points": p, "expires_on": d} for p, d in card.expiring],
        "total_spent": card.total_spent,
        "visits": card.visits,
        "last_visit": card.last_visit,
        "consents": {k: v.active for k, v in card.consents.items()},
        "consent_details": {
            k: {
                "active": v.active,
                "given_at": v.given_at,
                "method": v.method,
                "text_version": v.text_version,
                "withdrawn_at": v.withdrawn_at,
            }
            for k, v in card.consents.items()
        },
        "history": [
            {
                "when": h.when,
                "kind": h.kind,
                "points": h.points,
                "amount": h.amount,
                "purchase_id": h.purchase_id,
                "text": h.text,
                # one redemption (expiry, taking back) is one row: the lots it touched
                "lots": [{"points": p, "expires_on": d} for p, d in h.lots],
            }
            for h in card.history
        ],
    }


def cmd_show(shop, args, _) -> int:
    from olga_loyalty.services import customers
    from olga_loyalty.services.gdpr import program_text
    from olga_loyalty.services.labels import HISTORY_LABELS, PURPOSE_LABELS

    card = customers.card(shop, args.customer)
    if args.json:
        emit_json(card_json(shop, card))
        return 0
    t, c = args.t, card.customer
    print(f"#{c.id}  {c.salutation + ' ' if c.salutation else ''}{c.first_name} {c.last_name}")
    print(
        t(
            "Phone: {phone}   Email: {email}",
            phone=phone_for_display(c.phone, shop.region),
            email=c.email or "-",
        )
    )
    if c.birthday:
        print(t("Birthday: {date}", date=t.date(c.birthday)))
    line = t("Tier: {tier}", tier=card.tier.name)
    if card.next_tier:
        line += "  " + t(
            "({amount} more to {tier})",
            amount=t.money(card.next_tier[1]),
            tier=card.next_tier[0].name,
        )
    print(line)
    print(
        t(
            "Balance: {points} = {value}",
            points=t.points(card.balance),
            value=t.money(card.balance_value),
        )
    )
    for points, day in card.expiring:
        print(
            "  "
            + t.ngettext(
                "{points} point expires on {date}",
                "{points} points expire on {date}",
                points,
                points=t.number(points),
                date=t.date(day),
            )
        )
    print(
        t(
            "Visits: {visits}   Spent: {spent}   Last visit: {last}",
            visits=t.number(card.visits),
            spent=t.money(card.total_spent),
            last=t.datetime(card.last_visit) or "-",
        )
    )
    print(t("Consents:"))
    for purpose, state in card.consents.items():
        print(f"  {t(PURPOSE_LABELS[purpose]) + ':':<20}{consent_line(t, state)}")
    if c.notes:
        print(t("Notes: {notes}", notes=c.notes))
    if card.history:
        print(t("History:"))
        width = max(len(t(label)) for label in HISTORY_LABELS.values())
        for h in card.history:
            amount = t.money(h.amount) if h.amount is not None else ""
            points = t.number(h.points) if h.points else ""
            if h.points > 0:
                points = "+" + points
            kind = t(HISTORY_LABELS[h.kind]) if h.kind in HISTORY_LABELS else h.kind
            print(
                f"  {t.datetime(h.when):<17} {kind:<{width}} {points:>7} {amount:>12}  "
                f"{program_text(t, h.text)}"
            )
    return 0


def consent_line(t, state) -> str:
    """One consent in words: given when and how, withdrawn when, or never given."""
    from olga_loyalty.services.labels import METHOD_LABELS

    if state.active:
        return t(
            "yes, since {date} ({method})",
            date=t.date(state.given_at.date()),
            method=t(METHOD_LABELS.get(state.method or "", state.method or "")),
        )
    if state.withdrawn_at:
        return t("no, withdrawn on {date}", date=t.date(state.withdrawn_at.date()))
    return t("no")


def cmd_consent(shop, args, _) -> int:
    from olga_loyalty.services import customers
    from olga_loyalty.services.labels import PURPOSE_LABELS

    if args.action == "give":
        record = customers.give_consent(
            shop,
            args.customer,
            args.purpose,
            method=args.method or "paper_signed",
            staff=args.staff,
        )
    elif args.purpose == "data_processing" and args.yes:
        record = protected(
            shop,
            args,
            "erase",
            customers.withdraw_consent,
            shop,
            args.customer,
            args.purpose,
            method=args.method or "verbal",
            staff=args.staff,
            erase_confirmed=True,
            detail=lambda r: f"customer #{r.customer_id} (consent withdrawn)",
            customer_id=lambda r: r.customer_id,
        )
    else:
        record = customers.withdraw_consent(
            shop,
            args.customer,
            args.purpose,
            method=args.method or "verbal",
            staff=args.staff,
            erase_confirmed=args.yes,
        )
    if args.json:
        emit_json(
            {
                "customer_id": record.customer_id,
                "purpose": record.purpose,
                "given_at": record.given_at,
                "method": record.method,
                "text_version": record.text_version,
                "withdrawn_at": record.withdrawn_at,
            }
        )
    elif args.action == "give":
        print(
            args.t(
                "Consent {purpose} recorded (text version {version}).",
                purpose=args.t(PURPOSE_LABELS[args.purpose]),
                version=record.text_version,
            )
        )
    elif args.purpose == "data_processing":
        print(
            args.t(
                "Consent to data processing withdrawn; customer #{id} was erased.",
                id=record.customer_id,
            )
        )
    else:
        print(args.t("Consent {purpose} withdrawn.", purpose=args.t(PURPOSE_LABELS[args.purpose])))
    return 0


def cmd_purchase(shop, args, _) -> int:
    from olga_loyalty.services import points

    amount = parse_amount(args.amount)
    redeem = parse_points(args.redeem, field="redeem")
    result = points.record_purchase(
        shop,
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
                "amount": plan.amount,
                "redeemed_points": plan.redeemed_points,
                "redeemed_value": plan.redeemed_value,
                "paid": plan.paid,
                "earned_points": plan.earned_points,
                "earned_expires_on": plan.earned_expires_on,
                "balance": result.balance,
                "balance_value": shop.programme.value_of(result.balance),
                "tier": plan.tier.name,
                "referral_awarded_to": result.referral_awarded_to,
                "follow_up_id": result.follow_up_id,
            }
        )
        return 0
    t = args.t
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


def cmd_report(shop, args, _) -> int:
    from olga_loyalty.services import reports

    months = _int_arg(args.months, "months", 1, 120)
    report = reports.compute(shop, months, args.until)
    if args.json:
        data = report.as_dict()
        for key in ("repeat_rate", "top_share", "visits_per_buyer", "days_between_visits"):
            # shares and averages keep their own decimals (money is written with two)
            data[key] = None if data[key] is None else str(data[key])
        emit_json(data)
        return 0
    t = args.t
    n = t.number
    print(t("Report {start} to {end}", start=t.date(report.start), end=t.date(report.end)))
    days = report.days_between_visits
    for label, value in (
        (t("Members"), n(report.members)),
        (t("New members"), n(report.new_members)),
        (t("Buyers"), n(report.buyers)),
        (t("Purchases"), n(report.purchases)),
        (t("Revenue from members"), t.money(report.revenue)),
        (t("Repeat-purchase rate"), t.percent(report.repeat_rate)),
        (t("Visits per buyer"), t.decimal(report.visits_per_buyer, 2)),
        (t("Days between visits"), t.decimal(days) if days is not None else "-"),
        (t("Revenue from the top 20 %"), t.percent(report.top_share)),
        (t("Open points"), f"{t.points(report.open_points)} = {t.money(report.open_value)}"),
        (t("Expiring in 30 days"), t.points(report.expiring_points)),
        (t("No purchase for 90+ days"), t.customers(report.lapsed)),
        (t("Birthdays this month"), n(report.birthdays)),
    ):
        print(f"  {label:<28}{value}")
    print()
    print(
        f"  {t('Month'):<9}{t('Members'):>10}{t('New'):>7}{t('Visits'):>8}{t('Revenue'):>16}"
        f"{t('Issued'):>10}{t('Redeemed'):>10}{t('Expired'):>10}"
    )
    for m in report.months:
        print(
            f"  {m.month:<9}{n(m.members):>10}{n(m.new_members):>7}{n(m.purchases):>8}"
            f"{t.money(m.revenue):>16}{n(m.points_issued):>10}{n(m.points_redeemed):>10}"
            f"{n(m.points_expired):>10}"
        )
    return 0


def cmd_feedback_add(shop, args, _) -> int:
    from olga_loyalty.services import followups

    item = followups.record(
        shop,
        args.customer,
        args.kind,
        args.note,
        follow_up=args.follow_up,
        staff=args.staff,
    )
    if args.json:
        emit_json(
            {
                "id": item.id,
                "customer_id": item.customer_id,
                "kind": item.kind,
                "note": item.note,
                "follow_up_on": item.follow_up_on,
            }
        )
        return 0
    t = args.t
    print(t("Feedback #{id} recorded.", id=item.id))
    if item.follow_up_on:
        print(t("Follow up on {day}.", day=t.date(item.follow_up_on)))
    return 0


def cmd_feedback_due(shop, args, _) -> int:
    from olga_loyalty.services import followups

    items = followups.due(shop)
    if args.json:
        emit_json([vars(i) | {} for i in items])
        return 0
    t = args.t
    if not items:
        print(t("No follow-up is due today."))
    for i in items:
        note = i.note or t("Ask whether everything fits")
        print(
            f"#{i.id:<6} {t.date(i.follow_up_on)}  {i.name[:28]:<28} "
            f"{phone_for_display(i.phone, shop.region):<18} {t(followups.FEEDBACK_LABELS[i.kind])}: {note[:60]}"
        )
    return 0


def cmd_feedback_done(shop, args, _) -> int:
    from olga_loyalty.services import followups

    item = followups.complete(shop, args.feedback, args.outcome, staff=args.staff)
    print(args.t("Follow-up #{id} done.", id=item.id))
    return 0


def cmd_feedback_apologise(shop, args, _) -> int:
    from olga_loyalty.services import followups

    amount = _int_arg(args.points, "points", 1, followups.APOLOGY_MAX)
    days = _int_arg(args.valid_days, "valid_days", 1, 3650) if args.valid_days else None
    item, entry = protected(
        shop,
        args,
        "adjust",
        followups.apologise,
        shop,
        args.feedback,
        amount,
        staff=args.staff,
        valid_days=days,
        detail=lambda r: f"customer #{r[0].customer_id}: +{r[1].points} (apology #{r[0].id})",
        customer_id=lambda r: r[0].customer_id,
    )
    print(
        args.t(
            "Apology bonus: {points} for {name} (complaint #{id}).",
            points=args.t.points(entry.points),
            name=f"{item.customer.first_name} {item.customer.last_name}",
            id=item.id,
        )
    )
    return 0


def cmd_bonus(shop, args, _) -> int:
    from olga_loyalty.services import campaigns

    amount = _int_arg(args.points, "points", 1, campaigns.BONUS_MAX)
    days = _int_arg(args.valid_days, "valid_days", 1, 3650) if args.valid_days else None
    t = args.t
    if args.dry_run:
        result = campaigns.preview(shop, args.segment, amount, valid_days=days)
    else:
        result = protected(
            shop,
            args,
            "bonus",
            campaigns.award,
            shop,
            args.segment,
            amount,
            reason=args.reason,
            valid_days=days,
            staff=args.staff,
            detail=lambda r: f"{r.segment}: {r.customers} × +{r.points} ({args.reason[:100]})",
        )
    if args.json:
        emit_json(vars(result) | {"written": not args.dry_run})
        return 0
    print(
        t(
            "{customers} × {points} = {total} ({value}), valid until {day}.",
            customers=t.customers(result.customers),
            points=t.points(result.points),
            total=t.points(result.total_points),
            value=t.money(result.total_value),
            day=t.date(result.expires_on),
        )
    )
    print(t("Nothing written (dry run).") if args.dry_run else t("Awarded."))
    return 0


def cmd_refund(shop, args, _) -> int:
    from olga_loyalty.services import points

    amount = parse_amount(args.amount) if args.amount is not None else None
    result = points.refund(shop, args.purchase, amount, staff=args.staff)
    if args.json:
        emit_json(
            {
                "refund_id": result.refund_id,
                "purchase_id": result.purchase_id,
                "customer_id": result.customer_id,
                "amount": result.amount,
                "paid_back": result.paid_back,
                "cash_refund": result.cash_refund,
                "points_taken_back": result.points_taken_back,
                "points_restored": result.points_restored,
                "shortfall_points": result.shortfall_points,
                "shortfall_value": result.shortfall_value,
                "balance": result.balance,
                "referral_customer_id": result.referral_customer_id,
                "referral_taken_back": result.referral_taken_back,
                "referral_shortfall": result.referral_shortfall,
            }
        )
        return 0
    t = args.t
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
    if result.referral_taken_back or result.referral_shortfall:
        print(referral_line(t, result))
    print(
        t(
            "Cash to refund: {cash}. Balance now {balance}.",
            cash=t.money(result.cash_refund),
            balance=t.points(result.balance),
        )
    )
    return 0


def referral_line(t, result) -> str:
    """What a refund did to the referral bonus of the purchase (command line and screen)."""
    text = t(
        "Referral bonus taken back from customer #{id}: {points}.",
        id=result.referral_customer_id,
        points=t.points(result.referral_taken_back),
    )
    if result.referral_shortfall:
        text += " " + t.ngettext(
            "{count} point of it was already spent by her and stays.",
            "{count} points of it were already spent by her and stay.",
            result.referral_shortfall,
            count=t.number(result.referral_shortfall),
        )
    return text


def cmd_adjust(shop, args, _) -> int:
    from olga_loyalty.services import points

    amount = parse_points(args.points, allow_negative=True, allow_zero=False)
    days = _int_arg(args.valid_days, "valid_days", 1, 3650) if args.valid_days else None
    result = protected(
        shop,
        args,
        "adjust",
        points.adjust,
        shop,
        args.customer,
        amount,
        reason=args.reason,
        staff=args.staff,
        valid_days=days,
        detail=lambda r: f"customer #{r.customer_id}: {r.points:+d} ({args.reason[:100]})",
        customer_id=lambda r: r.customer_id,
    )
    if args.json:
        emit_json(
            {
                "customer_id": result.customer_id,
                "points": result.points,
                "balance": result.balance,
                "expires_on": result.expires_on,
            }
        )
    else:
        print(
            args.t(
                "Adjusted by {points}; balance now {balance}.",
                points=args.t.points(result.points, signed=True),
                balance=args.t.points(result.balance),
            )
        )
    return 0


def cmd_erase(shop, args, _) -> int:
    from olga_loyalty.services import customers

    if not args.yes:
        raise InvalidInput("Erasure cannot be undone: add --yes to confirm.", field="yes")
    cid = protected(
        shop,
        args,
        "erase",
        customers.erase,
        shop,
        args.customer,
        staff=args.staff,
        detail=lambda erased: f"customer #{erased}",
        customer_id=lambda erased: erased,
    )
    if args.json:
        emit_json({"erased": cid})
    else:
        print(args.t("Customer #{id} was erased.", id=cid))
    return 0


def cmd_export_newsletter(shop, args, _) -> int:
    from pathlib import Path

    from olga_loyalty.services import newsletter

    newsletter.check_choice(args.channel, args.preset, args.file_format)  # before the PIN prompt
    result = protected(
        shop,
        args,
        "export",
        newsletter.export,
        shop,
        args.channel,
        args.segment,
        preset=args.preset,
        file_format=args.file_format,
        out=Path(args.out).expanduser().absolute() if args.out else None,
        detail=lambda r: f"newsletter {args.channel} {args.segment}: {r.written}",
    )
    if args.json:
        emit_json(
            {"path": str(result.path), "written": result.written, "left_out": result.left_out}
        )
        return 0
    t = args.t
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


def cmd_export_customer(shop, args, _) -> int:
    from olga_loyalty.services import customers, gdpr

    cid = customers.resolve(shop, args.customer).id
    path = protected(
        shop,
        args,
        "export",
        gdpr.access_export,
        shop,
        cid,
        detail=f"customer #{cid}",
        customer_id=cid,
    )
    if args.json:
        emit_json({"path": str(path)})
    else:
        print(args.t("Wrote everything stored about the customer to {path}.", path=path))
    return 0


def cmd_export_consent_form(shop, args, _) -> int:
    from olga_loyalty.services import customers, gdpr

    if args.customer in (None, ""):
        path = gdpr.consent_form(shop, None)  # the blank form: no personal data, free
    else:
        # filled in with her data: a protected export with its audit entry
        cid = customers.resolve(shop, args.customer).id
        path = protected(
            shop,
            args,
            "export",
            gdpr.consent_form,
            shop,
            cid,
            detail=f"consent form, customer #{cid}",
            customer_id=cid,
        )
    if args.json:
        emit_json({"path": str(path)})
    else:
        print(args.t("Wrote the consent form to {path}.", path=path))
    return 0


def import_report_json(report, t) -> dict:
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
    }


def cleaned_cells_text(t, count: int) -> str:
    return t.ngettext(
        "{count} cell held invisible control characters; they were removed.",
        "{count} cells held invisible control characters; they were removed.",
        count,
        count=t.number(count),
    )


def cmd_import_customers(shop, args, _) -> int:
    from pathlib import Path

    from olga_loyalty.services import imports

    t = args.t
    report = imports.check_file(
        shop, Path(args.file), args.map, consented_on=args.consented_on_paper
    )
    if not args.dry_run and report.good:
        # the owner PIN, a backup, then all good rows or none (services.imports.import_rows)
        imports.import_rows(
            shop,
            report,
            staff=args.staff,
            pin=given_pin(shop, args),
            progress=_progress if not args.json and sys.stderr.isatty() else None,
        )
    if args.json:
        emit_json(import_report_json(report, t))
        return 0
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
    return 0


def cmd_import_unsubscribes(shop, args, _) -> int:
    from pathlib import Path

    from olga_loyalty.services import imports

    report = imports.import_unsubscribes(
        shop,
        Path(args.file),
        staff=args.staff,
        pin=given_pin(shop, args),
        progress=_progress if not args.json and sys.stderr.isatty() else None,
    )
    if args.json:
        emit_json(
            {
                "file": report.file,
                "contacts": report.contacts,
                "matched": report.matched,
                "unmatched": report.unmatched,
                "consents_withdrawn": report.withdrawn,
            }
        )
    else:
        print(report.summary(args.t))
    return 0


def cmd_daily(shop, args, _) -> int:
    from olga_loyalty.services import points, reminders

    result = points.daily(shop)
    mails = reminders.after_daily(shop)  # queue (and send, when automatic); never fails
    if args.json:
        emit_json(
            {
                "day": result.day,
                "expired_lots": result.expired_lots,
                "expired_points": result.expired_points,
                "birthday_bonuses": result.birthday_bonuses,
                "reminders": daily_reminders_json(mails, args.t),
            }
        )
    else:
        print(
            args.t(
                "Daily run for {day}: {points} expired in {lots}; {bonuses} given.",
                day=args.t.date(result.day),
                points=args.t.points(result.expired_points),
                lots=args.t.ngettext(
                    "{count} lot",
                    "{count} lots",
                    result.expired_lots,
                    count=args.t.number(result.expired_lots),
                ),
                bonuses=args.t.ngettext(
                    "{count} birthday bonus",
                    "{count} birthday bonuses",
                    result.birthday_bonuses,
                    count=args.t.number(result.birthday_bonuses),
                ),
            )
        )
        print_daily_reminders(mails, args.t)
    return 0


def cmd_settings(shop, args, _) -> int:
    from olga_loyalty.services import settings as settings_service

    if args.action == "show":
        data = settings_service.all_settings(shop)
        if args.json:
            emit_json(data)
        else:
            for key, value in settings_service.flat(data):
                print(f"{key:<28} {value}")
        return 0
    if args.action == "audit":
        from olga_loyalty.services import safety

        entries = safety.audit_log()
        if args.json:
            emit_json(
                [
                    {"at": e.at, "staff": e.staff, "action": e.action, "detail": e.detail}
                    for e in entries
                ]
            )
        else:
            for e in entries:  # entries saved before the hygiene rules may hold anything
                staff, detail = visible(e.staff), visible(e.detail)
                name = safety.PROTECTED_ACTION_NAMES.get(e.action)
                action = args.t(name) if name else visible(e.action)
                print(f"{args.t.datetime(e.at):<17} {staff:<10} {action:<28} {detail}")
        return 0
    if args.action == "pin":
        from olga_loyalty.services import safety

        safety.change_pin(shop, given_pin(shop, args), args.new_pin, staff="")
        print(
            args.t("The owner PIN is set.") if args.new_pin else args.t("The owner PIN is removed.")
        )
        return 0
    if args.action == "consent-text":
        from olga_loyalty.services.labels import PURPOSE_LABELS
        from olga_loyalty.services.shop import new_consent_text

        text = protected(
            shop,
            args,
            "settings",
            new_consent_text,
            shop,
            args.purpose,
            args.text,
            detail=f"consent-text {args.purpose}",
        )
        print(
            args.t(
                "Consent text {purpose} is now version {version}.",
                purpose=args.t(PURPOSE_LABELS[args.purpose]),
                version=text.version,
            )
        )
        return 0
    protected(
        shop,
        args,
        "settings",
        settings_service.set_value,
        shop,
        args.key,
        args.value,
        detail=f"set {args.key[:40]}",
    )
    print(args.t("{key} set to {value}.", key=args.key, value=args.value))
    return 0


def cmd_backup(shop, args, _) -> int:
    from olga_loyalty.services import safety
    from olga_loyalty.services.labels import BACKUP_REASON_NAMES as BACKUP_REASONS

    if args.list:
        found = safety.list_backups(shop)
        if args.json:
            emit_json(
                [
                    {
                        "path": str(b.path),
                        "taken_at": b.taken_at,
                        "reason": b.reason,
                        "size": b.size,
                    }
                    for b in found
                ]
            )
        else:
            for b in found:
                print(
                    f"{args.t.datetime(b.taken_at):<17} {args.t(BACKUP_REASONS.get(b.reason, b.reason)):<14}"
                    f" {args.t.number(b.size):>12}  {b.path}"
                )
        return 0
    path = safety.backup(shop, "manual")
    if path is None:
        raise Refused(
            "Backups here are of the SQLite database; back up PostgreSQL with its own tools."
        )
    if args.json:
        emit_json({"path": str(path)})
    else:
        print(args.t("Backup written to {path}.", path=path))
    return 0


def cmd_restore(shop, args, _) -> int:
    from pathlib import Path

    from olga_loyalty.services import safety

    file = Path(args.file).expanduser().absolute()
    result = protected(
        shop,
        args,
        "restore",
        safety.restore,
        shop,
        file,
        staff="",
        other_shop=args.other_shop,
    )
    warning = result.check.warning
    if warning is not None:
        print(f"warning: {warning.render(args.t.gettext)}", file=sys.stderr)
    print(
        args.t(
            "Restored {file}. The database as it was before is in {backup}.",
            file=str(file),
            backup=result.safety_copy,
        )
    )
    return 0


def cmd_move_to(shop, args, _) -> int:
    from olga_loyalty.services import move, safety
    from olga_loyalty.storage.db import redact

    source = safety.database_path(shop)
    if source is None:
        raise Refused("move-to copies a SQLite database; this shop already runs on a server.")
    move.check_target(args.target)
    target = redact(args.target)
    shows_progress = not args.json and sys.stderr.isatty()
    report = protected(
        shop,
        args,
        "move-to",
        move.move_to,
        source,
        args.target,
        shop.clock,
        progress=_table_progress if shows_progress else None,
        audit=(shop.now(), target),
    )
    if shows_progress:
        print(file=sys.stderr)  # end the progress line
    if args.json:
        emit_json(
            {
                "target": target,
                "rows": report.rows,
                "customers": report.customers,
                "balances_checked": report.balances_checked,
                "ledger_checked": report.ledger_checked,
                "seconds": report.seconds,
            }
        )
        return 0
    print(
        args.t(
            "Moved {source} to {target} in {seconds} s: {rows} in {tables}.",
            source=str(source),
            target=target,
            seconds=args.t.decimal(Decimal(str(report.seconds))),
            rows=args.t.ngettext(
                "{count} row",
                "{count} rows",
                sum(report.rows.values()),
                count=args.t.number(sum(report.rows.values())),
            ),
            tables=args.t.ngettext(
                "{count} table",
                "{count} tables",
                len(report.rows),
                count=args.t.number(len(report.rows)),
            ),
        )
    )
    for table, count in report.rows.items():
        print(f"  {table:<16}{args.t.number(count):>10}")
    print(
        args.t(
            "Checked: every table's row count, the balances of {customers} and "
            "the ledger sums of {ledger} are the same in both databases.",
            customers=args.t.customers(report.customers),
            ledger=args.t.customers(report.ledger_checked),
        )
    )
    print(args.t("From now on, start every till with --db {target}", target=target))
    return 0


def _table_progress(table: str, done: int) -> None:
    print(f"\r{table}: {done}", end="", file=sys.stderr, flush=True)


def cmd_demo(shop, args, _) -> int:
    from olga_loyalty.services import demo

    count = _int_arg(args.customers, "customers", 1, 1_000_000)
    seed = _int_arg(args.seed, "seed", 0, 2**31)
    shows_progress = not args.json and sys.stderr.isatty()
    result = demo.generate(shop, count, seed=seed, progress=_progress if shows_progress else None)
    if args.json:
        emit_json(result)
    else:
        print(
            args.t(
                "Made {customers}, {purchases} and {entries} in {seconds} s.",
                customers=args.t.customers(result["customers"]),
                purchases=args.t.ngettext(
                    "{count} purchase",
                    "{count} purchases",
                    result["purchases"],
                    count=args.t.number(result["purchases"]),
                ),
                entries=args.t.ngettext(
                    "{count} ledger entry",
                    "{count} ledger entries",
                    result["entries"],
                    count=args.t.number(result["entries"]),
                ),
                seconds=args.t.decimal(Decimal(str(result["seconds"]))),
            )
        )
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


COMMANDS: dict[tuple[str, str | None], Callable] = {
    **REMINDER_COMMANDS,
    ("customer", "add"): cmd_customer_add,
    ("customer", "edit"): cmd_customer_edit,
    ("find", None): cmd_find,
    ("show", None): cmd_show,
    ("consent", None): cmd_consent,
    ("purchase", None): cmd_purchase,
    ("refund", None): cmd_refund,
    ("adjust", None): cmd_adjust,
    ("erase", None): cmd_erase,
    ("daily", None): cmd_daily,
    ("export", "newsletter"): cmd_export_newsletter,
    ("export", "customer"): cmd_export_customer,
    ("export", "consent-form"): cmd_export_consent_form,
    ("import", "customers"): cmd_import_customers,
    ("import", "unsubscribes"): cmd_import_unsubscribes,
    ("settings", None): cmd_settings,
    ("demo", None): cmd_demo,
    ("backup", None): cmd_backup,
    ("restore", None): cmd_restore,
    ("move-to", None): cmd_move_to,
    ("report", None): cmd_report,
    ("feedback", "add"): cmd_feedback_add,
    ("feedback", "due"): cmd_feedback_due,
    ("feedback", "done"): cmd_feedback_done,
    ("feedback", "apologise"): cmd_feedback_apologise,
    ("bonus", None): cmd_bonus,
}


def main(argv: Sequence[str] | None = None) -> int:
    from olga_loyalty.cli_argparse import argparse_in, chosen_language, translate_help

    argv = list(sys.argv[1:] if argv is None else argv)
    language = system_language()
    if chosen_language(argv) in ("de", "en"):
        language = chosen_language(argv)  # argparse's own words too
    t = Translator(language)
    command = "olga-loyalty"
    try:
        with argparse_in(t):
            parser = build_parser()
            translate_help(parser, t)
            args = parser.parse_args(argv)
        joined_customer(args)
        command = " ".join(filter(None, [args.command or "ui", getattr(args, "action", None)]))
        language = args.lang or language
        t = Translator(language)
        args.t = t
        locations = paths.resolve(args.db)
        logs.setup(locations.logs)
        if args.command == "paths":
            return cmd_paths(locations, args)
        if args.command == "shortcut":
            return cmd_shortcut(locations, args)
        clock = clock_from_env()
        if args.command is None:
            require_terminal()
        prepare_database_file(locations, may_create_database(args))
        location = locations.database
        if args.command is None:
            return run_ui(location, clock, args.lang)
        action = (
            getattr(args, "action", None)
            if args.command in ("customer", "export", "import", "feedback", "reminders")
            else None
        )
        handler = COMMANDS[(args.command, action)]
        from olga_loyalty.services.shop import open_shop

        shop = open_shop(location, clock)
        try:
            if not args.lang:
                t = Translator(
                    shop.settings.language if shop.settings.setup_done else language,
                    shop.settings.currency,
                )
            else:
                t = Translator(args.lang, shop.settings.currency)
            args.t = t
            return handler(shop, args, t)
        finally:
            shop.close()
    except UsageError as exc:
        print(f"error: {_printable(' '.join(exc.render(t).split()), 300)}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version: printed, then argparse exits
        return exc.code if isinstance(exc.code, int) else 0
    except LoyaltyError as exc:
        print(f"error: {exc.render(t.gettext)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: " + t("interrupted; nothing more was saved."), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
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
        return 1


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


def may_create_database(args) -> bool:
    if getattr(args, "dry_run", False):  # import customers --dry-run reads only
        return False
    return (args.command, getattr(args, "action", None)) in CREATES_DATABASE


def prepare_database_file(locations: paths.Locations, may_create: bool) -> None:
    """Only a command that can start a shop may find no database (a mistyped --db, a start
    from another folder must not make an empty one); its first start makes the default
    database's folder."""
    from olga_loyalty.storage.db import refuse_foreign_file

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
            from olga_loyalty.storage.files import folder_problem

            raise StorageError(
                "The folder {folder} cannot be used: {reason}.",
                folder=str(file.parent),
                reason=folder_problem(file.parent, exc),
            ) from None


def cmd_paths(locations: paths.Locations, args) -> int:
    """Where everything is; never opens (or makes) the database."""
    shown = locations.shown()
    if args.json:
        emit_json(shown)
        return 0
    t = args.t
    labels = {
        "database": t("Database"),
        "backups": t("Backups"),
        "exports": t("Exports"),
        "logs": t("Logs"),
    }
    width = max(len(label) for label in labels.values()) + 2
    for key, label in labels.items():
        value = shown[key] or t("(on the server: back it up with pg_dump)")
        print(f"{label + ':':<{width}}{value}")
    return 0


def cmd_shortcut(locations: paths.Locations, args) -> int:
    from olga_loyalty import shortcut

    path = shortcut.write(locations.database, Path(args.folder) if args.folder else None)
    logs.action("shortcut.write")
    if args.json:
        emit_json({"path": str(path)})
    else:
        print(args.t("Wrote the shortcut {path}.", path=str(path)))
    return 0


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal the screen has no keys to read and nothing to show.
        raise Refused(
            "The screen needs a terminal; give a command instead (see 'olga-loyalty --help')."
        )


def run_ui(location: str, clock, language: str | None) -> int:
    try:
        from olga_loyalty.ui.app import run
    except ImportError:
        build_parser().print_help()
        return 0
    return run(location, clock, language)
