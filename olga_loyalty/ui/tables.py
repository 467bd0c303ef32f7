"""Tables that use the room the screen gives them."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import DataTable


class RoomyTable(DataTable):
    """A table whose widest column (`roomy`: a column key) gets the room the other columns
    leave, so a note or a reason is cut only where the screen really ends; the width given
    to `add_column` is its least. The room of a scroll bar is left free when the rows need one."""

    def __init__(self, *args, roomy: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.roomy = roomy
        self._least: dict[str, int] = {}

    def add_column(self, label, *, width=None, key=None, default=None):
        """A column; a str label is a word shown as it is, not markup (DataTable would parse
        it, and load rich's emoji table for that before the search screen's first paint)."""
        if key is not None and width is not None:
            self._least[key] = width
        if isinstance(label, str):
            label = Text(label)
        return super().add_column(label, width=width, key=key, default=default)

    def _on_resize(self, event: events.Resize) -> None:
        super()._on_resize(event)
        self.fit_columns()

    def _update_dimensions(self, new_rows) -> None:
        self.fit_columns()  # columns added, or the first layout: now the size is known
        super()._update_dimensions(new_rows)
        self.fit_columns()  # rows added: a scroll bar may be needed now

    def fit_columns(self) -> None:
        column = self.columns.get(self.roomy) if self.roomy else None  # type: ignore[call-overload]
        if column is None or not self.size.width:
            return
        others = sum(c.get_render_width(self) for c in self.columns.values() if c is not column)
        rows = self._total_row_height + (self.header_height if self.show_header else 0)
        bar = self.styles.scrollbar_size_vertical if rows > self.size.height else 0
        room = self.size.width - bar - others
        width = max(self._least.get(self.roomy or "", 1), room - 2 * self.cell_padding)
        if column.width != width or column.auto_width:
            column.width, column.auto_width = width, False
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()
