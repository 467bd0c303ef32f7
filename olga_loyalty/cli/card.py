"""`show` (SPEC §9): a customer's card: balance, tier, expiring points, consents, history."""

from __future__ import annotations

import argparse
from typing import Any

from olga_loyalty.cli.context import Context, add_customer_words
from olga_loyalty.cli.output import emit_json
from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.i18n import Translator
from olga_loyalty.services import customers
from olga_loyalty.services.gdpr import program_text
from olga_loyalty.services.labels import HISTORY_LABELS, METHOD_LABELS, PURPOSE_LABELS


def add_show(sub: Any) -> None:
    show = sub.add_parser("show", help="a customer's card: balance, tier, expiring points, history")
    show.set_defaults(handler=cmd_show)
    add_customer_words(show)
    show.add_argument("--json", action="store_true")


def card_json(card: customers.CustomerCard) -> dict[str, Any]:
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


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    card = customers.card(ctx.shop, args.customer)
    if args.json:
        emit_json(card_json(card))
        return 0
    t, c = ctx.t, card.customer
    print(f"#{c.id}  {c.salutation + ' ' if c.salutation else ''}{c.first_name} {c.last_name}")
    print(
        t(
            "Phone: {phone}   Email: {email}",
            phone=phone_for_display(c.phone or "", ctx.shop.region),
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
            change = t.number(h.points) if h.points else ""
            if h.points > 0:
                change = "+" + change
            kind = t(HISTORY_LABELS[h.kind]) if h.kind in HISTORY_LABELS else h.kind
            print(
                f"  {t.datetime(h.when):<17} {kind:<{width}} {change:>7} {amount:>12}  "
                f"{program_text(t, h.text)}"
            )
    return 0


def consent_line(t: Translator, state: customers.ConsentState) -> str:
    """One consent in words: given when and how, withdrawn when, or never given."""
    if state.active:
        assert state.given_at is not None  # an active consent was given at some moment
        return t(
            "yes, since {date} ({method})",
            date=t.date(state.given_at.date()),
            method=t(METHOD_LABELS.get(state.method or "", state.method or "")),
        )
    if state.withdrawn_at:
        return t("no, withdrawn on {date}", date=t.date(state.withdrawn_at.date()))
    return t("no")
