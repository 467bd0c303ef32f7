"""Files with personal data are 0600 in a 0700 folder; `--out` writes only a new plain file;
the CSV guard neutralises only what a spreadsheet would evaluate (issue 13, items 5 and 6)."""

from __future__ import annotations

import csv
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.exports.cells import Column, CsvWriter, file_name_part, free_path, neutralise
from olga_loyalty.files import HAS_MODES
from olga_loyalty.services import gdpr, newsletter
from tests.conftest import register

pytestmark = pytest.mark.skipif(not HAS_MODES, reason="file modes exist where the OS has them")


def mode(path) -> str:
    return oct(stat.S_IMODE(os.stat(path).st_mode))


@pytest.fixture
def clara(shop):
    return register(
        shop,
        "Clara",
        "Berg",
        phone="0151 98765432",
        email="clara@example.com",
        consents=("data_processing", "email"),
    )


def test_every_personal_data_file_is_0600_in_a_0700_folder(shop, clara, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)  # as the program made it before
    old_umask = os.umask(0o022)
    try:
        written = [
            gdpr.access_export(shop, clara.id, folder=folder),
            gdpr.consent_form(shop, clara.id, folder=folder),
            gdpr.consent_form(shop, None, folder=folder),
            newsletter.export(shop, "email", folder=folder).path,
            newsletter.export(shop, "email", file_format="csv", folder=folder).path,
        ]
    finally:
        os.umask(old_umask)
    assert mode(folder) == "0o700"
    assert {path.name: mode(path) for path in written} == {path.name: "0o600" for path in written}
    assert len({path.name for path in written}) == 5


def test_out_refuses_a_link_even_to_nowhere_and_an_existing_file(shop, clara, tmp_path):
    target = tmp_path / "elsewhere.csv"
    link = tmp_path / "list.csv"
    link.symlink_to(target)
    with pytest.raises(InvalidInput) as caught:
        newsletter.export(shop, "email", file_format="csv", out=link)
    assert str(caught.value) == f"{link} is a link; an export writes only a new, plain file."
    assert not target.exists()
    existing = tmp_path / "old.csv"
    existing.write_text("keep me")
    with pytest.raises(InvalidInput) as caught:
        newsletter.export(shop, "email", file_format="csv", out=existing)
    assert str(caught.value) == f"{existing} exists already; an export never overwrites a file."
    assert existing.read_text() == "keep me"
    folder = tmp_path / "out"  # a tester: "exists already; never overwrites" for a folder
    folder.mkdir()
    with pytest.raises(InvalidInput) as caught:
        newsletter.export(shop, "email", file_format="csv", out=folder)
    assert str(caught.value) == (
        f"{folder} is a folder; give the new file's name, like {folder / 'export.xlsx'}."
    )
    assert list(folder.iterdir()) == []
    fresh = tmp_path / "new.csv"
    result = newsletter.export(shop, "email", file_format="csv", out=fresh)
    assert (result.path, result.written, mode(fresh)) == (fresh, 1, "0o600")


def test_free_path_never_follows_a_link(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    (folder / "list.csv").symlink_to(victim)
    path = free_path(folder, "list", ".csv")
    assert path.name == "list-2.csv" and not victim.exists()


def test_file_names_never_leave_their_folder():
    assert file_name_part("newsletter-email-tier-Gold/VIP-2026") == (
        "newsletter-email-tier-Gold-VIP-2026"
    )
    assert file_name_part('a\\b:c*d?e"f<g>h|i\x01j') == "a-b-c-d-e-f-g-h-i-j"
    assert file_name_part("../..") == "-"


@pytest.mark.parametrize(
    "text, written",
    [
        ("-info@example.com", "-info@example.com"),
        ("+tag@example.com", "+tag@example.com"),
        ("-müller@müller.de", "-müller@müller.de"),
        ("+4915112345678", "+4915112345678"),
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("=cmd|'/Ccalc'!A0@x.de", "'=cmd|'/Ccalc'!A0@x.de"),  # a valid address, and a DDE call
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)", "'@SUM(1+9)"),
        ("+49 151 12345678", "'+49 151 12345678"),
        ("\t=1+1", "'\t=1+1"),
        ("Anna", "Anna"),
        ("Müller-Lüdenscheidt", "Müller-Lüdenscheidt"),
    ],
)
def test_the_guard_neutralises_only_what_a_spreadsheet_evaluates(text, written):
    assert neutralise(text) == written


@given(st.emails())
def test_an_email_address_is_never_altered(address):
    if address[0] in "=":
        return  # "=..." is a formula to every spreadsheet (see docs/exports.md)
    if any(ch in address.split("@")[0] for ch in "!#$&'*/=?^`{|}~"):
        return  # characters only formulas and DDE calls need; such a start is neutralised
    assert neutralise(address) == address


def test_the_csv_file_has_no_raw_control_character(tmp_path):
    path = tmp_path / "x.csv"
    writer = CsvWriter(path, [Column("name"), Column("email")])
    writer.write(["Eva\x01\x1b[31m", "-info@example.com"])
    writer.close()
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows == [["name", "email"], ["Eva␁␛[31m", "-info@example.com"]]
