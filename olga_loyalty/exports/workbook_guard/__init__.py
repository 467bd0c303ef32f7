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

Which part is the first sheet is found the way calamine finds it (`first_sheet`: the package
relationships, then the workbook's, then the first `sheet` element, in any namespace, under
any part name, case-insensitively), and a file laid out so that this cannot be told for sure
is refused. Because a difference in that search is exactly how a hostile file would get past,
every part (whatever its name) is scanned, and every part that holds sheet data is measured
with the same limits, not only the one taken for the first sheet; the zip itself must be
unambiguous (one end record, at the end, naming every part), so that Python's zipfile and
calamine's zip reader see the same parts. The reader then confirms the first sheet's name.

Every limit is far above a shop's customer list (100,000 customers in 12 columns pass).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from olga_loyalty.exports.workbook_guard.archive import (
    CHUNK,
    TAG_MAX,
    check_sizes,
    check_zip_layout,
    chunks,
    damaged,
)
from olga_loyalty.exports.workbook_guard.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ENTRIES,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    SPARSE_CELLS,
    SPARSE_SHARE,
    Extent,
    check_extent,
    check_shared_strings,
    column_letters,
    column_number,
    measure,
    over_limits,
    widen_bound,
)
from olga_loyalty.exports.workbook_guard.structure import (
    SHEET_TYPES,
    STRUCTURE_MAX,
    FirstSheet,
    first_sheet,
)

__all__ = [
    "CHUNK",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ENTRIES",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_TOTAL_BYTES",
    "RATIO_FLOOR",
    "SHEET_TYPES",
    "SPARSE_CELLS",
    "SPARSE_SHARE",
    "STRUCTURE_MAX",
    "TAG_MAX",
    "Extent",
    "FirstSheet",
    "check_workbook",
    "column_letters",
    "column_number",
]


def check_workbook(path: Path) -> str:
    """Refuse, in words, an .xlsx file the reader cannot read within the import limits.

    Returns the name of the first sheet, the one measured, for the reader to confirm."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise damaged(name) from None
    with archive:
        entries = archive.infolist()
        check_zip_layout(name, path, entries)
        check_sizes(name, entries)
        first = first_sheet(name, archive)
        for entry in entries:
            _scan_part(name, archive, entry, first_sheet=entry is first.entry)
        return first.name


def _scan_part(
    name: str, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, first_sheet: bool
) -> None:
    """Stream one part, whatever its name: its real size, no DTD, UTF-8, the shared strings'
    announced count; for the first sheet, and any other part holding sheet data, its extent.

    The extent is first bounded from above in one quick pass (every cell with an `r`
    attribute counted as filled, as Excel writes them); only a sheet whose bound breaks a
    limit is followed cell by cell to decide, and to name the cell in the message."""
    bound = Extent()
    precise = False
    sheet = first_sheet
    for body in chunks(name, archive, entry, tags=True):
        sheet = sheet or b"sheetData" in body
        if b"sst" in body:
            check_shared_strings(name, body)
        if not precise:
            precise = not widen_bound(body, bound) or over_limits(bound)
    if precise and sheet:
        extent, row, column = Extent(), 0, 0
        for body in chunks(name, archive, entry, tags=True):
            row, column = measure(name, body, extent, row, column)
        check_extent(name, extent)
