"""Message catalogues. The English text is the key; `de.json` holds the German.

Every visible string goes through `Translator.gettext` (aliased `_` by callers).
Money, numbers and dates are formatted with babel for the language's locale.

Plural forms. A message with a count is written with both English forms and the count,
as gettext's `ngettext` does:

    t.ngettext("{count} customer will be written.", "{count} customers will be written.",
               n, count=t.number(n))

or, for an error, `InvalidInput(Plural(singular, plural, n), count=n)`. The catalogue
keys it by the English singular and holds one wording per CLDR plural category of the
language, chosen by babel's plural rule for the locale (German and English: `one` for
exactly 1, `other` for 0, 2, 5 ...; a language like Polish adds `few` and `many`):

    "{count} customer will be written.": {"one": "{count} Kundin wird geschrieben.",
                                           "other": "{count} Kundinnen werden geschrieben."}

A sentence with two counts is built from pluralised parts, each its own message
("{count} point" / "{count} points"), put into a sentence that does not agree with them.
`python -m olga_loyalty.i18n.extract` lists messages (plural ones too) without a
translation; tests/test_i18n.py fails on one, on a plural entry missing a category of the
language, and on a placeholder lost in translation.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import PurePath

from olga_loyalty.domain.errors import Plural
from olga_loyalty.domain.text import visible

# babel (and the zone data babel.dates loads) is imported where a number, an amount, a date or
# a plural form is first formatted, not with this module: the search screen's first paint
# needs only the catalogue (start-up speed, docs/benchmarks.md).

LOCALES = {"de": "de_DE", "en": "en_GB"}


@cache
def catalogue(language: str) -> dict[str, str | dict[str, str]]:
    if language == "en":
        return {}
    try:
        text = resources.files(__package__).joinpath(f"{language}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is translated later (a sheet's title kept
    in a table, say): gettext's no-op marker."""
    return message


@cache
def plural_categories(language: str) -> tuple[str, ...]:
    """The CLDR plural categories a catalogue entry needs for the language (always `other`)."""
    from babel import Locale

    rule = Locale.parse(LOCALES.get(language, "en_GB")).plural_form
    return tuple(sorted(rule.tags | {"other"}))


@cache
def _plural_rule(locale: str):
    from babel import Locale

    return Locale.parse(locale).plural_form


class Translator:
    def __init__(self, language: str = "en", currency: str = "EUR") -> None:
        self.language = language if language in LOCALES else "en"
        self.locale = LOCALES[self.language]
        self.currency = currency
        self._messages = catalogue(self.language)

    def gettext(self, message: str | Plural) -> str:
        if isinstance(message, Plural):
            forms = self._messages.get(message.singular)
            if not isinstance(forms, dict):
                return message.english()
            category = _plural_rule(self.locale)(abs(message.n))
            return forms.get(category) or forms["other"]
        found = self._messages.get(message, message)
        return found if isinstance(found, str) else message

    def __call__(self, message: str | Plural, /, **params: object) -> str:
        """The message in this language, filled in with `params`. Text put in is written out
        visibly: a control character (an escape sequence in a folder's name) becomes its
        stand-in (`domain.text.visible`), so that no terminal acts on it."""
        text = self.gettext(message)
        if not params:
            return text
        return text.format(
            **{
                name: visible(str(value), keep_line_breaks=True)
                if isinstance(value, (str, PurePath))
                else value
                for name, value in params.items()
            }
        )

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The form of a message for the count `n`, filled in with `params`."""
        return self(Plural(singular, plural, n), **params)

    def points(self, n: int, *, signed: bool = False) -> str:
        """A count of points for a sentence: `1 point`, `1.234 Punkte`, `+5 points`."""
        shown = ("+" if signed and n >= 0 else "") + self.number(n)
        return self.ngettext("{count} point", "{count} points", n, count=shown)

    def customers(self, n: int) -> str:
        """A count of customers for a sentence: `1 customer`, `1.234 Kundinnen`."""
        return self.ngettext("{count} customer", "{count} customers", n, count=self.number(n))

    def money(self, value: Decimal) -> str:
        from babel.numbers import format_currency

        return format_currency(value, self.currency, locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.locale)

    def size(self, size: int) -> str:
        """A file's size for a person: `312 kB`, `1,5 MB`, `380 MB` (babel's units; 1 kB is
        1,024 bytes, as file managers count; a started kilobyte counts whole)."""
        from babel.units import format_unit

        kilobytes = -(-size // 1024)
        if kilobytes < 1024:
            return format_unit(kilobytes, "digital-kilobyte", length="short", locale=self.locale)
        megabytes = Decimal(size) / (1024 * 1024)
        pattern = "#,##0.0" if megabytes < 100 else "#,##0"
        return format_unit(
            megabytes, "digital-megabyte", length="short", format=pattern, locale=self.locale
        )

    def decimal(self, value: Decimal, places: int = 1) -> str:
        """A measured value with fixed decimals: `1,5` in German, `1.5` in English."""
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0." + "0" * places, locale=self.locale)

    def percent(self, share: Decimal) -> str:
        """A share from 0 to 1 as a percentage with one decimal: `68,3 %` / `68.3%`."""
        from babel.numbers import format_percent

        pattern = "#,##0.0 %" if self.language == "de" else "#,##0.0%"
        return format_percent(share, format=pattern, locale=self.locale)

    def whole_percent(self, share: Decimal) -> str:
        """A share from 0 to 1 as a whole percentage, rounded down (a job 99.6 % done is not
        yet `100 %`): `45 %` / `45%`."""
        from babel.numbers import format_percent

        share = Decimal(int(share * 100)) / 100
        return format_percent(
            share, format="#,##0 %" if self.language == "de" else "#,##0%", locale=self.locale
        )

    def date(self, value: date | None) -> str:
        from babel.dates import format_date

        if value is None:
            return ""
        pattern = "dd.MM.yyyy" if self.language == "de" else "dd/MM/yyyy"
        return format_date(value, pattern, locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        from babel.dates import format_datetime

        if value is None:
            return ""
        pattern = "dd.MM.yyyy HH:mm" if self.language == "de" else "dd/MM/yyyy HH:mm"
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=self.locale)
