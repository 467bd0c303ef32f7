"""Bar charts for the reports screen, drawn to the cell: each bar a whole number of columns,
so the bars of one month never run into each other (plotext placed them at fractional
columns, and at 80 columns its bars overlapped), eighth-block tops for the height, y-axis
labels with their unit, month names for the x axis, and the legend on a line of its own
above the plot, in colours that read on the dark and the light theme.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from olga_loyalty.domain.text import visible

EIGHTHS = " ▁▂▃▄▅▆▇█"
#: Series colours, distinct from each other and from both themes' backgrounds.
COLOURS = ("#4a90e2", "#2fb36b", "#e0564a")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


class BarChart(Widget):
    """A grouped bar chart that fills its widget: the bars get the width the months leave
    (at least one column each, a gap between months), the plot the height the title and
    the month names leave."""

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 6; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = ""
        self.labels: list[str] = []
        self.short_labels: list[str] = []
        self.series: list[Series] = []
        self.axis_label: Callable[[float], str] = lambda value: f"{value:g}"

    def show(
        self,
        title: str,
        labels: Sequence[str],
        series: Sequence[Series],
        axis_label: Callable[[float], str],
        short_labels: Sequence[str] = (),
    ) -> None:
        """`labels` under the bars (`Dez. 25`), or `short_labels` (`Dez.`) where the long
        ones do not fit under every month."""
        self.title, self.labels, self.series = title, list(labels), list(series)
        self.short_labels = list(short_labels) or self.labels
        self.axis_label = axis_label
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        if not self.labels or not self.series or width < 10 or height < 4:
            return Text(visible(self.title))
        top = max((max(s.values, default=0) for s in self.series), default=0) or 1
        ticks = [top, top / 2, 0]
        tick_labels = [self.axis_label(v) for v in ticks]
        axis_width = max(len(label) for label in tick_labels) + 1
        plot_rows = height - 2  # the title line above, the month names below
        months, count = len(self.labels), len(self.series)
        room = width - axis_width - 1
        bar = max(1, (room // months - 1) // count)  # each bar whole columns, a gap per month
        group = max(bar * count + 1, room // months)  # the months spread over the width
        gap = group - bar * count
        lines = [self._title_line()]
        tick_rows = {
            0: tick_labels[0],
            plot_rows // 2: tick_labels[1],
            plot_rows - 1: tick_labels[2],
        }
        for row in range(plot_rows):
            line = Text(f"{tick_rows.get(row, ''):>{axis_width - 1}}", style="dim")
            line.append("┤" if row in tick_rows else "│", style="dim")
            # the value this row stands for, from its bottom edge
            floor = top * (plot_rows - 1 - row) / plot_rows
            for index in range(months):
                for number, series in enumerate(self.series):
                    value = max(0.0, float(series.values[index]))
                    eighths = round((value - floor) / top * plot_rows * 8)
                    if value > 0 and row == plot_rows - 1:
                        eighths = max(eighths, 1)  # a small value still shows
                    block = EIGHTHS[max(0, min(8, eighths))]
                    line.append(block * bar, style=COLOURS[number % len(COLOURS)])
                line.append(" " * gap)
            lines.append(line)
        lines.append(self._month_line(axis_width, group))
        return Text("\n").join(lines)

    def _title_line(self) -> Text:
        line = Text(visible(self.title), style="bold")
        if len(self.series) > 1:
            for number, series in enumerate(self.series):
                line.append("  ■ ", style=COLOURS[number % len(COLOURS)])
                line.append(visible(series.name))
        return line

    def _month_line(self, axis_width: int, group: int) -> Text:
        """Month names under their bars; one that would run into the one before is left out
        (every month stays in the table below the chart)."""
        labels = self.labels
        if max(len(label) for label in labels) >= group:
            labels = self.short_labels
        text = [" "] * (axis_width + group * len(labels) + 20)
        free_from = 0
        for index, label in enumerate(labels):
            start = axis_width + index * group
            if start < free_from:
                continue
            text[start : start + len(label)] = label
            free_from = start + len(label) + 1
        return Text(visible("".join(text).rstrip()), style="dim")
