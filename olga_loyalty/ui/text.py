"""Every text shown is text: what comes from the database, a file or a person's typing is
never read as markup.

Textual reads a `str` given to a label, a table cell, a border title or a button as content
markup, so a surname like `Crash[/i]` raised MarkupError on every start and `Anna [VIP]`
showed as "Anna ". Screens therefore never hand a widget a str with data in it; they hand
it `Content`:

- `plain(value)`: data exactly as it is (control characters as visible stand-ins);
- `marked(template, **values)`: one of our own messages, whose markup (`[b]…[/b]`) styles it,
  with its `{fields}` filled by values that are shown exactly as they are;
- `lines(...)`: several of them, one per line.

Notifications are plain text too (`LoyaltyApp.notify` never reads markup), and so are the
command palette's hits (`ui/commands.py`).
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content

from olga_loyalty.domain.text import visible

_FIELD = re.compile(r"\{(\w+)\}")


def fit(text: str, width: int) -> str:
    """Cut text to a column width with an ellipsis, so nothing spills over."""
    return text if len(text) <= width else text[: width - 1] + "…"


def plain(value: object) -> Content:
    """Data shown exactly as it is: never markup, never a control character."""
    if isinstance(value, Content):
        return value
    return Content(visible("" if value is None else str(value)))


def marked(template: str, **values: object) -> Content:
    """Our own message (already translated) with its markup, and the values in it shown as
    they are: `marked(t.gettext("[b]{points} points[/b] = {value}"), points=..., value=...)`."""
    # The values go in as Textual's template variables, which are substituted after the
    # markup is parsed: nothing in a value can open or close a tag.
    source = _FIELD.sub(r"${\1}", template.replace("$", "$$"))
    return Content.from_markup(
        source, **{name: visible(str(value)) for name, value in values.items()}
    )


def wrapped(value: object, width: int) -> Content:
    """Data (see `plain`) broken into lines at spaces to fit `width` columns: a table cell
    whose row is as high as it needs (`DataTable.add_row(..., height=None)` counts lines, it
    does not wrap)."""
    import textwrap

    text = visible("" if value is None else str(value))
    return lines(*(textwrap.wrap(text, width, break_on_hyphens=False) or [""]))


def lines(*parts: object) -> Content:
    """Several texts, one per line; a str among them is data (see `plain`)."""
    return Content("\n").join(plain(part) for part in parts)


def cell(value: object) -> Text:
    """Data for a table cell that may be wider than its column: one line, cut with `…` at
    the column's edge (the row's detail shows it whole). Never markup."""
    return Text(visible("" if value is None else str(value)), no_wrap=True, overflow="ellipsis")
