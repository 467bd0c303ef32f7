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


#: One staged row, as its JSON payload reads back.
Payload = dict[str, Any]
