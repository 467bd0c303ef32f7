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
    """A streaming workbook for long lists (the newsletter export): the header row frozen,
    columns sized, each column written with its own type, so text is never read as a formula,
    a number or a link: a text cell holds the text exactly as stored (an .xlsx string cell is
    never evaluated, so it needs no guard). XlsxWriter in constant-memory mode streams each
    row to disk and is about twice as fast as openpyxl's write-only mode (docs/benchmarks.md)."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str = "Export") -> None:
        import xlsxwriter

        self.path, self.columns = path, columns
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.sheet = self.workbook.add_worksheet(_sheet_title(title))
        self.sheet.freeze_panes(1, 0)
        bold = self.workbook.add_format({"bold": True})
        formats = {
            "date": self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "money": self.workbook.add_format({"num_format": "0.00"}),
        }
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, column.width)
            self.sheet.write_string(0, index, column.header, bold)
        sheet = self.sheet
        writers = {
            "text": lambda r, c, v: sheet.write_string(r, c, str(v)),
            "phone": lambda r, c, v: sheet.write_string(r, c, str(v)),
            "date": lambda r, c, v: sheet.write_datetime(r, c, v, formats["date"]),
            "int": lambda r, c, v: sheet.write_number(r, c, v),
            "money": lambda r, c, v: sheet.write_number(r, c, float(v), formats["money"]),
        }
        self._writers = [(index, writers[c.kind]) for index, c in enumerate(columns)]
        self._row = 0

    def write(self, values: Sequence) -> None:
        if len(values) != len(self._writers):
            raise ValueError("a row must have one value per column")
        self._row += 1
        row = self._row
        for (index, write), value in zip(self._writers, values, strict=True):
            if value is not None and value != "":
                write(row, index, value)

    def close(self) -> None:
        self.workbook.close()


def _sheet_title(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Export"


class CsvWriter:
    """CSV for upload (UTF-8, `,`: what Mailchimp and the others take) or, with `excel`, for
    opening in Excel with a double click (UTF-8 with BOM so that umlauts survive, `;` and a
    decimal comma as German Excel expects). Fields a spreadsheet would evaluate are
    neutralised."""

    def __init__(
        self, path: Path, columns: Sequence[Column], title: str = "", *, excel: bool = False
    ) -> None:
        self.path, self.columns = path, columns
        self.handle = path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="")
        self.writer = csv.writer(self.handle, delimiter=";" if excel else ",")
        self.decimal = "," if excel else "."
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
                out.append(f"{Decimal(str(plain)):.2f}".replace(".", self.decimal))
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
