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
