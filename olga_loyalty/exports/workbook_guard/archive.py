"""The zip of an .xlsx file: one unambiguous layout, sizes within the limits, no zip bomb, and
each part streamed in whole tags after the checks every XML part gets (the first two checks of
`olga_loyalty.exports.workbook_guard`)."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

from olga_loyalty.domain.errors import Count, InvalidInput
from olga_loyalty.exports.workbook_guard.limits import (
    MAX_ENTRIES,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    check_dimension,
)

CHUNK = 1024 * 1024
TAG_MAX = 64 * 1024

_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb'^\s*<\?xml[^>]*?\sencoding\s*=\s*["\']([^"\']*)["\']')


def damaged(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} cannot be read as an Excel file: it is damaged, protected or not really "
        ".xlsx. Open it in Excel and save it again.",
        field="file",
        name=name,
    )


def unclear(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} is not laid out as Excel lays out a workbook: which of its parts is the first "
        "sheet cannot be told for sure, so it was not read. Open it in Excel and save it again.",
        field="file",
        name=name,
    )


def bomb(name: str) -> InvalidInput:
    return InvalidInput(
        "{name} is packed far more tightly than any spreadsheet (a zip bomb?); it was not read.",
        field="file",
        name=name,
    )


def check_zip_layout(name: str, path: Path, entries: list[zipfile.ZipInfo]) -> None:
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
                raise damaged(name)
            end = size - len(tail) + at
            disk, start_disk, here, total, dir_size, dir_start, comment = struct.unpack(
                "<HHHHIIH", tail[at + 4 : at + 22]
            )
            handle.seek(dir_start)
            first_entry = handle.read(4)
            handle.seek(max(0, end - 20))
            locator = handle.read(4)
    except OSError:
        raise damaged(name) from None
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
        raise damaged(name)


def check_sizes(name: str, entries: list[zipfile.ZipInfo]) -> None:
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
            raise bomb(name)


def chunks(
    name: str, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, *, tags: bool
) -> Iterator[bytes]:
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
                    or declared_encoding(chunk) not in (None, "utf-8", "utf8")
                ):
                    raise InvalidInput(
                        "{name} is not an Excel file as Excel writes it (its XML is not UTF-8).",
                        field="file",
                        name=name,
                    )
                seen += len(chunk)
                if seen > entry.file_size or seen > MAX_PART_BYTES:
                    raise bomb(name)  # the zip said less than it holds
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
                    check_dimension(name, data)
                # Only whole tags are passed on: a tag cut at the chunk's end waits for the
                # next chunk (a tag is short; a "tag" longer than TAG_MAX is not one).
                cut = data.rfind(b"<", max(0, len(data) - TAG_MAX))
                body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                yield body
            if tags and tail:
                yield tail
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        # a broken stream, an encrypted part, an unknown compression method
        raise damaged(name) from None


def declared_encoding(head: bytes) -> str | None:
    """The encoding an XML declaration names (the reader would follow it), lower-cased."""
    match = _ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii", "replace").strip().lower() if match else None
