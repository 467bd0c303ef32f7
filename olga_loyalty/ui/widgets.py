"""Small shared widgets and helpers for the screens."""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.style import Style
from textual.widgets import Checkbox, DataTable


def fit(text: str, width: int) -> str:
    """Cut text to a column width with an ellipsis, so nothing spills over."""
    return text if len(text) <= width else text[: width - 1] + "…"


class RoomyTable(DataTable):
    """A table whose widest column (`roomy`: a column key) gets the room the other columns
    leave, so a note or a reason is cut only where the screen really ends; the width given
    to `add_column` is its least. The room of a scroll bar is left free when the rows need one."""

    def __init__(self, *args, roomy: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.roomy = roomy
        self._least: dict[str, int] = {}

    def add_column(self, label, *, width=None, key=None, default=None):  # type: ignore[override]
        if key is not None and width is not None:
            self._least[key] = width
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


class TickBox(Checkbox):
    """A checkbox whose two states differ in shape, not only in colour: `▐X▌` ticked,
    `▐ ▌` not (Textual draws an X in both)."""

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            (self.BUTTON_INNER if self.value else " ", button_style),
            (self.BUTTON_RIGHT, side_style),
        )
