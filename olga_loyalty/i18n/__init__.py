"""Message catalogues. The English text is the key; `de.json` holds the German.

Every visible string goes through `Translator.gettext` (aliased `_` by callers).
Money, numbers and dates are formatted with babel for the language's locale.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"de": "de_DE", "en": "en_GB"}


@cache
def catalogue(language: str) -> dict[str, str]:
    if language == "en":
        return {}
    try:
        text = resources.files(__package__).joinpath(f"{language}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


class Translator:
    def __init__(self, language: str = "en", currency: str = "EUR") -> None:
        self.language = language if language in LOCALES else "en"
        self.locale = LOCALES[self.language]
        self.currency = currency
        self._messages = catalogue(self.language)

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def __call__(self, message: str, **params: object) -> str:
        text = self.gettext(message)
        return text.format(**params) if params else text

    def money(self, value: Decimal) -> str:
        return format_currency(value, self.currency, locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def decimal(self, value: Decimal, places: int = 1) -> str:
        """A measured value with fixed decimals: `1,5` in German, `1.5` in English."""
        return format_decimal(value, format="#,##0." + "0" * places, locale=self.locale)

    def percent(self, share: Decimal) -> str:
        """A share from 0 to 1 as a percentage with one decimal: `68,3 %` / `68.3%`."""
        pattern = "#,##0.0 %" if self.language == "de" else "#,##0.0%"
        return format_percent(share, format=pattern, locale=self.locale)

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        pattern = "dd.MM.yyyy" if self.language == "de" else "dd/MM/yyyy"
        return format_date(value, pattern, locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        pattern = "dd.MM.yyyy HH:mm" if self.language == "de" else "dd/MM/yyyy HH:mm"
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=self.locale)
