"""Column types that keep money exact and time unambiguous on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from peewee import BigIntegerField, DateTimeField

from olga_loyalty.config import from_utc_naive, utc_naive
from olga_loyalty.domain.money import cents, from_cents


class MoneyField(BigIntegerField):
    """A Decimal amount stored as whole cents: exact in sums on every database."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return cents(value)
        return int(value)

    def python_value(self, value):
        return None if value is None else from_cents(int(value))


class UtcDateTimeField(DateTimeField):
    """Aware datetimes in, stored as UTC, aware local datetimes out."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = utc_naive(value)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            return from_utc_naive(value)
        return value
