"""The command line's `--json`: one encoder for everything the services give back.

Money (Decimal) is written with two decimals as a string ("12.50"), a moment to the second
(ISO 8601 with its offset), a day as YYYY-MM-DD, an Enum by its value, a path as text and a
dataclass as an object of its fields in their order. Where a command's output names or
chooses fields differently from its result object, the command keeps that mapping itself.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

from olga_loyalty.domain.money import money_str
from olga_loyalty.domain.text import visible


class Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return money_str(o)
        if isinstance(o, datetime):
            return o.isoformat(timespec="seconds")
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, Enum):
            return o.value
        if isinstance(o, PurePath):
            return str(o)
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return fields_of(o)
        return super().default(o)


def fields_of(result: Any, *names: str) -> dict[str, Any]:
    """The named attributes of a result (all fields of a dataclass when none are named)."""
    if not names:
        names = tuple(field.name for field in dataclasses.fields(result))
    return {name: getattr(result, name) for name in names}


def emit_json(data: Any) -> None:
    print(json.dumps(data, cls=Encoder, ensure_ascii=False, indent=2))


class VisibleStream:
    """Standard output or error of a command: each control character written becomes its
    visible stand-in (`domain.text.visible`), except the line breaks, tabs and the carriage
    return of a progress line. A folder named with an escape sequence (`c\\x1b[2J…`) then
    prints as `c␛[2J…` instead of clearing the screen or retitling the window. `--json`
    output is not touched: JSON writes control characters as `\\u001b`."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(
            "\r".join(visible(part, keep_line_breaks=True) for part in text.split("\r"))
        )
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
