"""Small shared widgets and helpers for the screens."""

from __future__ import annotations


def fit(text: str, width: int) -> str:
    """Cut text to a column width with an ellipsis, so nothing spills over."""
    return text if len(text) <= width else text[: width - 1] + "…"
