"""Hostile spreadsheets (issue 13): each is refused in words, before the reader sees it, and
the process reading it stays small. The reader's memory is Rust's, invisible to tracemalloc,
so the peak RSS of a real `olga-loyalty import` process is measured (os.wait4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.exports import readers, workbook_guard
from olga_loyalty.exports.readers import read_table
from tests.conftest import dump_database
from tests.reliability import hostile_files

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 100

HOSTILE = {
    "far.xlsx": (
        hostile_files.far_cell,
        "far.xlsx reaches row 1048576; an import reads at most 500000 rows. "
        "Split the list into smaller files.",
    ),
    "sparse.xlsx": (
        hostile_files.sparse_sheet,
        "sparse.xlsx spreads 3 filled cells over 5200000 cells (A1 to Z200000): mostly empty "
        "area, which costs the reader as much as a full sheet. Delete the empty rows and "
        "columns (or copy the list into a new file) and try again.",
    ),
    "bomb.xlsx": (
        hostile_files.zip_bomb,
        "bomb.xlsx is packed far more tightly than any spreadsheet (a zip bomb?); it was not read.",
    ),
    "xxe.xlsx": (
        hostile_files.xxe,
        "xxe.xlsx contains a document type declaration, which Excel never writes (it can make "
        "a reader fetch other files or expand without end); it was not read.",
    ),
    "laughs.xlsx": (
        hostile_files.billion_laughs,
        "laughs.xlsx contains a document type declaration, which Excel never writes (it can "
        "make a reader fetch other files or expand without end); it was not read.",
    ),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder / name) for name, (build, _) in HOSTILE.items()}


#: A small process starts the command and reports its peak RSS: Linux counts a child's peak
#: from the fork on, so the command must not be forked from pytest's own large process.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str], cwd: Path, db: Path) -> tuple[int, str, float]:
    """Run the command line in a child; its exit code, stderr and peak RSS in MB."""
    env = {
        "PYTHONPATH": str(ROOT),
        "OLGA_LOYALTY_DB": str(db),
        "OLGA_LOYALTY_NOW": "2026-11-23T10:00",
        "OLGA_LOYALTY_LANG": "en",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "olga_loyalty", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stderr, int(done.stdout.split()[-1]) / 1024


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_is_refused_in_words(hostile, name):
    with pytest.raises(InvalidInput) as caught:
        read_table(hostile[name])
    assert str(caught.value) == HOSTILE[name][1]


def test_the_hostile_files_are_small(hostile):
    sizes = {name: path.stat().st_size for name, path in hostile.items()}
    assert max(sizes[n] for n in sizes if n != "bomb.xlsx") < 2_000
    assert sizes["bomb.xlsx"] < 512_000  # 100 MB of XML inside


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", [["customers", "--dry-run"], ["unsubscribes"]])
def test_a_hostile_file_never_takes_the_process_down(hostile, name, command, tmp_path):
    db = tmp_path / "shop.db"
    code, err, peak = run_measured(["daily"], tmp_path, db)  # makes the database
    assert code == 0, err
    before = dump_database(db)
    what, *options = command
    code, err, peak = run_measured(["import", what, str(hostile[name]), *options], tmp_path, db)
    # the command line writes counts the way its language does (issue 15): 500,000 in English
    printed = HOSTILE[name][1].replace(" 500000 ", " 500,000 ").replace("5200000", "5,200,000")
    assert (code, err) == (2, f"error: {printed}\n")
    assert peak < PEAK_LIMIT_MB, f"{name}: peak RSS {peak:.0f} MB"
    after = [line for line in dump_database(db) if "audit_log" not in line]
    assert after == [line for line in before if "audit_log" not in line]


def test_a_reader_panic_is_a_refusal(tmp_path, monkeypatch):
    """calamine's Rust panics arrive as pyo3's PanicException, a BaseException."""
    import python_calamine

    class PanicException(BaseException):
        pass

    def panic(path):
        raise PanicException("chunk size must be non-zero")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", panic)
    path = hostile_files.write_xlsx(
        tmp_path / "odd.xlsx",
        hostile_files.sheet_xml(hostile_files.HEADER, "A1:B1"),
    )
    with pytest.raises(InvalidInput) as caught:
        read_table(path)
    assert str(caught.value) == (
        "odd.xlsx cannot be read as an Excel file: it is damaged, protected or not really "
        ".xlsx. Open it in Excel and save it again."
    )


def test_a_zip_that_lies_about_its_sizes_is_caught_while_reading(tmp_path):
    """The central directory says 100 bytes; the part inflates to far more."""
    path = hostile_files.write_xlsx(
        tmp_path / "liar.xlsx",
        hostile_files.sheet_xml(hostile_files.HEADER + "<row/>" * 200_000),
    )
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    # patch the uncompressed size in the central directory entry of the sheet
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[entry + 24 : entry + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as caught:
        workbook_guard.check_workbook(path)
    assert "packed far more tightly" in str(caught.value) or "damaged" in str(caught.value)


@pytest.mark.parametrize(
    "ref, message",
    [
        (
            "ZZZZ1",
            "wide.xlsx reaches cell ZZZZ1, column 475254; an import reads at most 256 columns. "
            "Delete what is far to the right, or copy the list into a new file.",
        ),
        (
            "A99999999999",
            "wide.xlsx reaches row 99999999999; an import reads at most 500000 rows. "
            "Split the list into smaller files.",
        ),
    ],
)
def test_cells_beyond_any_sheet_are_refused(tmp_path, ref, message):
    path = hostile_files.write_xlsx(
        tmp_path / "wide.xlsx",
        hostile_files.sheet_xml(f'<row r="1">{hostile_files.cell(ref, "x")}</row>'),
    )
    with pytest.raises(InvalidInput) as caught:
        read_table(path)
    assert str(caught.value) == message


def test_cells_without_addresses_are_followed_one_by_one(tmp_path):
    """Rows and cells may leave out `r`: each sits right of (below) the one before."""
    row = "<row>" + hostile_files.cell("", "x").replace(' r=""', "") * 300 + "</row>"
    path = hostile_files.write_xlsx(tmp_path / "wide.xlsx", hostile_files.sheet_xml(row))
    with pytest.raises(InvalidInput) as caught:
        read_table(path)
    assert "column 257; an import reads at most 256 columns" in str(caught.value)


def test_a_real_workbook_passes_and_reads(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Vorname", "Nachname", "Handy", "Notiz"])
    for number in range(2000):
        sheet.append(["Anna", f"Muster{number}", f"0151 {10000000 + number}", "Größe 38"])
    book.save(tmp_path / "kunden.xlsx")
    rows = read_table(tmp_path / "kunden.xlsx")
    assert rows[0] == ["Vorname", "Nachname", "Handy", "Notiz"]
    assert rows[2000] == ["Anna", "Muster1999", "0151 10001999", "Größe 38"]


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsb"])
def test_formats_that_cannot_be_checked_are_refused_in_words(tmp_path, suffix):
    path = tmp_path / f"kunden{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    with pytest.raises(InvalidInput) as caught:
        readers.read_table(path)
    assert str(caught.value) == (
        f"kunden{suffix} is an older or other spreadsheet format; open it in Excel or "
        "LibreOffice and save it as .xlsx (or .csv), then import that file."
    )
