"""Olga Loyalty: a desktop loyalty manager for small shops."""

__version__ = "0.2.0"
