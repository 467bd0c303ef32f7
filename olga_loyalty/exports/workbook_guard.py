"""Checking an .xlsx file before the reader sees it, so a hostile file is refused in words.

python-calamine is fast, but it trusts the file: it allocates one slot for every cell from
A1 to the last filled cell (a single value in XFD1048576 asks for 512 GB and aborts the
process), it inflates whatever the zip holds, and a Rust panic comes out as an exception
Python's `except Exception` does not catch. So before it reads anything:

1. the zip: at most `MAX_ENTRIES` parts, each at most `MAX_PART_BYTES` and all together at most
   `MAX_TOTAL_BYTES` uncompressed, none inflating more than `MAX_RATIO` times (a zip bomb);
2. every XML part is streamed through once (constant memory, counting the real bytes, since
   a zip may lie about them): a document type declaration (`<!DOCTYPE`, `<!ENTITY`: external
   entities, "billion laughs") is refused, so is XML that is not UTF-8 (Excel never writes
   either);
3. the first sheet's declared dimension and its real last filled cell: at most
   `MAX_ROWS` + 1 rows (the header), `MAX_COLUMNS` columns and `MAX_CELLS` cells from A1 to the
   last filled cell, and a sheet of more than `SPARSE_CELLS` cells must not be mostly empty
   (a few values spread over a huge area cost the reader as much as a full sheet).

Every limit is far above a shop's customer list (100,000 customers in 12 columns pass).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from olga_loyalty.domain.errors import Count, InvalidInput, Plural
from olga_loyalty.exports.readers import MAX_ROWS  # data rows, as read_table allows

MAX_COLUMNS = 256
MAX_CELLS = 10_000_000  # from A1 to the last filled cell, e.g. 500,000 rows of 20 columns
SPARSE_CELLS = 1_500_000  # above this, at least one cell in SPARSE_SHARE must be filled
SPARSE_SHARE = 8
MAX_ENTRIES = 1_000
MAX_PART_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # for parts over RATIO_FLOOR bytes; real sheets inflate 5 to 20 times
RATIO_FLOOR = 1024 * 1024
CHUNK = 1024 * 1024
TAG_MAX = 64 * 1024

_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# A row or a cell start tag (any namespace prefix); group 3 is "/" for an empty cell.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br\s*=\s*["\']([A-Za-z]{0,7})([0-9]{0,12})["\']')
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_CELL_COLUMN = re.compile(rb'<c r="([A-Za-z]{1,7})')
_CELL_ROW = re.compile(rb'<c r="[A-Za-z]{0,7}([0-9]{1,12})')
_CELL_NAME = re.compile(r"([A-Za-z]{1,7})([0-9]{1,12})$")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class Extent:
    """How far the sheet's filled cells reach, and how many there are."""

    rows: int = 0
    columns: int = 0
    filled: int = 0

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def column_number(letters: bytes | str) -> int:
    """`A` → 1, `Z` → 26, `AA` → 27, `XFD` → 16384."""
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def check_workbook(path: Path) -> None:
    """Refuse, in words, an .xlsx file the reader cannot read within the import limits."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput(
            "{name} cannot be read as an Excel file: it is damaged, protected or not really "
            ".xlsx. Open it in Excel and save it again.",
            field="file",
            name=name,
        ) from None
    with archive:
        entries = archive.infolist()
        _check_sizes(name, entries)
        sheet = _first_sheet(archive)
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                _scan_part(name, archive, entry, measure=entry.filename == sheet)


def _check_sizes(name: str, entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(
            "{name} holds {count} parts; an Excel file has far fewer (at most {most} are read).",
            field="file",
            name=name,
            count=Count(len(entries)),
            most=Count(MAX_ENTRIES),
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
            raise InvalidInput(
                "{name} unpacks to more than {size} MB, more than an import reads.",
                field="file",
                name=name,
                size=Count(MAX_TOTAL_BYTES // 2**20),
            )
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise _bomb(name)


def _bomb(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} is packed far more tightly than any spreadsheet (a zip bomb?); it was not read.",
        field="file",
        name=name,
    )


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (the one the import reads), or None."""
    try:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return None
        for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            info = archive.getinfo(part)
            if info.file_size > 16 * 2**20:
                return None
            with archive.open(info) as handle:
                head = handle.read(CHUNK)
            if _DTD.search(head):
                return None  # refused when the part is scanned
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
        if first is None:
            return None
        rel_id = first.get(f"{_REL}id")
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            if rel.get("Id") == rel_id:
                target = rel.get("Target", "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return str(PurePosixPath("xl") / target)
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def _scan_part(name: str, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, measure: bool) -> None:
    """Stream one XML part: its real size, no DTD, UTF-8; for the first sheet its extent.

    The extent is first bounded from above in one quick pass (every cell with an `r`
    attribute counted as filled, as Excel writes them); only a sheet whose bound breaks a
    limit is followed cell by cell to decide, and to name the cell in the message."""
    bound = Extent()
    precise = False
    for body in _chunks(name, archive, entry, tags=measure):
        if measure and not precise:
            precise = not _bound(body, bound) or _over(bound)
    if precise:
        extent, row, column = Extent(), 0, 0
        for body in _chunks(name, archive, entry, tags=True):
            row, column = _measure(name, body, extent, row, column)
        _check_extent(name, extent)


def _chunks(name: str, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, *, tags: bool):
    """The part's bytes in chunks of whole tags, after the checks every XML part gets."""
    seen = 0
    tail = dtd_tail = b""
    try:
        with archive.open(entry) as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    break
                if seen == 0 and chunk[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
                    raise InvalidInput(
                        "{name} is not an Excel file as Excel writes it (its XML is not UTF-8).",
                        field="file",
                        name=name,
                    )
                seen += len(chunk)
                if seen > entry.file_size or seen > MAX_PART_BYTES:
                    raise _bomb(name)  # the zip said less than it holds
                window = dtd_tail + chunk
                if b"<!" in window and _DTD.search(window):  # "<!" is rare: comments, CDATA
                    raise InvalidInput(
                        "{name} contains a document type declaration, which Excel never "
                        "writes (it can make a reader fetch other files or expand without "
                        "end); it was not read.",
                        field="file",
                        name=name,
                    )
                dtd_tail = chunk[-16:]
                if not tags:
                    continue
                data = tail + chunk
                if seen == len(chunk):
                    _check_dimension(name, data)
                # Only whole tags are passed on: a tag cut at the chunk's end waits for the
                # next chunk (a tag is short; a "tag" longer than TAG_MAX is not one).
                cut = data.rfind(b"<", max(0, len(data) - TAG_MAX))
                body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                yield body
            if tags and tail:
                yield tail
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        # a broken stream, an encrypted part, an unknown compression method
        raise InvalidInput(
            "{name} cannot be read as an Excel file: it is damaged, protected or not really "
            ".xlsx. Open it in Excel and save it again.",
            field="file",
            name=name,
        ) from None


def _bound(data: bytes, bound: Extent) -> bool:
    """Widen `bound` to the cells in `data`, counting every cell as filled. False when the
    quick count does not apply (a cell without `r`, a namespace prefix): then the sheet is
    followed cell by cell."""
    cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
    if cells != data.count(b'<c r="') or (b":c" in data and _PREFIXED_CELL.search(data)):
        return False
    if not cells:
        return True
    bound.filled += cells
    columns = max(column_number(letters) for letters in set(_CELL_COLUMN.findall(data)))
    rows = max(int(digits) for digits in set(_CELL_ROW.findall(data)))
    bound.rows, bound.columns = max(bound.rows, rows), max(bound.columns, columns)
    return True


def _over(extent: Extent) -> bool:
    return (
        extent.rows > MAX_ROWS + 1
        or extent.columns > MAX_COLUMNS
        or extent.cells > MAX_CELLS
        or (extent.cells > SPARSE_CELLS and extent.filled * SPARSE_SHARE < extent.cells)
    )


def _check_dimension(name: str, head: bytes) -> None:
    """The sheet's own claim of its size (`<dimension ref="A1:Z200000"/>`), checked first."""
    match = _DIMENSION.search(head)
    if not match:
        return
    last = match.group(1).decode("ascii", "replace").split(":")[-1].replace("$", "")
    cell = _CELL_NAME.match(last.strip())
    if cell:
        rows, columns = int(cell.group(2)), column_number(cell.group(1))
        _check_limits(name, Extent(rows, columns, 0), last.strip(), declared=True)


def _measure(name: str, data: bytes, extent: Extent, row: int, column: int) -> tuple[int, int]:
    """Follow rows and cells in order (a cell without `r` sits right of the one before)."""
    for tag, attrs, empty in _TAG.findall(data):
        ref = _REF.search(attrs) if b"r" in attrs else None
        if tag == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            column = 0
            if row > MAX_ROWS + 1:
                _check_limits(name, Extent(row, max(column, 1), extent.filled), f"row {row}")
            continue
        if ref and ref.group(1):
            column = column_number(ref.group(1))
            if ref.group(2):
                row = int(ref.group(2))
        else:
            column += 1
        if empty:
            continue  # a formatted cell without a value: the reader skips it
        extent.filled += 1
        if row > extent.rows or column > extent.columns:
            extent.rows, extent.columns = max(extent.rows, row), max(extent.columns, column)
            if (
                extent.rows > MAX_ROWS + 1
                or extent.columns > MAX_COLUMNS
                or extent.cells > MAX_CELLS
            ):
                _check_limits(name, extent, f"{column_letters(column)}{row}")
    return row, column


def _check_limits(name: str, extent: Extent, cell: str, *, declared: bool = False) -> None:
    if extent.rows > MAX_ROWS + 1:
        raise InvalidInput(
            Plural(
                "{name} reaches row {rows}; an import reads at most {most} row. "
                "Split the list into smaller files.",
                "{name} reaches row {rows}; an import reads at most {most} rows. "
                "Split the list into smaller files.",
                MAX_ROWS,
            ),
            field="file",
            name=name,
            rows=extent.rows,  # a row number, written as Excel shows it
            most=Count(MAX_ROWS),
        )
    if extent.columns > MAX_COLUMNS:
        raise InvalidInput(
            "{name} reaches cell {cell}, column {columns}; an import reads at most {most} columns. "
            "Delete what is far to the right, or copy the list into a new file.",
            field="file",
            name=name,
            cell=cell[:20],
            columns=extent.columns,
            most=Count(MAX_COLUMNS),
        )
    if not declared and extent.cells > MAX_CELLS:
        raise InvalidInput(
            "{name} spans {cells} cells (A1 to {cell}); an import reads at most {most}. "
            "Split the list into smaller files.",
            field="file",
            name=name,
            cells=Count(extent.cells),
            cell=cell[:20],
            most=Count(MAX_CELLS),
        )


def _check_extent(name: str, extent: Extent) -> None:
    cell = f"{column_letters(extent.columns)}{extent.rows}"
    _check_limits(name, extent, cell)
    if extent.cells > SPARSE_CELLS and extent.filled * SPARSE_SHARE < extent.cells:
        raise InvalidInput(
            "{name} spreads {filled} filled cells over {cells} cells (A1 to {cell}): mostly "
            "empty area, which costs the reader as much as a full sheet. Delete the empty "
            "rows and columns (or copy the list into a new file) and try again.",
            field="file",
            name=name,
            filled=Count(extent.filled),
            cells=Count(extent.cells),
            cell=cell,
        )
