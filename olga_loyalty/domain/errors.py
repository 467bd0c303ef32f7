"""One exception family. Every message is a sentence a shop owner understands.

A message is an English template with named parameters; the UI and the command line
translate the template through the message catalogue before filling it in, so the
same error reads in German or English. A message whose wording depends on a number
("1 point", "2 points") is a `Plural`: both English forms and the number; the catalogue
holds one wording per plural category of the language (see olga_loyalty/i18n).
"""

from __future__ import annotations

from typing import NamedTuple


class Plural(NamedTuple):
    """A message that depends on a count: the English singular and plural templates and the
    count `n` (a whole number; its sign does not matter) that chooses between them."""

    singular: str
    plural: str
    n: int

    def english(self) -> str:
        return self.singular if abs(self.n) == 1 else self.plural


class LoyaltyError(Exception):
    """Base of every error the product reports to a person."""

    exit_code = 1

    def __init__(
        self, template: str | Plural, *, field: str | None = None, **params: object
    ) -> None:
        self.template = template
        self.field = field
        # What a person typed is echoed back: never with line breaks or control characters.
        self.params = {
            k: "".join(ch if ch.isprintable() else "?" for ch in v) if isinstance(v, str) else v
            for k, v in params.items()
        }
        super().__init__(self.render())

    def __reduce__(self):
        # Sent between processes (the import's checks run in a pool) as what it is: its
        # template and parameters, so that it is still translated where it is shown.
        return (_rebuild, (type(self), self.template, self.field, self.params))

    def render(self, translate=None) -> str:
        if translate is None:
            template = self.template
            return (template.english() if isinstance(template, Plural) else template).format(
                **self.params
            )
        params = {k: translate(v) if isinstance(v, str) else v for k, v in self.params.items()}
        return translate(self.template).format(**params)


class InvalidInput(LoyaltyError):
    """What was typed cannot be accepted (exit code 2). `field` names the form field."""

    exit_code = 2


class Refused(LoyaltyError):
    """The input is well-formed but the action is not allowed (exit code 1)."""

    exit_code = 1


class NotFound(Refused):
    """No such customer, purchase or file."""


class DatabaseBusy(Refused):
    """Another till kept the database locked for longer than we wait."""


class StorageError(Refused):
    """The database file cannot be opened or written."""


def _rebuild(cls: type[LoyaltyError], template, field, params) -> LoyaltyError:
    return cls(template, field=field, **params)
