"""Where the database is, what time it is, which language: one place, env overrides.

- `OLGA_LOYALTY_DB`: a path or URL (`sqlite:///...`, `postgresql://...`); else the rule of
  `olga_loyalty.paths` (a source checkout's `data/loyalty.db`, else the user's data folder).
- `OLGA_LOYALTY_NOW`: an ISO date (`2026-01-10`, taken as 00:00 local time) or datetime
  (`2026-01-10T15:30`, `2026-01-10T15:30+01:00`) that fixes the clock for every command and the UI.
- `OLGA_LOYALTY_LANG`: `de` or `en`; else the system locale decides (German if it is German).
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from olga_loyalty.domain.errors import InvalidInput

LANGUAGES = ("de", "en")


class Clock:
    """The one source of time. Fixed by `OLGA_LOYALTY_NOW`, or by tests via `FixedClock`."""

    def now(self) -> datetime:
        """An aware datetime in the local time zone."""
        return datetime.now().astimezone()

    def today(self) -> date:
        return self.now().date()


class FixedClock(Clock):
    def __init__(self, moment: datetime) -> None:
        self.moment = moment if moment.tzinfo else moment.astimezone()

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment = self.moment + timedelta(**delta)


def parse_moment(text: str) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time()).astimezone()
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "OLGA_LOYALTY_NOW must be an ISO date or datetime like 2026-01-10 or "
            "2026-01-10T15:30, not '{text}'.",
            text=text[:40],
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def clock_from_env(env: Mapping[str, str] | None = None) -> Clock:
    env = os.environ if env is None else env
    fixed = env.get("OLGA_LOYALTY_NOW", "").strip()
    return FixedClock(parse_moment(fixed)) if fixed else Clock()


def utc_naive(moment: datetime) -> datetime:
    """What is stored: UTC without tzinfo, the same on SQLite and PostgreSQL."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone()


def system_language(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    chosen = env.get("OLGA_LOYALTY_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "de" if code.lower().startswith("de") else "en"
