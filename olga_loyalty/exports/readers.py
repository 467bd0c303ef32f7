"""Reading the spreadsheets shops keep: .xlsx (python-calamine, fast) and CSV as Excel writes it."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from olga_loyalty.domain.errors import InvalidInput

MAX_ROWS = 500_000
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
        raise InvalidInput("The file has more than {most} rows.", field="file", most=MAX_ROWS)
    return rows


def _read_workbook(path: Path) -> list[list]:
    """The first sheet, after `check_workbook` found it within the import's bounds."""
    from python_calamine import CalamineWorkbook

    from olga_loyalty.exports.workbook_guard import check_workbook

    first = check_workbook(path)
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


def _decode(raw: bytes) -> tuple[str, str] | None:
    """The text and the name of its encoding: a byte order mark decides, else UTF-8, else
    Windows-1252 (what older Excel writes in Western Europe)."""
    for bom, codec, name in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), name
            except UnicodeDecodeError:
                return None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined
        return None


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    decoded = _decode(raw)
    if decoded is None or "\x00" in decoded[0]:
        raise InvalidInput("{name} is not a text file.", field="file", name=path.name)
    text, encoding = decoded
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        table = Table([cell.strip() for cell in row] for row in reader)
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
