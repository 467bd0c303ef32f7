"""Which part of an .xlsx file is its first sheet, found as the reader (calamine) finds it;
anything that leaves room for two readings is refused."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from olga_loyalty.exports.workbook_guard.archive import chunks, unclear

#: One tag: (is an end tag, name, raw attributes, is empty).
Tag = tuple[bool, bytes, dict[bytes, bytes], bool]

STRUCTURE_MAX = 16 * 2**20  # the package and workbook relationships and the workbook part
SHEET_TYPES = ("worksheet", "chartsheet", "dialogsheet")
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


@dataclass
class FirstSheet:
    """The part the reader takes for the first sheet, and that sheet's name."""

    entry: zipfile.ZipInfo
    name: str


def first_sheet(name: str, archive: zipfile.ZipFile) -> FirstSheet:
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
            raise unclear(name)  # which of the two the reader takes is its own business
        parts[key], exact[entry.filename] = entry, entry

    def find(part: str) -> zipfile.ZipInfo:
        entry = parts.get(_ascii_lower(part)) or exact.get(part)
        if entry is None:
            raise unclear(name)
        return entry

    def structure(part: str) -> list[Tag]:
        entry = find(part)
        if entry.file_size > STRUCTURE_MAX:
            raise unclear(name)
        for _ in chunks(name, archive, entry, tags=False):
            pass  # the checks every part gets (a DTD, the encoding), before it is parsed
        data = archive.read(entry)
        if _CONTROL.search(data):
            raise unclear(name)  # not XML; the reader and the guard might split it apart
        return _tags(name, data)

    documents = []
    for end, tag, attrs, _ in _after(structure("_rels/.rels"), b"Relationships"):
        if end and _local(tag) == b"Relationships":
            break
        if not end and _local(tag) == b"Relationship":
            if attrs.get(b"Type", b"").endswith(b"/relationships/officeDocument"):
                documents.append(_unescape(name, attrs.get(b"Target", b"")))
    else:
        raise unclear(name)  # the reader needs the end of the list
    if len(set(documents)) != 1:
        raise unclear(name)
    target = documents[0]
    folder = target[: target.rfind("/") + 1]
    folder = folder[1:] if folder.startswith("/") else folder

    relationships: dict[bytes, tuple[str, str]] = {}
    for end, tag, attrs, _ in structure(f"{folder}_rels/workbook.xml.rels"):
        if end and _local(tag) == b"Relationships":
            break
        if not end and _local(tag) == b"Relationship" and b"Id" in attrs:
            if attrs[b"Id"] in relationships or b"&" in attrs.get(b"Target", b""):
                raise unclear(name)
            relationships[attrs[b"Id"]] = (
                _text(name, attrs.get(b"Target", b"")),
                _text(name, attrs.get(b"Type", b"")),
            )
    else:
        raise unclear(name)  # the reader needs the end of the list

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
                raise unclear(name)
            sheets.append((_unescape(name, attrs.get(b"name", b"")), ids[0]))
    names = [sheet_name for sheet_name, _ in sheets]
    if not sheets or len(set(names)) != len(names) or sheets[0][1] not in relationships:
        raise unclear(name)
    target, kind = relationships[sheets[0][1]]
    if kind.rsplit("/", 1)[-1] not in SHEET_TYPES or "\\" in target:
        raise unclear(name)
    part = target[1:] if target.startswith("/") else folder + target
    return FirstSheet(find(part), names[0])


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _local(tag: bytes) -> bytes:
    return tag.split(b":", 1)[-1]


def _after(tags: Iterable[Tag], start: bytes) -> Iterator[Tag]:
    """The tags after the first start tag named `start` (in any namespace)."""
    found = iter(tags)
    for end, tag, _, _ in found:
        if not end and _local(tag) == start:
            break
    return found


def _tags(name: str, data: bytes) -> list[Tag]:
    """Start and end tags in order: (is an end tag, name, raw attributes, is empty)."""
    tags: list[Tag] = []
    for match in _TOKEN.finditer(data):
        if match.group(2) is None:
            continue  # a comment, CDATA, a processing instruction
        end, tag, raw, empty = match.group(1, 2, 3, 4)
        attrs: dict[bytes, bytes] = {}
        position = 0
        while raw[position:].strip():
            pair = _ATTRIBUTE.match(raw, position)
            if pair is None or pair.group(1) in attrs:
                raise unclear(name)  # the reader would stop here, or take the other one
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
        raise unclear(name) from None


def _unescape(name: str, raw: bytes) -> str:
    """An attribute's value with its entities replaced, as the reader decodes names."""

    def replace(match: re.Match[str]) -> str:
        entity = match.group(1)
        if entity.startswith("#"):
            number = int(entity[2:], 16) if entity[1] in "xX" else int(entity[1:])
            return chr(number) if 0 < number <= 0x10FFFF else "\ufffd"
        return _ENTITIES[entity]

    text = _text(name, raw)
    if "&" in _ENTITY.sub("", text):
        raise unclear(name)  # an entity the reader would refuse
    return _ENTITY.sub(replace, text)
