"""The sheets of the access export (GDPR Art. 15) and how one is written into a workbook:
typed cells, never a formula, columns sized to their contents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from olga_loyalty.domain.text import visible
from olga_loyalty.i18n import Translator


@dataclass
class Sheet:
    """One sheet of the access export: an English title and headers (translated when it is
    written) and rows of plain values, each column of one kind."""

    title: str
    columns: list[tuple[str, str]]  # (English header, kind: text, int, date, datetime, money)
    rows: list[list]
    widths: list[int] | None = None


def sheet_formats(t: Translator) -> dict[str, str]:
    day = "DD.MM.YYYY" if t.language == "de" else "DD/MM/YYYY"
    return {"date": day, "datetime": day + " HH:MM", "money": "#,##0.00"}


def write_sheet(workbook, sheet: Sheet, t: Translator, *, header: bool = True) -> None:
    """Typed cells: text always a string cell exactly as stored (never a formula), dates and
    times as dates, money as a number with two decimals; columns sized to their contents."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    ws = workbook.create_sheet(sheet_title(t(sheet.title)))
    formats = sheet_formats(t)
    widths = [len(t(h)) if h else 0 for h, _ in sheet.columns]
    first = 1
    if header:
        for index, (title, _) in enumerate(sheet.columns, start=1):
            ws.cell(1, index, t(title)).font = Font(bold=True)
        ws.freeze_panes = "A2"
        first = 2
    for offset, values in enumerate(sheet.rows):
        for index, (value, (_, kind)) in enumerate(zip(values, sheet.columns, strict=True), 1):
            if value is None or value == "":
                continue
            cell = ws.cell(first + offset, index)
            if isinstance(value, str):
                # a control character saved before the input rules: a visible stand-in
                value = ILLEGAL_CHARACTERS_RE.sub("", visible(value, keep_line_breaks=True))
                cell.value = value
                cell.data_type = "s"  # a string cell, even for "=..."
                shown = max((len(line) for line in value.splitlines()), default=0)
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = formats["datetime"]
                    shown = 16
                elif isinstance(value, date):
                    cell.number_format = formats["date"]
                    shown = 10
                elif kind == "money":
                    cell.number_format = formats["money"]
                    shown = len(f"{value:,.2f}")
                else:
                    shown = len(str(value))
            widths[index - 1] = max(widths[index - 1], shown)
        if not header and offset == 0:
            ws.cell(1, 1).font = Font(bold=True)
    if not header:
        for row in ws.iter_rows(min_col=1, max_col=1):
            row[0].font = Font(bold=True)
            row[0].alignment = Alignment(vertical="top")
        for row in ws.iter_rows(min_col=2, max_col=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(sheet.widths or widths, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = min(max(width + 2, 8), 60)


def sheet_title(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "Sheet"
