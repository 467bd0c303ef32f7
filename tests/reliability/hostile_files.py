"""Hostile .xlsx files, built byte by byte the way an attacker would (no spreadsheet library
writes them): each is a valid zip with the parts calamine looks for."""

from __future__ import annotations

import io
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


# Ways past a guard that looks for the first sheet only where Excel usually puts it (found by
# an adversarial test after issue 13): each holds one value in XFD1048576 and no <dimension>.
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELATIONSHIPS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
TRANSITIONAL_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TRANSITIONAL_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def far_sheet() -> str:
    body = HEADER + f'<row r="1048576">{cell("XFD1048576", "x")}</row>'
    return sheet_xml(body).replace('<dimension ref="A1"/>', "")


def write_parts(path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def standard_parts(sheet: str | bytes) -> dict[str, str | bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
    }


def far_strict(path: Path) -> Path:
    """The workbook in the namespace Excel's "Strict Open XML" format uses."""
    parts = standard_parts(far_sheet())
    parts["xl/workbook.xml"] = WORKBOOK.replace(TRANSITIONAL_MAIN, STRICT_MAIN)
    return write_parts(path, parts)


def far_strict_relationships(path: Path) -> Path:
    """The sheet's `r:id` in Strict's relationships namespace."""
    parts = standard_parts(far_sheet())
    parts["xl/workbook.xml"] = WORKBOOK.replace(TRANSITIONAL_RELATIONSHIPS, STRICT_RELATIONSHIPS)
    return write_parts(path, parts)


def far_without_extension(path: Path) -> Path:
    """The sheet part named `xl/worksheets/sheet1`, without `.xml`."""
    parts = standard_parts(b"")
    del parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1"] = far_sheet()
    parts["xl/_rels/workbook.xml.rels"] = WORKBOOK_RELS.replace("sheet1.xml", "sheet1")
    return write_parts(path, parts)


def far_other_case(path: Path) -> Path:
    """The reader finds parts whatever the case of their names: `XL/Worksheets/Sheet1.XML`."""
    parts = standard_parts(b"")
    del parts["xl/worksheets/sheet1.xml"]
    parts["XL/Worksheets/Sheet1.XML"] = far_sheet()
    return write_parts(path, parts)


def shared_strings_count(path: Path) -> Path:
    """A shared-strings part announcing 2·10⁹ texts: the reader reserves 48 GB and aborts."""
    parts = standard_parts(sheet_xml(HEADER, "A1:B1"))
    parts["xl/_rels/workbook.xml.rels"] = WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sst xmlns="{TRANSITIONAL_MAIN}" count="1" uniqueCount="2000000000">'
        "<si><t>x</t></si></sst>"
    )
    return write_parts(path, parts)


def two_end_records(path: Path) -> Path:
    """Two zips one after the other. Python's zipfile takes the last end record without
    checking its comment length; calamine's zip library, finding it wrong, takes the first:
    the guard would measure a harmless sheet and the reader read the far one."""
    with path.open("wb") as handle:
        far_cell_zip = io.BytesIO()
        write_parts(far_cell_zip, standard_parts(far_sheet()))
        handle.write(far_cell_zip.getvalue())
        harmless = io.BytesIO()
        harmless.write(far_cell_zip.getvalue())
        write_parts(harmless, standard_parts(sheet_xml(HEADER, "A1:B1")))
        data = bytearray(harmless.getvalue()[len(far_cell_zip.getvalue()) :])
        data[-2:] = b"\xff\xff"  # a comment of 65,535 bytes that is not there
        handle.write(data)
    return path


OPENDOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="T">'
    '<table:table-row table:number-rows-repeated="1000000">'
    '<table:table-cell table:number-columns-repeated="16000"/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="16000"/>'
    '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
    "</table:table-row></table:table></office:spreadsheet></office:body>"
    "</office:document-content>"
)
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def opendocument_inside(path: Path) -> Path:
    """Named `.XLSX` (capitals), a harmless workbook whose styles the .xlsx reader refuses,
    and an OpenDocument sheet of 1,000,000 × 16,000 cells besides: calamine picks its reader
    by the lower-case extension only, so for `.XLSX` it tries each format in turn and ends
    in the OpenDocument one, which the guard never measured (a 100 GB allocation)."""
    parts = standard_parts(sheet_xml(HEADER, "A1:B1"))
    parts["xl/_rels/workbook.xml.rels"] = WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>',
    )
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{TRANSITIONAL_MAIN}">'
        '<numFmts><numFmt numFmtId="164" formatCode="&amp;unknown;"/></numFmts></styleSheet>'
    ).replace("&amp;unknown;", "&unknown;")
    parts = {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", **parts}
    parts["content.xml"] = OPENDOCUMENT
    parts["META-INF/manifest.xml"] = MANIFEST
    return write_parts(path, parts)
