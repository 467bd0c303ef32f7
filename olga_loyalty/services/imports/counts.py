"""What a decided import has written so far, kept on its run (JSON) between batches."""

from __future__ import annotations

from typing import Any, TypedDict


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
