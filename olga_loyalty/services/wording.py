"""Sentences the command line and the screens both show for a service's result, written once:
each face only prints or shows them (in the shop's language, through its translator)."""

from __future__ import annotations

from olga_loyalty.domain.text import visible
from olga_loyalty.i18n import Translator
from olga_loyalty.services.campaigns import BonusPreview
from olga_loyalty.services.points import RefundResult


def referral_text(t: Translator, result: RefundResult) -> str:
    """What a refund did to the referral bonus of its purchase ("" when nothing)."""
    if not (result.referral_taken_back or result.referral_shortfall):
        return ""
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


def bonus_preview_text(t: Translator, preview: BonusPreview) -> str:
    """A bulk bonus in one line: who, how many points, their worth, until when."""
    return t(
        "{customers} × {points} = {total} ({value}), valid until {day}.",
        customers=t.customers(preview.customers),
        points=t.points(preview.points),
        total=t.points(preview.total_points),
        value=t.money(preview.total_value),
        day=t.date(preview.expires_on),
    )


def folders_text(t: Translator, shown: dict[str, str | None]) -> str:
    """Where the data lives, one folder a line, the paths in one column (a database on a
    server has no file: its line says how to back it up)."""
    labels = {
        "database": t("Database"),
        "backups": t("Backups"),
        "exports": t("Exports"),
        "logs": t("Logs"),
    }
    width = max(len(label) for label in labels.values()) + 2
    server = t("(on the server: back it up with pg_dump)")
    return "\n".join(  # a folder named with an escape sequence is shown, not obeyed
        f"{label + ':':<{width}}{visible(shown[key] or server)}" for key, label in labels.items()
    )
