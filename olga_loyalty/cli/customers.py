"""The customer commands (SPEC §9): `customer add|edit`, `find`, `consent`, `erase` (the card,
`show`, is in card.py)."""

from __future__ import annotations

import argparse
from typing import Any

from olga_loyalty.cli.context import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Parser,
    add_customer_words,
    protected,
)
from olga_loyalty.cli.output import emit_json, fields_of
from olga_loyalty.domain.customers import CustomerInput, phone_for_display
from olga_loyalty.domain.errors import InvalidInput, NotFound
from olga_loyalty.domain.text import shorten
from olga_loyalty.services import customers
from olga_loyalty.services.labels import (
    FIELD_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
)

CONSENT_METHODS = ["paper_signed", "verbal", "digital"]
PURPOSES = ["data_processing", "email", "sms"]


def add_customer(sub: Any) -> None:
    customer = sub.add_parser("customer", help="register or edit a customer")
    csub = customer.add_subparsers(
        dest="action", metavar="ACTION", parser_class=Parser, required=True
    )
    add = csub.add_parser("add", help="register a customer (needs --consent-data)")
    add.set_defaults(handler=cmd_customer_add)
    add.add_argument("--first-name", required=True)
    add.add_argument("--last-name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--email")
    add.add_argument("--salutation", help="Frau, Herr or empty")
    add.add_argument("--birthday", help="24/12/1980, 24.12.1980, 24.12.80 or 1980-12-24")
    add.add_argument("--notes")
    add.add_argument("--referred-by", metavar="PHONE_OR_ID")
    add.add_argument(
        "--consent-data", action="store_true", help="consent to data processing (required)"
    )
    add.add_argument("--consent-email", action="store_true", help="consent to newsletters by email")
    add.add_argument("--consent-sms", action="store_true", help="consent to SMS and messengers")
    add.add_argument(
        "--consent-method",
        default="paper_signed",
        choices=CONSENT_METHODS,
        help="how the customer gave her consents (default: paper_signed, she signed the "
        "paper form; verbal: said at the till; digital)",
    )
    add.add_argument(
        "--language", choices=["de", "en"], help="the customer's language for newsletters"
    )
    add.add_argument("--staff", default="")
    add.add_argument("--json", action="store_true")
    edit = csub.add_parser("edit", help="change a customer's fields (kept in the change history)")
    edit.set_defaults(handler=cmd_customer_edit)
    add_customer_words(edit)
    for name in ("first-name", "last-name", "phone", "email", "salutation", "birthday", "notes"):
        edit.add_argument(f"--{name}")
    edit.add_argument("--staff", default="")
    edit.add_argument("--json", action="store_true")


def add_find(sub: Any) -> None:
    find = sub.add_parser("find", help="find customers by phone, phone ending, name or email")
    find.set_defaults(handler=cmd_find)
    find.add_argument("query", metavar="QUERY")
    find.add_argument("--json", action="store_true")


def add_consent(sub: Any) -> None:
    consent = sub.add_parser("consent", help="give or withdraw a consent")
    consent.set_defaults(handler=cmd_consent)
    consent.add_argument("action", choices=["give", "withdraw"])
    consent.add_argument("customer", metavar="PHONE_OR_ID")
    consent.add_argument("purpose", choices=PURPOSES)
    consent.add_argument(
        "--method",
        choices=CONSENT_METHODS,
        help="how it was given or withdrawn (default: paper_signed to give, verbal to withdraw)",
    )
    consent.add_argument("--staff", default="")
    consent.add_argument(
        "--yes",
        action="store_true",
        help="confirm that withdrawing data_processing erases the customer",
    )
    consent.add_argument("--json", action="store_true")


def add_erase(sub: Any) -> None:
    erase = sub.add_parser("erase", help="erase a customer's personal data for good (GDPR Art. 17)")
    erase.set_defaults(handler=cmd_erase)
    add_customer_words(erase)
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.add_argument("--staff", default="")
    erase.add_argument("--json", action="store_true")


def _customer_input(args: argparse.Namespace) -> CustomerInput:
    names = ("first_name", "last_name", "phone", "email", "salutation", "birthday", "notes")
    return CustomerInput(**{name: getattr(args, name) for name in names})


def cmd_customer_add(ctx: Context, args: argparse.Namespace) -> int:
    consents = {"data_processing"} if args.consent_data else set()
    if args.consent_email:
        consents.add("email")
    if args.consent_sms:
        consents.add("sms")
    result = customers.register(
        ctx.shop,
        _customer_input(args),
        consents=consents,
        method=args.consent_method,
        staff=args.staff,
        referred_by=args.referred_by,
        language=args.language,
    )
    if args.staff:
        ctx.shop.remember_staff(args.staff)
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
        t = ctx.t
        print(
            t(
                "Registered {name} as customer #{id} ({phone}).",
                name=f"{c.first_name} {c.last_name}",
                id=c.id,
                phone=phone_for_display(c.phone or "", ctx.shop.region),
            )
        )
        print(  # the record's method, which --consent-method gives (paper_signed if not)
            t(
                "Consents recorded ({method}): {purposes}.",
                method=t(METHOD_LABELS[args.consent_method]),
                purposes=", ".join(t(PURPOSE_LABELS[p]) for p in PURPOSES if p in consents),
            )
        )
        if result.welcome_points:
            print(
                t(
                    "Welcome bonus: {points}, valid until {date}.",
                    points=t.points(result.welcome_points),
                    date=t.date(result.welcome_expires_on),
                )
            )
    return 0


def cmd_customer_edit(ctx: Context, args: argparse.Namespace) -> int:
    changed = customers.edit(
        ctx.shop,
        args.customer,
        _customer_input(args),
        staff=args.staff,
    )
    if args.json:
        emit_json({"changed": changed})
    else:
        print(
            ctx.t(
                "Changed: {fields}.",
                fields=", ".join(ctx.t(FIELD_LABELS.get(name, name)) for name in changed),
            )
            if changed
            else ctx.t("Nothing changed.")
        )
    return 0


#: `find --json`: the fields of each hit, in this order
FIND_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "tier",
    "balance",
    "balance_value",
    "soonest_expiry",
    "match",
)


def cmd_find(ctx: Context, args: argparse.Namespace) -> int:
    hits = customers.find(ctx.shop, args.query)
    if args.json:
        emit_json([fields_of(h, *FIND_FIELDS) for h in hits])
        return EXIT_OK if hits else EXIT_REFUSED  # nobody found (README); the list printed
    t = ctx.t
    if not hits:
        raise NotFound("No customer matches '{query}'.", query=shorten(args.query))
    for h in hits:
        expiry = t("expires {date}", date=t.date(h.soonest_expiry)) if h.soonest_expiry else ""
        name = f"{h.first_name} {h.last_name}"
        print(
            f"#{h.id:<7} {name:<30} {phone_for_display(h.phone, ctx.shop.region):<18} "
            f"{h.tier:<8} {h.balance:>7} P  {t.money(h.balance_value):>12}  {expiry}"
        )
    return 0


#: `consent --json`: the consent record's fields, in this order
CONSENT_FIELDS = ("customer_id", "purpose", "given_at", "method", "text_version", "withdrawn_at")


def cmd_consent(ctx: Context, args: argparse.Namespace) -> int:
    if args.action == "give":
        record = customers.give_consent(
            ctx.shop,
            args.customer,
            args.purpose,
            method=args.method or "paper_signed",
            staff=args.staff,
        )
    elif args.purpose == "data_processing" and args.yes:
        record = protected(
            ctx,
            args,
            "erase",
            customers.withdraw_consent,
            ctx.shop,
            args.customer,
            args.purpose,
            method=args.method or "verbal",
            staff=args.staff,
            erase_confirmed=True,
            # peewee's stubs know no `customer_id` of a foreign key (storage/models.py)
            detail=lambda r: f"customer #{r.customer_id} (consent withdrawn)",
            customer_id=lambda r: r.customer_id,
        )
    else:
        record = customers.withdraw_consent(
            ctx.shop,
            args.customer,
            args.purpose,
            method=args.method or "verbal",
            staff=args.staff,
            erase_confirmed=args.yes,
        )
    if args.json:
        emit_json(fields_of(record, *CONSENT_FIELDS))
    elif args.action == "give":
        print(
            ctx.t(
                "Consent {purpose} recorded ({method}, text version {version}).",
                purpose=ctx.t(PURPOSE_LABELS[args.purpose]),
                method=ctx.t(METHOD_LABELS[record.method]),
                version=record.text_version,
            )
        )
    elif args.purpose == "data_processing":
        print(
            ctx.t(
                "Consent to data processing withdrawn; customer #{id} was erased.",
                id=record.customer_id,
            )
        )
    else:
        print(ctx.t("Consent {purpose} withdrawn.", purpose=ctx.t(PURPOSE_LABELS[args.purpose])))
    return 0


def cmd_erase(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise InvalidInput("Erasure cannot be undone: add --yes to confirm.", field="yes")
    cid = protected(
        ctx,
        args,
        "erase",
        customers.erase,
        ctx.shop,
        args.customer,
        staff=args.staff,
        detail=lambda erased: f"customer #{erased}",
        customer_id=lambda erased: erased,
    )
    if args.json:
        emit_json({"erased": cid})
    else:
        print(ctx.t("Customer #{id} was erased.", id=cid))
    return 0
