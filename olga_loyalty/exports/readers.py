"""Reading the spreadsheets shops keep: .xlsx (python-calamine, fast) and CSV as Excel writes it."""

from __future__ import annotations

import codecs
import csv
import itertools
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from olga_loyalty.domain.errors import Count, InvalidInput
from olga_loyalty.exports import workbook_guard
from olga_loyalty.exports.workbook_guard.limits import MAX_ROWS

#: A CSV file larger than this is refused before it is read (500,000 customers with every
#: column filled take about 100 MB).
MAX_CSV_BYTES = 200_000_000
#: Byte order marks, longest first: Excel's "Unicode text" is UTF-16 (little-endian) with one.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


class Table(list):
    """The rows of a CSV file, and how the file was written: its encoding (`UTF-16`,
    `UTF-8`, `UTF-8 with BOM`, `Windows-1252`) and its separator (`;`, `,` or a tab)."""

    encoding: str | None = None
    separator: str | None = None


def read_table(path: Path) -> list[list]:
    """All rows of the first sheet (or the CSV) as lists of plain values; row 1 is the header."""
    if not path.exists():
        raise InvalidInput("The file {path} does not exist.", field="file", path=str(path))
    if not path.is_file():
        raise InvalidInput("{path} is not a file.", field="file", path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_workbook(path)
    elif suffix in (".xls", ".ods", ".xlsb"):
        # Their size cannot be checked before reading (see exports.workbook_guard).
        raise InvalidInput(
            "{name} is an older or other spreadsheet format; open it in Excel or LibreOffice "
            "and save it as .xlsx (or .csv), then import that file.",
            field="file",
            name=path.name,
        )
    elif suffix in (".csv", ".txt"):
        rows = _read_csv(path)
    else:
        raise InvalidInput(
            "{name} is neither an Excel file (.xlsx) nor a CSV file (.csv).",
            field="file",
            name=path.name,
        )
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            "The file has more than {most} rows.", field="file", most=Count(MAX_ROWS)
        )
    return rows


def _read_workbook(path: Path) -> list[list]:
    """The first sheet, after `check_workbook` found it within the import's bounds."""
    from python_calamine import CalamineWorkbook  # a native library, loaded when first needed

    first = workbook_guard.check_workbook(path)
    try:
        with _as_xlsx(path) as readable:
            workbook = CalamineWorkbook.from_path(str(readable))
            if workbook.sheet_names[:1] != [first]:
                # The guard measured another part than the one the reader takes.
                raise InvalidInput(
                    "{name} is not laid out as Excel lays out a workbook: which of its parts "
                    "is the first sheet cannot be told for sure, so it was not read. Open it "
                    "in Excel and save it again.",
                    field="file",
                    name=path.name,
                )
            sheet = workbook.get_sheet_by_index(0)
            rows = sheet.to_python(skip_empty_area=False)
    except InvalidInput:
        raise
    except MemoryError:
        raise InvalidInput(
            "{name} is too large to read on this computer.", field="file", name=path.name
        ) from None
    except BaseException as exc:
        # calamine raises its own errors for broken zips, bad XML and passwords, and a Rust
        # panic arrives as pyo3's PanicException, which is not an Exception: both refuse.
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise InvalidInput(
            "{name} cannot be read as an Excel file: it is damaged, protected or not really "
            ".xlsx. Open it in Excel and save it again.",
            field="file",
            name=path.name,
        ) from None
    return [[_cell(v) for v in row] for row in rows]


@contextmanager
def _as_xlsx(path: Path):
    """The path under a name calamine reads only as .xlsx. calamine chooses its reader by
    the extension, in lower case only: for `KUNDEN.XLSX` it tries every format it knows in
    turn (old Excel, .xlsb, OpenDocument), none of which the guard measured."""
    if path.suffix in (".xlsx", ".xlsm"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="olga-import-") as folder:
        readable = Path(folder) / "workbook.xlsx"
        try:
            readable.symlink_to(path.resolve())
        except OSError:  # Windows without the right to make links
            shutil.copyfile(path, readable)
        yield readable


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, str):
        return value.strip()
    return value


def _read_csv(path: Path) -> Table:
    """The rows of a CSV file, read line by line: the encoding is told by the first bytes (a
    byte order mark), else UTF-8 is tried and, at the first byte that is not UTF-8, the file
    is read again as Windows-1252; reading stops at the row limit. A file larger than any
    customer list is refused before a byte of it is read."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise InvalidInput(
            "{name} is {size} MB; a customer list as CSV is far smaller (at most {most} MB "
            "are read).",
            field="file",
            name=path.name,
            size=size // 1_000_000,
            most=MAX_CSV_BYTES // 1_000_000,
        )
    with path.open("rb") as handle:
        head = handle.read(4)
    tries = [(codec, name) for bom, codec, name in BOMS if head.startswith(bom)][:1] or [
        ("utf-8", "UTF-8"),
        ("cp1252", "Windows-1252"),
    ]
    for codec, encoding in tries:
        try:
            return _read_csv_as(path, codec, encoding)
        except (UnicodeDecodeError, _NotText):
            continue
    raise InvalidInput("{name} is not a text file.", field="file", name=path.name)


class _NotText(Exception):
    """A NUL character: a binary file, or text in another encoding than the one tried."""


def _lines(handle):
    for line in handle:
        if "\x00" in line:
            raise _NotText
        yield line


def _read_csv_as(path: Path, codec: str, encoding: str) -> Table:
    with path.open(encoding=codec, newline="") as handle:
        lines = _lines(handle)
        first = next(lines, "")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        if first.count("\t") > max(first.count(";"), first.count(",")):
            delimiter = "\t"
        table = Table()
        try:
            for row in csv.reader(itertools.chain([first], lines), delimiter=delimiter):
                table.append([cell.strip() for cell in row])
                if len(table) > MAX_ROWS:
                    raise InvalidInput(
                        "The file has more than {most} rows.", field="file", most=Count(MAX_ROWS)
                    )
        except csv.Error:
            raise InvalidInput(
                "{name} is not a readable CSV file.", field="file", name=path.name
            ) from None
    table.encoding, table.separator = encoding, delimiter
    return table


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()
