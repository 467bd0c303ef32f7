"""Writing tables people open in Excel and mailing tools: typed cells, no formula injection."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

#: Text starting with one of these is read as a formula by spreadsheets (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make text inert for spreadsheets: a leading apostrophe, as OWASP recommends."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, phone (written as text, never neutralised), date, int, money
    width: int = 14


def _plain(value, kind: str):
    if value is None or value == "":
        return None
    if kind == "phone":
        return str(value)
    if kind == "text":
        return neutralise(str(value))
    if kind == "money":
        return float(value) if isinstance(value, Decimal) else value
    return value


class XlsxWriter:
    """A streaming (write-only) workbook: the header row frozen, columns sized, types kept."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str = "Export") -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.path, self.columns = path, columns
        self._cell = WriteOnlyCell
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title[:31])
        self.sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)
        self._money = [i for i, c in enumerate(columns) if c.kind == "money"]

    def write(self, values: Sequence) -> None:
        # Plain values stream fastest; text is already neutralised, so no string is read as a
        # formula (openpyxl only makes formulas of text starting with "="), and dates get a
        # date format on their own.
        row = [_plain(v, c.kind) for c, v in zip(self.columns, values, strict=True)]
        for index in self._money:
            if row[index] is not None:
                cell = self._cell(self.sheet, value=row[index])
                cell.number_format = "0.00"
                row[index] = cell
        self.sheet.append(row)

    def close(self) -> None:
        self.workbook.save(self.path)


class CsvWriter:
    """UTF-8 CSV (what Mailchimp takes), the same neutralisation as the workbook."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str = "") -> None:
        self.path, self.columns = path, columns
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow([c.header for c in columns])

    def write(self, values: Sequence) -> None:
        out = []
        for column, value in zip(self.columns, values, strict=True):
            plain = _plain(value, column.kind)
            if plain is None:
                out.append("")
            elif isinstance(plain, (date, datetime)):
                out.append(plain.isoformat())
            elif column.kind == "money":
                out.append(f"{Decimal(str(plain)):.2f}")
            else:
                out.append(str(plain))
        self.writer.writerow(out)

    def close(self) -> None:
        self.handle.close()


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """A file name that does not exist yet: `stem.xlsx`, then `stem-2.xlsx`, ... never overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        candidate = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        try:
            with candidate.open("x"):  # reserve the name: two exports never share a file
                return candidate
        except FileExistsError:
            number += 1
