"""Hostile .xlsx files, built byte by byte the way an attacker would (no spreadsheet library
writes them): each is a valid zip with the parts calamine looks for."""

from __future__ import annotations

import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Kunden" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Telefon</t></is></c></row>'
)


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(body: str, dimension: str = "A1", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    )


def write_xlsx(path: Path, sheet: str | bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def far_cell(path: Path) -> Path:
    """1.6 KB: one value in the last cell Excel has, XFD1048576 (the dimension lies: A1)."""
    return write_xlsx(path, sheet_xml(HEADER + f'<row r="1048576">{cell("XFD1048576", "x")}</row>'))


def sparse_sheet(path: Path) -> Path:
    """1.6 KB: the header and one value in Z200000; the reader fills A1..Z200000."""
    return write_xlsx(
        path,
        sheet_xml(HEADER + f'<row r="200000">{cell("Z200000", "x")}</row>', dimension="A1:Z200000"),
    )


def zip_bomb(path: Path, megabytes: int = 100) -> Path:
    """About 350 KB that inflate to `megabytes` MB of identical rows (no `r` attributes, so
    every row is the same bytes and deflate packs them a thousand times)."""
    row = (
        b"<row>"
        b'<c t="inlineStr"><is><t>Anna Muster</t></is></c>'
        b'<c t="inlineStr"><is><t>0151 12345678</t></is></c>'
        b"</row>"
    )
    head = sheet_xml("<!--rows-->").encode()
    before, after = head.split(b"<!--rows-->")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(before)
            block = row * (1024 * 1024 // len(row))
            for _ in range(megabytes):
                part.write(block)
            part.write(after)
    return path


def xxe(path: Path) -> Path:
    """An external entity: a reader that resolves it puts /etc/passwd into a cell."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    body = HEADER + f'<row r="2">{cell("A2", "&secret;")}{cell("B2", "0151 12345678")}</row>'
    return write_xlsx(path, sheet_xml(body, "A1:B2", prolog))


def billion_laughs(path: Path) -> Path:
    """Ten levels of entities, each ten of the one before: 10^9 "lol"s from 1.7 KB."""
    entities = ['<!ENTITY a "lollollollollollollollollollol">']
    for level in range(1, 10):
        previous, name = chr(96 + level), chr(97 + level)
        entities.append(f'<!ENTITY {name} "{("&" + previous + ";") * 10}">')
    prolog = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    body = HEADER + f'<row r="2">{cell("A2", "&j;")}{cell("B2", "0151 12345678")}</row>'
    return write_xlsx(path, sheet_xml(body, "A1:B2", prolog))
