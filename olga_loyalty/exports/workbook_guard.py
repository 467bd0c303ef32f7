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

Which part is the first sheet is found the way calamine finds it (`_first_sheet`: the package
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

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
# The start of the shared strings: calamine reserves room for `uniqueCount` texts up front.
_SST = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b([^>]*)>")
_UNIQUE_COUNT = re.compile(rb'(?:^|\s)uniqueCount\s*=\s*["\']([0-9]+)["\']')
_ENCODING = re.compile(rb'^\s*<\?xml[^>]*?\sencoding\s*=\s*["\']([^"\']*)["\']')
# XML as calamine's reader (quick-xml) sees it: comments, CDATA and processing instructions
# are skipped, a tag ends at the first ">" outside quotes.
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!.*?>"
    rb"|<(/?)([^ \t\r\n/>\"']+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>",
    re.S,
)
_ATTRIBUTE = re.compile(rb"[ \t\r\n]*([^= \t\r\n]+)[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"]*)\"|'([^']*)')")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|apos|quot);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}
STRUCTURE_MAX = 16 * 2**20  # the package and workbook relationships and the workbook part
SHEET_TYPES = ("worksheet", "chartsheet", "dialogsheet")


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


def check_workbook(path: Path) -> str:
    """Refuse, in words, an .xlsx file the reader cannot read within the import limits.

    Returns the name of the first sheet, the one measured, for the reader to confirm."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _damaged(name) from None
    with archive:
        entries = archive.infolist()
        _check_zip_layout(name, path, entries)
        _check_sizes(name, entries)
        first = _first_sheet(name, archive)
        for entry in entries:
            _scan_part(name, archive, entry, first_sheet=entry is first.entry)
        return first.name


def _damaged(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} cannot be read as an Excel file: it is damaged, protected or not really "
        ".xlsx. Open it in Excel and save it again.",
        field="file",
        name=name,
    )


def _unclear(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} is not laid out as Excel lays out a workbook: which of its parts is the first "
        "sheet cannot be told for sure, so it was not read. Open it in Excel and save it again.",
        field="file",
        name=name,
    )


def _check_zip_layout(name: str, path: Path, entries: list[zipfile.ZipInfo]) -> None:
    """One reading of the zip for everyone: Python's zipfile (which the guard uses) and the
    reader's zip library each look for the end record from the back but validate it
    differently, so a file with a second end record, a zip64 record, data in front, or a
    directory that holds more or fewer parts than the end record says could show each of
    them other parts. Excel writes none of these."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(max(0, size - (22 + 0xFFFF)))
            tail = handle.read()
            at = tail.rfind(b"PK\x05\x06")
            if head != b"PK\x03\x04" or at < 0 or len(tail) - at < 22:
                raise _damaged(name)
            end = size - len(tail) + at
            disk, start_disk, here, total, dir_size, dir_start, comment = struct.unpack(
                "<HHHHIIH", tail[at + 4 : at + 22]
            )
            handle.seek(dir_start)
            first_entry = handle.read(4)
            handle.seek(max(0, end - 20))
            locator = handle.read(4)
    except OSError:
        raise _damaged(name) from None
    if (
        end + 22 + comment != size
        or disk
        or start_disk
        or here != total
        or total == 0xFFFF
        or 0xFFFFFFFF in (dir_size, dir_start)
        or dir_start + dir_size != end
        or first_entry != b"PK\x01\x02"
        or locator == b"PK\x06\x07"
        or len(entries) != total
    ):
        raise _damaged(name)


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


@dataclass
class FirstSheet:
    """The part the reader takes for the first sheet, and that sheet's name."""

    entry: zipfile.ZipInfo
    name: str


def _first_sheet(name: str, archive: zipfile.ZipFile) -> FirstSheet:
    """The part calamine reads as the first sheet, found as calamine finds it: the package
    relationship of type officeDocument names the workbook's folder; in it,
    `_rels/workbook.xml.rels` and `workbook.xml`; the first `sheet` element (outside a defined
    name, before the workbook ends) and its `id` attribute, each in any namespace (Excel's
    "Strict Open XML" uses other ones); its relationship's target, relative to that folder or
    absolute; part names compared without case. Anything that leaves room for two readings
    (two parts named alike, two ids, a target with an entity, a missing part) is refused."""
    parts: dict[str, zipfile.ZipInfo] = {}
    exact: dict[str, zipfile.ZipInfo] = {}
    for entry in archive.infolist():
        key = _ascii_lower(entry.filename.replace("\\", "/"))
        if key in parts or entry.filename in exact:
            raise _unclear(name)  # which of the two the reader takes is its own business
        parts[key], exact[entry.filename] = entry, entry

    def find(part: str) -> zipfile.ZipInfo:
        entry = parts.get(_ascii_lower(part)) or exact.get(part)
        if entry is None:
            raise _unclear(name)
        return entry

    def structure(part: str) -> list[tuple[bytes, bytes, dict[bytes, bytes], bool]]:
        entry = find(part)
        if entry.file_size > STRUCTURE_MAX:
            raise _unclear(name)
        for _ in _chunks(name, archive, entry, tags=False):
            pass  # the checks every part gets (a DTD, the encoding), before it is parsed
        data = archive.read(entry)
        if _CONTROL.search(data):
            raise _unclear(name)  # not XML; the reader and the guard might split it apart
        return _tags(name, data)

    documents = []
    for end, tag, attrs, _ in _after(structure("_rels/.rels"), b"Relationships"):
        if end and _local(tag) == b"Relationships":
            break
        if not end and _local(tag) == b"Relationship":
            if attrs.get(b"Type", b"").endswith(b"/relationships/officeDocument"):
                documents.append(_unescape(name, attrs.get(b"Target", b"")))
    else:
        raise _unclear(name)  # the reader needs the end of the list
    if len(set(documents)) != 1:
        raise _unclear(name)
    target = documents[0]
    folder = target[: target.rfind("/") + 1]
    folder = folder[1:] if folder.startswith("/") else folder

    relationships: dict[bytes, tuple[str, str]] = {}
    for end, tag, attrs, _ in structure(f"{folder}_rels/workbook.xml.rels"):
        if end and _local(tag) == b"Relationships":
            break
        if not end and _local(tag) == b"Relationship" and b"Id" in attrs:
            if attrs[b"Id"] in relationships or b"&" in attrs.get(b"Target", b""):
                raise _unclear(name)
            relationships[attrs[b"Id"]] = (
                _text(name, attrs.get(b"Target", b"")),
                _text(name, attrs.get(b"Type", b"")),
            )
    else:
        raise _unclear(name)  # the reader needs the end of the list

    sheets = []
    inside: bytes | None = None
    for end, tag, attrs, empty in structure(f"{folder}workbook.xml"):
        if inside is not None:
            inside = None if end and tag == inside else inside
        elif end and _local(tag) == b"workbook":
            break
        elif not end and _local(tag) == b"definedName" and b"name" in attrs and not empty:
            inside = tag  # the reader takes what is inside as the name's text
        elif not end and _local(tag) == b"sheet":
            ids = [value for key, value in attrs.items() if _local(key) == b"id"]
            if len(ids) != 1:
                raise _unclear(name)
            sheets.append((_unescape(name, attrs.get(b"name", b"")), ids[0]))
    names = [sheet_name for sheet_name, _ in sheets]
    if not sheets or len(set(names)) != len(names) or sheets[0][1] not in relationships:
        raise _unclear(name)
    target, kind = relationships[sheets[0][1]]
    if kind.rsplit("/", 1)[-1] not in SHEET_TYPES or "\\" in target:
        raise _unclear(name)
    part = target[1:] if target.startswith("/") else folder + target
    return FirstSheet(find(part), names[0])


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _local(tag: bytes) -> bytes:
    return tag.split(b":", 1)[-1]


def _after(tags, start: bytes):
    """The tags after the first start tag named `start` (in any namespace)."""
    tags = iter(tags)
    for end, tag, _, _ in tags:
        if not end and _local(tag) == start:
            break
    return tags


def _tags(name: str, data: bytes) -> list[tuple[bytes, bytes, dict[bytes, bytes], bool]]:
    """Start and end tags in order: (is an end tag, name, raw attributes, is empty)."""
    tags = []
    for match in _TOKEN.finditer(data):
        if match.group(2) is None:
            continue  # a comment, CDATA, a processing instruction
        end, tag, raw, empty = match.group(1, 2, 3, 4)
        attrs: dict[bytes, bytes] = {}
        position = 0
        while raw[position:].strip():
            pair = _ATTRIBUTE.match(raw, position)
            if pair is None or pair.group(1) in attrs:
                raise _unclear(name)  # the reader would stop here, or take the other one
            value = pair.group(2) if pair.group(2) is not None else pair.group(3)
            attrs[pair.group(1)], position = value, pair.end()
        tags.append((bool(end), tag, attrs, bool(empty)))
        if empty:
            tags.append((True, tag, {}, False))
    return tags


def _text(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _unclear(name) from None


def _unescape(name: str, raw: bytes) -> str:
    """An attribute's value with its entities replaced, as the reader decodes names."""

    def replace(match: re.Match) -> str:
        entity = match.group(1)
        if entity.startswith("#"):
            number = int(entity[2:], 16) if entity[1] in "xX" else int(entity[1:])
            return chr(number) if 0 < number <= 0x10FFFF else "\ufffd"
        return _ENTITIES[entity]

    text = _text(name, raw)
    if "&" in _ENTITY.sub("", text):
        raise _unclear(name)  # an entity the reader would refuse
    return _ENTITY.sub(replace, text)


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
    for body in _chunks(name, archive, entry, tags=True):
        sheet = sheet or b"sheetData" in body
        if b"sst" in body:
            _check_shared_strings(name, body)
        if not precise:
            precise = not _bound(body, bound) or _over(bound)
    if precise and sheet:
        extent, row, column = Extent(), 0, 0
        for body in _chunks(name, archive, entry, tags=True):
            row, column = _measure(name, body, extent, row, column)
        _check_extent(name, extent)


def _check_shared_strings(name: str, data: bytes) -> None:
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
                if seen == 0 and (
                    chunk[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
                    or _declared_encoding(chunk) not in (None, "utf-8", "utf8")
                ):
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
        raise _damaged(name) from None


def _declared_encoding(head: bytes) -> str | None:
    """The encoding an XML declaration names (the reader would follow it), lower-cased."""
    match = _ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii", "replace").strip().lower() if match else None


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
