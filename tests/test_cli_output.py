"""The command line's one JSON encoder (olga_loyalty/cli/output.py): what each kind of value
the services give back becomes in `--json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest

from olga_loyalty.cli.output import Encoder, emit_json, fields_of


class Channel(Enum):
    EMAIL = "email"


@dataclass(frozen=True)
class Lot:
    points: int
    expires_on: date


@dataclass(frozen=True)
class Result:
    amount: Decimal
    at: datetime
    lots: list[Lot]
    path: Path
    channel: Channel


def encode(value) -> str:
    return json.dumps(value, cls=Encoder, ensure_ascii=False)


def test_each_kind_of_value_is_written_the_one_way():
    result = Result(
        amount=Decimal("12.5"),
        at=datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        lots=[Lot(100, date(2027, 12, 31))],
        path=Path("/tmp/x/newsletter.xlsx"),
        channel=Channel.EMAIL,
    )
    assert json.loads(encode(result)) == {
        "amount": "12.50",  # money: two decimals, as text
        "at": "2026-11-23T10:00:00+01:00",  # to the second, with its offset
        "lots": [{"points": 100, "expires_on": "2027-12-31"}],
        "path": "/tmp/x/newsletter.xlsx",
        "channel": "email",
    }
    assert encode(Decimal("-0.5")) == '"-0.50"'
    assert encode(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == '"2026-01-02T03:04:05+00:00"'


def test_fields_of_keeps_the_order_asked_for():
    result = Result(Decimal(1), datetime(2026, 1, 1, tzinfo=UTC), [], Path("p"), Channel.EMAIL)
    assert list(fields_of(result, "path", "amount")) == ["path", "amount"]
    assert list(fields_of(result)) == ["amount", "at", "lots", "path", "channel"]


def test_anything_else_is_refused_not_guessed():
    with pytest.raises(TypeError):
        encode({"x": object()})
    with pytest.raises(TypeError):
        encode(Result)  # a class is not a result


def test_emit_json_prints_indented_unicode(capsys):
    emit_json({"name": "Müller", "n": 1})
    assert capsys.readouterr().out == '{\n  "name": "Müller",\n  "n": 1\n}\n'
