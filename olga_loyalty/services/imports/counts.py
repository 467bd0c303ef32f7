"""What a decided import has written so far, kept on its run (JSON) between batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from olga_loyalty.i18n import Translator


class Counts(TypedDict, total=False):
    imported: int  # customers written
    #: Rows another till registered meanwhile: [row number, "phone" or "email", the value].
    taken: list[list[Any]]
    matched: int  # customers an unsubscribe list named
    withdrawn: int  # their marketing consents withdrawn
    done: bool  # the last batch is written


#: One staged row, as its JSON payload reads back: an object (an unsubscribe list's contact;
#: a customer row staged by an older version) or a list (a customer row, customer_rows.py).
Payload = Any


@dataclass(frozen=True)
class Completed:
    """An import that a crash interrupted after it was decided, finished by this process
    (`imports.finish_interrupted`: before an import's check, the import itself, the daily
    run)."""

    kind: str  # customers, unsubscribes
    file: str
    #: What was written now: the customers imported (rows another till registered meanwhile
    #: are left out), or the contacts put on the suppression list (an unsubscribe list).
    written: int
    #: A customer list: the customers it imported in all, before the crash and now.
    in_all: int | None = None

    def text(self, t: Translator) -> str:
        """In one line, for the command line and the import screen."""
        if self.kind == "unsubscribes":
            return t(
                "An unsubscribe import interrupted earlier ({file}) was completed: {contacts} "
                "put on the suppression list now.",
                file=self.file,
                contacts=t.ngettext(
                    "{count} contact",
                    "{count} contacts",
                    self.written,
                    count=t.number(self.written),
                ),
            )
        return t(
            "An import interrupted earlier ({file}) was completed: {customers} written now, "
            "{total} in all.",
            file=self.file,
            customers=t.customers(self.written),
            total=t.number(self.in_all or 0),
        )
