"""One exception family. Every message is a sentence a shop owner understands.

A message is an English template with named parameters; the UI and the command line
translate the template through the message catalogue before filling it in, so the
same error reads in German or English. A message whose wording depends on a number
("1 point", "2 points") is a `Plural`: both English forms and the number; the catalogue
holds one wording per plural category of the language (see olga_loyalty/i18n).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from olga_loyalty.domain.controls import visible


class Money(Decimal):
    """A sum of money in a message. The command line and the screens show it per the shop's
    language and currency (`100.000,00 €`, `€100,000.00`); without a translator it reads
    `100000.00`."""

    __slots__ = ()


class Count(int):
    """A number of things in a message (points, rows, characters, a limit): shown with the
    language's digit grouping (`1.000` in German, `1,000` in English). Identifiers (customer
    and purchase numbers, row numbers, versions, years) stay plain ints and are shown as
    they are."""

    __slots__ = ()


class Plural(NamedTuple):
    """A message that depends on a count: the English singular and plural templates and the
    count `n` (a whole number; its sign does not matter) that chooses between them."""

    singular: str
    plural: str
    n: int

    def english(self) -> str:
        return self.singular if abs(self.n) == 1 else self.plural


#: A Translator's `gettext` (or the Translator itself): a template in, its wording out.
Translate = Callable[[str | Plural], str]


class LoyaltyError(Exception):
    """Base of every error the product reports to a person."""

    exit_code = 1

    def __init__(
        self, template: str | Plural, *, field: str | None = None, **params: object
    ) -> None:
        self.template = template
        self.field = field
        # What a person typed is echoed back: never with line breaks or control characters,
        # each shown as its visible stand-in (`␛`, `␊`), as everywhere else (domain.text)
        self.params = {k: visible(v) if isinstance(v, str) else v for k, v in params.items()}
        super().__init__(self.render())

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent between processes (the import's checks run in a pool) as what it is: its
        # template and parameters, so that it is still translated where it is shown.
        return (_rebuild, (type(self), self.template, self.field, self.params))

    def render(self, translate: Translate | None = None) -> str:
        """The message in words. `translate` is a Translator's `gettext` (or the Translator):
        the template and every text parameter are translated, and `Money` and `Count`
        parameters are written the way the Translator's language writes numbers."""
        if translate is None:
            template = self.template
            return (template.english() if isinstance(template, Plural) else template).format(
                **self.params
            )
        numbers = getattr(translate, "__self__", translate)  # the Translator behind gettext
        params = {k: _shown(v, translate, numbers) for k, v in self.params.items()}
        return translate(self.template).format(**params)


def _shown(value: object, translate: Translate, numbers: Any) -> object:
    if isinstance(value, str):
        return translate(value)
    if isinstance(value, Money) and hasattr(numbers, "money"):
        return numbers.money(Decimal(value))
    if isinstance(value, Count) and hasattr(numbers, "number"):
        return numbers.number(int(value))
    return value


class InvalidInput(LoyaltyError):
    """What was typed cannot be accepted (exit code 2). `field` names the form field."""

    exit_code = 2


class Refused(LoyaltyError):
    """The input is well-formed but the action is not allowed (exit code 1)."""

    exit_code = 1


class NotFound(Refused):
    """No such customer, purchase or file."""


class CustomerErased(NotFound):
    """The customer asked for by her number was erased (perhaps a moment ago, at another
    till): her personal data is gone, and nothing more is recorded for her."""


class DatabaseBusy(Refused):
    """Another till kept the database locked for longer than we wait."""


class StorageError(Refused):
    """The database file cannot be opened or written."""


def _rebuild(
    cls: type[LoyaltyError], template: str | Plural, field: str | None, params: dict[str, object]
) -> LoyaltyError:
    return cls(template, field=field, **params)
