"""Every .xlsx and .csv the program writes, opened by a real spreadsheet application.

LibreOffice (Debian's libreoffice-calc-nogui) converts each file to CSV headless, and each
cell must come back as written: text exactly as stored (a name like `=HYPERLINK(...)` stays
text, never a formula), dates as dates, money with two decimals, umlauts and `Şirin Dvořák`
intact. Skipped where LibreOffice is not installed.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime

import openpyxl
import pytest

from olga_loyalty.services import followups, gdpr, newsletter, points
from tests.conftest import register

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
#: CSV out of LibreOffice: comma, double quotes, UTF-8, every sheet, cells as shown.
ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
DATE_FORMATS = {
    "DD.MM.YYYY HH:MM": "%d.%m.%Y %H:%M",
    "DD/MM/YYYY HH:MM": "%d/%m/%Y %H:%M",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "yyyy-mm-dd": "%Y-%m-%d",
}


def _convert(tmp_path, files: list, *options: str) -> None:
    profile = tmp_path / "lo-profile"  # its own profile: no lock shared with another run
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            *options,
            "--outdir",
            str(tmp_path / "out"),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


def _shown(cell) -> str:
    """What a spreadsheet shows for a cell written by the program."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMATS[cell.number_format])
    if cell.number_format == "#,##0.00":
        return f"{value:,.2f}"
    if cell.number_format == "0.00":
        return f"{value:.2f}"
    return str(value)


@pytest.fixture
def every_file(shop, tmp_path):
    shop.save_settings(replace(shop.settings, name="Boutique Olga", address="Hauptstraße 1"))
    sirin = register(
        shop,
        "Şirin",
        "Dvořák",
        phone="0151 1111 1111",
        email="sirin@example.com",
        salutation="Frau",
        birthday="1990-02-28",
        consents={"data_processing", "email", "sms"},
        notes='Größe 38; mag Leinen, "Blau"',
    )
    register(
        shop,
        '=HYPERLINK("http://x","klick")',
        "+SUM(A1)",
        phone="0151 2222 2222",
        email="evil@example.com",
        consents={"data_processing", "email", "sms"},
        notes="@cmd|' /C calc'!A0",
    )
    points.record_purchase(shop, sirin.id, "1234.50")
    points.refund(shop, 1, "100")
    points.adjust(shop, sirin.id, -1, reason="-2+3")
    item = followups.record(shop, sirin.id, "complaint", "Naht offen; =1+1", follow_up="0")
    followups.apologise(shop, item.id, 200)
    folder = tmp_path / "exports"
    files = [gdpr.access_export(shop, sirin.id, folder=folder)]
    for preset in newsletter.PRESETS:
        for file_format in newsletter.FORMATS:
            if preset in newsletter.CSV_ONLY and file_format == "xlsx":
                continue
            for channel in ("email", "sms"):
                if preset in newsletter.EMAIL_ONLY and channel == "sms":
                    continue
                files.append(
                    newsletter.export(
                        shop, channel, preset=preset, file_format=file_format, folder=folder
                    ).path
                )
    return files


def test_every_workbook_reads_back_cell_by_cell(every_file, tmp_path):
    workbooks = [f for f in every_file if f.suffix == ".xlsx"]
    assert len(workbooks) == 8  # the access export and 7 newsletter workbooks
    _convert(tmp_path, workbooks, "--convert-to", ALL_SHEETS)
    compared = 0
    for path in workbooks:
        for sheet in openpyxl.load_workbook(path).worksheets:
            out = tmp_path / "out" / f"{path.stem}-{sheet.title}.csv"
            back = list(csv.reader(out.read_text("utf-8").splitlines()))
            for r, row in enumerate(sheet.iter_rows()):
                for c, cell in enumerate(row):
                    got = back[r][c] if r < len(back) and c < len(back[r]) else ""
                    assert got == _shown(cell), (out.name, cell.coordinate)
                    compared += 1
    assert compared > 500
    sheets = {p.name for p in (tmp_path / "out").iterdir()}
    assert "customer-1-data-2026-01-10-Über diese Datei.csv" in sheets


def test_every_csv_reads_back_field_by_field(every_file, tmp_path):
    tables = [f for f in every_file if f.suffix == ".csv"]
    assert len(tables) == 18  # upload CSV and CSV for Excel, for every tool and channel
    text_columns = "/".join(f"{i}/2" for i in range(1, 21))  # every column read as text
    for separator in (44, 59):  # the upload CSVs (,) and the ones for Excel (;)
        group = [p for p in tables if ("-excel-" in p.name) == (separator == 59)]
        _convert(
            tmp_path,
            group,
            f"--infilter=CSV:{separator},34,76,1,{text_columns}",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{separator},34,76,1,,0,false,true,true",
        )
        for path in group:
            delimiter = chr(separator)
            written = list(
                csv.reader(path.read_text("utf-8-sig").splitlines(), delimiter=delimiter)
            )
            back = (tmp_path / "out" / path.name).read_text("utf-8").splitlines()
            assert list(csv.reader(back, delimiter=delimiter)) == written, path.name
            assert any("Şirin" in row for row in written), path.name
