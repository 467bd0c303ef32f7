"""The settings' programme tab: its form (point value, redeem share, tiers, the numbers,
the end date) and the programme read back from it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.points import Programme
from olga_loyalty.i18n import Translator
from olga_loyalty.services import settings as settings_service
from olga_loyalty.ui.forms import FieldError

MAX_TIERS = 5
NUMBER_FIELDS = [
    ("purchase_validity_days", "Purchase points valid (days)"),
    ("tier_window_days", "Tier looks back (days)"),
    ("welcome_points", "Welcome bonus (points)"),
    ("welcome_validity_days", "Welcome bonus valid (days)"),
    ("birthday_points", "Birthday bonus (points)"),
    ("birthday_validity_days", "Birthday bonus valid (days)"),
    ("birthday_grace_days", "Birthday bonus up to (days after)"),
    ("referral_points", "Referral bonus (points)"),
    ("referral_validity_days", "Referral bonus valid (days)"),
    ("min_redeem_points", "Redeem at least (points)"),
    ("restore_min_validity_days", "Refunded points valid at least (days)"),
    ("adjust_validity_days", "Added points valid (days)"),
]
PROGRAMME_FIELDS = ["point_value", "max_redeem_share", "tiers", "end_date"] + [
    n for n, _ in NUMBER_FIELDS
]


def form_row(name: str, label: str, value: str) -> ComposeResult:
    """A labelled one-line field with its error line."""
    with Horizontal(classes="row"):
        yield Label(label, classes="field-label wide")
        yield Input(value, id=name, compact=True)
    yield FieldError(id=f"{name}-error")


def programme_form(t: Translator, currency: str, p: Programme) -> ComposeResult:
    """The programme tab's fields, filled from `p`."""
    yield from form_row(
        "point_value",
        t("Point value ({currency})", currency=currency),
        t.number(p.point_value),  # 0,05 in German; typed either way
    )
    yield from form_row(
        "max_redeem_share",
        t("Redeem at most (% of amount)"),
        t.number((p.max_redeem_share * 100).normalize()),
    )
    yield Static(
        t("Tiers: name, from (spent in the window), points per currency unit"),
        classes="section",
    )
    for i in range(MAX_TIERS):
        tier = p.tiers[i] if i < len(p.tiers) else None
        with Horizontal(classes="row"):
            yield Input(
                tier.name if tier else "",
                id=f"tier_name_{i}",
                compact=True,
                classes="tier",
            )
            yield Input(
                str(tier.threshold) if tier else "",
                id=f"tier_from_{i}",
                compact=True,
                classes="tier",
            )
            yield Input(
                t.number(tier.rate) if tier else "",
                id=f"tier_rate_{i}",
                compact=True,
                classes="tier",
            )
    yield FieldError(id="tiers-error")
    for name, label in NUMBER_FIELDS:
        yield from form_row(name, t(label), str(getattr(p, name)))
    yield from form_row(
        "end_date",
        t("Programme ends (YYYY-MM-DD, empty = never)"),
        p.end_date.isoformat() if p.end_date else "",
    )


def read_programme(screen: Screen[Any], programme: Programme) -> Programme:
    """The programme tab's fields as a programme (`programme` changed by them); a wrong
    field raises its `LoyaltyError` (`field` names it)."""

    def value(name: str) -> str:
        return screen.query_one(f"#{name}", Input).value

    tiers = []
    for i in range(MAX_TIERS):
        name = " ".join(value(f"tier_name_{i}").split())
        if not name:
            continue
        tiers.append(
            settings_service.parse_tier(name, value(f"tier_from_{i}"), value(f"tier_rate_{i}"))
        )
    numbers: dict[str, Any] = {
        name: parse_points(value(name), field=name) for name, _ in NUMBER_FIELDS
    }
    # the same rules as `settings set` (services/settings.py)
    share = settings_service.parse_redeem_share(value("max_redeem_share"))
    end = settings_service.parse_end_date(value("end_date"))
    return replace(
        programme,
        point_value=parse_amount(value("point_value"), field="point_value"),
        max_redeem_share=share,
        tiers=tuple(tiers),
        end_date=end,
        **numbers,
    )
