"""Reading and changing settings by name (the command line's `settings`, the settings screen)."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.points import Tier
from olga_loyalty.services import reminders
from olga_loyalty.services.shop import PURPOSES, Shop, current_consent_text

SHOP_KEYS = ("name", "address", "region", "currency", "language", "theme")
INT_KEYS = (
    "tier_window_days",
    "purchase_validity_days",
    "welcome_points",
    "welcome_validity_days",
    "birthday_points",
    "birthday_validity_days",
    "birthday_grace_days",
    "referral_points",
    "referral_validity_days",
    "min_redeem_points",
    "restore_min_validity_days",
    "adjust_validity_days",
)


def all_settings(shop: Shop) -> dict:
    return {
        "shop": asdict(shop.settings),
        "programme": shop.programme.to_dict(),
        "staff": shop.staff_names(),
        "consent_texts": {
            p: {"version": current_consent_text(p).version, "text": current_consent_text(p).text}
            for p in PURPOSES
        },
        **_reminder_settings(),
    }


def _reminder_settings() -> dict:
    return reminders.settings_view()


def flat(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


#: The highest spend a tier can start at (the settings screen's and the command line's limit).
TIER_THRESHOLD_MAX = Decimal("10000000")


def parse_rate(text: str) -> Decimal:
    """An earn rate as typed (`1.5` or `1,5`)."""
    try:
        return Decimal(text.replace(",", ".").strip())
    except ArithmeticError:
        raise InvalidInput("'{rate}' is not an earn rate.", field="tiers", rate=text[:20]) from None


def parse_tier(name: str, threshold: str, rate: str) -> Tier:
    """One tier from its three fields as typed (an empty threshold is 0): the settings
    screen's table row and each part of `parse_tiers`."""
    amount = parse_amount(
        threshold or "0", field="tiers", allow_zero=True, maximum=TIER_THRESHOLD_MAX
    )
    return Tier(name[:40], amount, parse_rate(rate))


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """`Base:0:1,Silver:500:1.5,Gold:1500:2` → tiers (name:threshold:rate)."""
    tiers = []
    for part in text.split(","):
        pieces = [p.strip() for p in part.split(":")]
        if len(pieces) != 3 or not pieces[0]:
            raise InvalidInput(
                "Write tiers as name:threshold:rate separated by commas, "
                "like Base:0:1,Silver:500:1.5,Gold:1500:2.",
                field="tiers",
            )
        tiers.append(parse_tier(*pieces))
    return tuple(tiers)


def parse_redeem_share(text: str) -> Decimal:
    """The most of a purchase points may pay, typed in percent (`30` or `30 %`), as the
    fraction the programme keeps (0.3000)."""
    percent = parse_amount(
        text.rstrip("% "), field="max_redeem_share", allow_zero=True, maximum=Decimal(100)
    )
    return (percent / 100).quantize(Decimal("0.0001"))


def set_value(shop: Shop, key: str, value: str) -> None:
    """Change one setting; the whole programme is validated before anything is saved."""
    key = key.strip().removeprefix("shop.").removeprefix("programme.")
    shop.refresh()  # one setting changed: the others as they are now, not as cached
    if key.startswith(("mail.", "reminders.")):
        reminders.set_setting(key, value)
        return
    if key in SHOP_KEYS:
        shop.save_settings(replace(shop.settings, **{key: value}, setup_done=True))
        return
    programme = shop.programme
    if key in INT_KEYS:
        new = programme.changed(**{key: parse_points(value, field=key)})
    elif key == "point_value":
        new = programme.changed(point_value=parse_amount(value, field=key))
    elif key == "max_redeem_share":
        new = programme.changed(max_redeem_share=parse_redeem_share(value))
    elif key == "tiers":
        new = programme.changed(tiers=parse_tiers(value))
    elif key == "end_date":
        new = programme.changed(end_date=parse_end_date(value))
    else:
        known = ", ".join(
            (*SHOP_KEYS, "point_value", "max_redeem_share", "tiers", "end_date", *INT_KEYS)
        )
        raise InvalidInput(
            "Unknown setting '{key}'. Known: {known}.", field="key", key=key[:40], known=known
        )
    shop.save_programme(new)


def parse_end_date(value: str) -> date | None:
    """The programme's last day (`2027-12-31`), or None for empty, `none` or `-`."""
    text = value.strip().lower()
    if text in ("", "none", "-"):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "'{text}' is not a date like 2027-12-31.", field="end_date", text=value[:20]
        ) from None
