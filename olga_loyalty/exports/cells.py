"""Writing tables people open in Excel and mailing tools: typed cells, no formula injection."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from olga_loyalty.domain.errors import StorageError
from olga_loyalty.domain.text import visible
from olga_loyalty.files import create_private, ensure_folder

#: Text starting with one of these is read as a formula by spreadsheets (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What a mailing tool reads as an address or a phone and a spreadsheet cannot turn into a
#: call: a plain address (letters, digits and . _ % + - before the @; no quotes, pipes,
#: brackets or "!" that a formula or DDE call needs) and a phone in E.164.
_PLAIN_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def neutralise(text: str) -> str:
    """Make text inert for spreadsheets: a leading apostrophe, as OWASP recommends, for text
    a spreadsheet would evaluate. An email address or an E.164 phone stays exactly as it is
    (`-info@example.com` is an address, and a mailing tool reads it as one)."""
    if not text.startswith(FORMULA_STARTS):
        return text
    if _PLAIN_EMAIL.fullmatch(text) or _E164.fullmatch(text):
        return text
    return "'" + text


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
            if isinstance(value, str):
                value = visible(value)  # never a raw control character in the file
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
    """A file name that does not exist yet: `stem.xlsx`, then `stem-2.xlsx`, ... never overwrite.
    The file is created empty with mode 0600 in a folder with mode 0700 (olga_loyalty/files.py):
    what is written into it is personal data."""
    ensure_folder(folder, private=True)
    stem = file_name_part(stem)
    number = 1
    while True:
        candidate = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        try:
            return create_private(candidate)  # reserve the name: two exports never share a file
        except FileExistsError:
            number += 1
        except OSError as exc:
            raise StorageError(
                "Cannot write {path}: {reason}",
                path=str(candidate),
                reason=exc.strerror or str(exc),
            ) from None


#: Characters no file name may hold on Windows, macOS or Linux (a tier named "Gold/VIP").
_NOT_IN_FILE_NAMES = frozenset('/\\:*?"<>|')


def file_name_part(text: str) -> str:
    """Text made safe as (part of) a file name: separators, reserved and control characters
    become "-"."""
    return (
        "".join(
            "-" if ch in _NOT_IN_FILE_NAMES or not ch.isprintable() else ch for ch in text
        ).strip(" .")
        or "export"
    )
