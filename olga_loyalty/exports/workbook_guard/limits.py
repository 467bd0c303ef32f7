"""The limits of an .xlsx file an import reads, and measuring a sheet's extent against them
(the third check of `olga_loyalty.exports.workbook_guard`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from olga_loyalty.domain.errors import Count, InvalidInput, Plural

#: Data rows an import reads (`exports.readers.read_table`; the header row comes on top).
MAX_ROWS = 500_000
MAX_COLUMNS = 256
MAX_CELLS = 10_000_000  # from A1 to the last filled cell, e.g. 500,000 rows of 20 columns
SPARSE_CELLS = 1_500_000  # above this, at least one cell in SPARSE_SHARE must be filled
SPARSE_SHARE = 8
MAX_ENTRIES = 1_000
MAX_PART_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # for parts over RATIO_FLOOR bytes; real sheets inflate 5 to 20 times
RATIO_FLOOR = 1024 * 1024

# A row or a cell start tag (any namespace prefix); group 3 is "/" for an empty cell.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br\s*=\s*["\']([A-Za-z]{0,7})([0-9]{0,12})["\']')
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_CELL_COLUMN = re.compile(rb'<c r="([A-Za-z]{1,7})')
_CELL_ROW = re.compile(rb'<c r="[A-Za-z]{0,7}([0-9]{1,12})')
_CELL_NAME = re.compile(r"([A-Za-z]{1,7})([0-9]{1,12})$")
# The start of the shared strings: calamine reserves room for `uniqueCount` texts up front.
_SST = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b([^>]*)>")
_UNIQUE_COUNT = re.compile(rb'(?:^|\s)uniqueCount\s*=\s*["\']([0-9]+)["\']')


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


def check_shared_strings(name: str, data: bytes) -> None:
    """The reader reserves room for the announced number of texts before it reads one (an
    announced 10^14 made it ask for 2.4 PB and abort): at most one per cell an import reads."""
    for match in _SST.finditer(data):
        count = _UNIQUE_COUNT.search(match.group(1))
        if count and int(count.group(1)) > MAX_CELLS:
            raise InvalidInput(
                "{name} announces {count} different texts, more than a sheet an import reads "
                "can hold ({most} cells); it was not read.",
                field="file",
                name=name,
                count=int(count.group(1)),
                most=MAX_CELLS,
            )


def widen_bound(data: bytes, bound: Extent) -> bool:
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


def over_limits(extent: Extent) -> bool:
    return (
        extent.rows > MAX_ROWS + 1
        or extent.columns > MAX_COLUMNS
        or extent.cells > MAX_CELLS
        or (extent.cells > SPARSE_CELLS and extent.filled * SPARSE_SHARE < extent.cells)
    )


def check_dimension(name: str, head: bytes) -> None:
    """The sheet's own claim of its size (`<dimension ref="A1:Z200000"/>`), checked first."""
    match = _DIMENSION.search(head)
    if not match:
        return
    last = match.group(1).decode("ascii", "replace").split(":")[-1].replace("$", "")
    cell = _CELL_NAME.match(last.strip())
    if cell:
        rows, columns = int(cell.group(2)), column_number(cell.group(1))
        check_limits(name, Extent(rows, columns, 0), last.strip(), declared=True)


def measure(name: str, data: bytes, extent: Extent, row: int, column: int) -> tuple[int, int]:
    """Follow rows and cells in order (a cell without `r` sits right of the one before)."""
    for tag, attrs, empty in _TAG.findall(data):
        ref = _REF.search(attrs) if b"r" in attrs else None
        if tag == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            column = 0
            if row > MAX_ROWS + 1:
                check_limits(name, Extent(row, max(column, 1), extent.filled), f"row {row}")
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
                check_limits(name, extent, f"{column_letters(column)}{row}")
    return row, column


def check_limits(name: str, extent: Extent, cell: str, *, declared: bool = False) -> None:
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


def check_extent(name: str, extent: Extent) -> None:
    cell = f"{column_letters(extent.columns)}{extent.rows}"
    check_limits(name, extent, cell)
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
