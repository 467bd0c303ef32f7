"""Importing a messy, real-looking customer list, and unsubscribe lists."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.exports.readers import read_table
from olga_loyalty.i18n import Translator
from olga_loyalty.services import imports
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, LedgerEntry, Lot
from tests.conftest import dump_database, register

HEADER = ["Kundennr.", "Name", "Telefon", "E-Mail", "Geburtstag", "Punkte", "Newsletter"]
ROWS = [
    [1, "Anna Müller", "0151 1234 5678", "anna@example.com", "24.12.1980", 120, "ja"],
    [2, "Müller, Berta", "0049 151 23456789", "", "", None, ""],
    [None, None, None, None, None, None, None],
    [3, "Carla von Berg", 4915134567890, "carla@example.com", date(1975, 5, 1), 0, "x"],
    [4, "Dora", "0151 4567 8901", "", "", None, ""],
    [5, "Eva Engel", "12", "", "", None, ""],
    [6, "Fritz Doppelt", "+49 151 12345678", "", "", None, ""],
    [7, "Gina Gans", "0151 9999 0000", "gina@", "", None, ""],
    [8, "Hanna Huber", "0151 8888 0000", "", "31.02.1990", None, ""],
    [9, "Ines Ilg", "0151 7777 0000", "", "", "abc", ""],
    [10, "Jana Jung", "0151 5555 5555", "", "", None, ""],
]
EXPECTED_REFUSED = [
    (6, "Please enter the first name."),
    (7, "The phone number 12 is too short: please add the area code or mobile prefix."),
    (8, "The phone +4915112345678 is already in row 2."),
    (9, "'gina@' is not an email address (like name@example.com)."),
    (10, "'31.02.1990' is not a date. Type the birthday like 24/12/1980 or 1980-12-24."),
    (11, "'abc' is not a whole number of points."),
    (12, "The phone +4915155555555 is already registered."),
]


def write_xlsx(path, header=HEADER, rows=ROWS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, header=HEADER, rows=ROWS, encoding="cp1252", separator=";"):
    """As Excel saves it: CRLF, a field quoted only where it holds the separator."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [value.strftime("%d.%m.%Y") if isinstance(value, date) else value for value in row]
        )
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def dump(db_path):
    return dump_database(db_path)


FOUND = {
    "xlsx": (None, None, "File: an Excel workbook (its first sheet)."),
    "csv-cp1252": (
        "Windows-1252",
        ";",
        "File: Windows-1252 text, columns separated by semicolons.",
    ),
    "csv-utf8-bom": (
        "UTF-8 with BOM",
        ";",
        "File: UTF-8 with BOM text, columns separated by semicolons.",
    ),
    "csv-utf8-comma": ("UTF-8", ",", "File: UTF-8 text, columns separated by commas."),
    # Excel's "Unicode text" (Save as → Unicode text): .txt, UTF-16 little-endian with a byte
    # order mark, tab-separated
    "unicode-text": ("UTF-16", "\t", "File: UTF-16 text, columns separated by tabs."),
    "utf16-big-endian": ("UTF-16", "\t", "File: UTF-16 text, columns separated by tabs."),
}


@pytest.mark.parametrize("kind", list(FOUND))
def test_messy_file_exact_report_and_rows(shop, tmp_path, db_path, kind):
    register(shop, "Jana", "Jung", phone="0151 5555 5555")
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "kunden.xlsx")
    elif kind == "unicode-text":
        path = write_csv(tmp_path / "kunden.txt", encoding="utf-16", separator="\t")
        assert path.read_bytes()[:2] == b"\xff\xfe"  # what Excel writes
    elif kind == "utf16-big-endian":
        path = tmp_path / "kunden.txt"
        text = write_csv(path, encoding="utf-8", separator="\t").read_text("utf-8")
        path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    else:
        encoding = {"csv-cp1252": "cp1252", "csv-utf8-bom": "utf-8-sig"}.get(kind, "utf-8")
        separator = "," if kind == "csv-utf8-comma" else ";"
        path = write_csv(tmp_path / "kunden.csv", encoding=encoding, separator=separator)
    before = dump(db_path)
    # no consent column: every customer signed the consent form on paper on 1 March 2024
    report = imports.check_file(shop, path, consented_on="1.3.24")
    assert (report.encoding, report.separator, report.file_text(Translator("en"))) == FOUND[kind]
    assert (report.consented_on, report.lacking_consent) == (date(2024, 3, 1), 0)
    assert report.mapping_text() == {
        "Name": "name",
        "Telefon": "phone",
        "E-Mail": "email",
        "Geburtstag": "birthday",
        "Punkte": "points",
        "Newsletter": "consent_email",
    }
    assert (report.total, report.empty) == (10, 1)
    assert [(n, str(e)) for n, e in report.refused] == EXPECTED_REFUSED
    assert [r.row for r in report.good] == [2, 3, 5]
    assert dump(db_path) == before  # the dry run wrote nothing

    assert imports.import_rows(shop, report, staff="Olga") == 3
    rows = {c.last_name: c for c in Customer.select().where(Customer.id > 1)}
    assert sorted(rows) == ["Müller", "Müller", "von Berg"] or sorted(rows) == [
        "Müller",
        "von Berg",
    ]
    anna = Customer.get(Customer.phone == "+4915112345678")
    assert (anna.first_name, anna.last_name, anna.email, anna.birthday) == (
        "Anna",
        "Müller",
        "anna@example.com",
        date(1980, 12, 24),
    )
    berta = Customer.get(Customer.phone == "+4915123456789")
    assert (berta.first_name, berta.last_name, berta.email) == ("Berta", "Müller", None)
    carla = Customer.get(Customer.phone == "+4915134567890")
    assert (carla.first_name, carla.last_name, carla.birthday) == (
        "Carla",
        "von Berg",
        date(1975, 5, 1),
    )
    assert ledger.balance(anna.id, shop.today()) == 120
    opening = LedgerEntry.get(LedgerEntry.customer == anna.id)
    assert (opening.kind, opening.points, opening.reason) == (
        "opening",
        120,
        "opening balance from import",
    )
    assert Lot.get(Lot.customer == anna.id).expires_on == date(2027, 1, 10)
    consents = sorted(
        (c.customer_id, c.purpose, c.method, c.given_at.isoformat())
        for c in Consent.select().where(Consent.customer != 1)
    )
    signed = "2024-03-01T00:00:00+00:00"
    assert consents == [
        (anna.id, "data_processing", "paper_signed", signed),
        (anna.id, "email", "paper_signed", signed),
        (berta.id, "data_processing", "paper_signed", signed),
        (carla.id, "data_processing", "paper_signed", signed),
        (carla.id, "email", "paper_signed", signed),
    ]
    assert {c.source for c in Consent.select().where(Consent.customer == anna.id)} == {
        f"import {path.name} row 2"
    }

    again = imports.check_file(shop, path, consented_on="2024-03-01")
    assert again.good == []  # a second run imports nothing new
    assert [n for n, _ in again.refused] == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12]


NO_PROOF = (
    "No proof of consent to data processing: the file has no consent column and no day of "
    "consent on paper was given."
)


def test_without_proof_of_data_consent_no_row_is_imported(shop, tmp_path, db_path):
    """Issue 15: a sheet with a "Newsletter" column but no data-consent column made customers
    with email consent and no consent to data processing. Now every row is refused, by row
    number, and the dry run counts them."""
    register(shop, "Jana", "Jung", phone="0151 5555 5555")
    path = write_xlsx(tmp_path / "kunden.xlsx")
    before = dump(db_path)
    report = imports.check_file(shop, path)
    assert report.good == []
    assert report.lacking_consent == 10
    assert (
        [(n, str(e)) for n, e in report.refused]
        == [
            (2, NO_PROOF),
            (3, NO_PROOF),
            (5, NO_PROOF),
            *EXPECTED_REFUSED[:2],
            (8, NO_PROOF),  # the duplicate of row 2, which is not imported either
            *EXPECTED_REFUSED[3:6],
            (12, NO_PROOF),
        ]
    )
    assert imports.import_rows(shop, report) == 0
    assert dump(db_path) == before


CONSENT_ROWS = [
    ["Anna Arm", "0151 1000 0001", "anna@example.com", "ja", "ja", "ja"],
    ["Berta Bein", "0151 1000 0002", "", "x", "ja", ""],  # newsletter without an address
    ["Carla Chor", "030 1234567", "", "1", "", "ja"],  # SMS to a landline
    ["Dora Dach", "0151 1000 0004", "", "nein", "", ""],
    ["Eva Eck", "0151 1000 0005", "", "", "", ""],
    ["Fritz Fuß", "0151 1000 0006", "", "15.04.2023", "", "ja"],
    ["Gina Gut", "0151 1000 0007", "", "vielleicht", "", ""],
    ["Hanna Hut", "0151 1000 0008", "", date(2022, 5, 2), "", ""],
    ["Ines Irr", "0151 1000 0009", "", "1.1.30", "", ""],  # 2030, not 1930: in the future
    ["Jana Jung", "0151 1000 0010", "", "1.12.25", "", ""],  # this century: 2025
]
CONSENT_HEADER = ["Name", "Telefon", "E-Mail", "Einwilligung", "Newsletter", "SMS-Einwilligung"]


def test_the_consent_column_proves_each_row(shop, tmp_path):
    path = write_xlsx(tmp_path / "einw.xlsx", CONSENT_HEADER, CONSENT_ROWS)
    report = imports.check_file(shop, path)
    assert report.mapping_text()["Einwilligung"] == "consent_data"
    assert [(n, str(e)) for n, e in report.refused] == [
        (5, "The consent column says 'nein': no consent to data processing."),
        (6, "The consent column is empty: no proof of consent to data processing."),
        (
            8,
            "'vielleicht' in the consent column is neither yes, no nor a date: no proof of "
            "consent to data processing.",
        ),
        (10, "The consent column gives a day in the future."),
    ]
    assert report.lacking_consent == 4
    assert [(n, str(e)) for n, e in report.notes] == [
        (3, "No email address: imported without email consent."),
        (4, "030 1234567 is not a mobile number: imported without SMS consent."),
    ]
    assert [(r.row, sorted(r.consents), r.consented_on) for r in report.good] == [
        (2, ["data_processing", "email", "sms"], None),
        (3, ["data_processing"], None),
        (4, ["data_processing"], None),
        (7, ["data_processing", "sms"], date(2023, 4, 15)),
        (9, ["data_processing"], date(2022, 5, 2)),
        (11, ["data_processing"], date(2025, 12, 1)),
    ]
    assert imports.import_rows(shop, report) == 6
    given = {
        (c.customer.last_name, c.purpose): c.given_at.date()
        for c in Consent.select().join(Customer)
    }
    assert given[("Arm", "data_processing")] == shop.today()  # "ja": at the import
    assert given[("Fuß", "data_processing")] == given[("Fuß", "sms")] == date(2023, 4, 15)


def test_a_paper_day_fills_empty_cells_but_never_overrides_a_no(shop, tmp_path):
    path = write_xlsx(tmp_path / "einw.xlsx", CONSENT_HEADER, CONSENT_ROWS)
    report = imports.check_file(shop, path, consented_on="2024-03-01")
    assert [n for n, _ in report.refused] == [5, 8, 10]
    days = {r.row: r.consented_on for r in report.good}
    assert days[2] == days[6] == date(2024, 3, 1)  # "ja" and empty: the paper day
    assert days[7] == date(2023, 4, 15)  # the column's own day wins


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-01-11", "The day the consent forms were signed cannot be in the future."),
        # A short year is this century's: 1.2.26 is next month, never 1926.
        ("1.2.26", "The day the consent forms were signed cannot be in the future."),
        ("31.4.24", "'31.4.24' is not a date. Type the day the consent forms were signed"),
        ("gestern", "'gestern' is not a date."),
    ],
)
def test_a_wrong_paper_day_is_refused_before_anything(shop, tmp_path, typed, message):
    path = write_xlsx(tmp_path / "kunden.xlsx")
    with pytest.raises(InvalidInput, match=message) as caught:
        imports.check_file(shop, path, consented_on=typed)
    assert caught.value.field == "consented_on"


def test_mapping_can_be_overridden(shop, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", ["Wer", "Nummer"], [["Anna Müller", "0151 1234 5678"]])
    with pytest.raises(InvalidInput, match="No usable columns in x.xlsx"):
        imports.check_file(shop, path)
    report = imports.check_file(shop, path, ["Wer=name", "B=phone"], consented_on="2025-12-01")
    assert [r.data.last_name for r in report.good] == ["Müller"]
    with pytest.raises(InvalidInput, match="Write a mapping as COLUMN=FIELD"):
        imports.check_file(shop, path, ["Wer=nickname"])


def test_broken_files_are_refused_and_nothing_is_written(shop, tmp_path, db_path):
    before = dump(db_path)
    corrupt = tmp_path / "kaputt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InvalidInput, match="kaputt.xlsx cannot be read as an Excel file"):
        imports.check_file(shop, corrupt)
    useless = write_csv(tmp_path / "useless.csv", ["Farbe", "Größe"], [["rot", "38"]])
    with pytest.raises(InvalidInput, match="No usable columns in useless.csv"):
        imports.check_file(shop, useless)
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(InvalidInput, match="is neither an Excel file"):
        imports.check_file(shop, tmp_path / "x.pdf")
    with pytest.raises(InvalidInput, match="does not exist"):
        imports.check_file(shop, tmp_path / "missing.xlsx")
    assert dump(db_path) == before


def test_name_splitting():
    assert imports.split_name("Anna Maria von der Heide") == ("Anna Maria", "von der Heide")
    assert imports.split_name("Müller, Anna") == ("Anna", "Müller")
    assert imports.split_name("Cher") == ("", "Cher")


def test_unsubscribes_withdraw_and_suppress(shop, tmp_path):
    anna = register(
        shop,
        phone="0151 1234 5678",
        email="anna@example.com",
        consents={"data_processing", "email", "sms"},
    )
    path = write_xlsx(
        tmp_path / "abmeldungen.xlsx",
        ["Kontakt", "Wann"],
        [
            ["ANNA@example.com", "2026-01-01"],
            ["someone@else.org", ""],
            ["+49 151 12345678", ""],
            ["kein Kontakt", ""],
        ],
    )
    report = imports.import_unsubscribes(shop, path)
    assert (report.contacts, report.matched, report.unmatched, report.withdrawn) == (3, 2, 1, 2)
    states = {c.purpose: c for c in Consent.select().where(Consent.customer == anna.id)}
    assert (
        states["email"].withdrawn_at is not None and states["email"].withdrawn_method == "digital"
    )
    assert states["email"].withdrawn_source == "unsubscribe import abmeldungen.xlsx"
    assert states["sms"].withdrawn_at is not None
    assert states["data_processing"].withdrawn_at is None
    assert imports.is_suppressed("email", "someone@else.org")
    # a later import cannot bring the address back with consent
    again = write_xlsx(
        tmp_path / "again.xlsx",
        ["Vorname", "Nachname", "Handy", "Mail", "Newsletter"],
        [["Some", "One", "0151 2000 3000", "someone@else.org", "ja"]],
    )
    checked = imports.check_file(shop, again, consented_on="2025-12-01")
    assert checked.good[0].consents == {"data_processing"}
    assert [str(note) for _, note in checked.notes] == [
        "The email is on the suppression list: imported without email consent."
    ]


_HEADER = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzäöüß", min_size=1)
_CELL = (
    st.text(alphabet=st.sampled_from(list("abcXYZ019 äöüÄÖÜßéèçñ€;,\"'-+=@.#Şř")), min_size=1)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(
    columns=st.integers(min_value=2, max_value=5),
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252"]),
    separator=st.sampled_from([";", ",", "\t"]),
)
def test_any_table_reads_back_in_any_encoding_and_separator(columns, data, encoding, separator):
    header = data.draw(st.lists(_HEADER, min_size=columns, max_size=columns))
    body = data.draw(
        st.lists(st.lists(_CELL, min_size=columns, max_size=columns), min_size=1, max_size=5)
    )
    if encoding == "cp1252":  # Windows-1252 has no Ş or ř
        body = [[cell.replace("Ş", "S").replace("ř", "r") for cell in row] for row in body]
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows([header, *body])
    if encoding == "utf-16-be-bom":
        raw = b"\xfe\xff" + out.getvalue().encode("utf-16-be")
    else:
        raw = out.getvalue().encode(encoding)
    if encoding == "cp1252":
        # The rule (docs/rules.md): bytes that are valid UTF-8 are read as UTF-8. Windows-1252
        # text such as "Ä€" (C4 80) is also valid UTF-8 ("Ā"); no reader can tell them apart.
        try:
            assume(raw.decode("utf-8") == out.getvalue())
        except UnicodeDecodeError:
            pass
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "liste.txt"
        path.write_bytes(raw)
        table = read_table(path)
    assert table == [header, *body]
    assert table.separator == separator
    expected = {
        "utf-8-sig": "UTF-8 with BOM",
        "utf-16": "UTF-16",
        "utf-16-be-bom": "UTF-16",
        "utf-8": "UTF-8",
    }.get(encoding)
    if expected is None:  # cp1252: what is also valid UTF-8 (plain ASCII) is read as UTF-8
        expected = "UTF-8" if raw.isascii() else "Windows-1252"
    assert table.encoding == expected


def test_an_email_beginning_like_a_formula_is_a_refused_row(shop, tmp_path):
    rows = [
        [1, "Eva Formel", "0151 7777 1111", "=1+2@example.com", "", None, ""],
        [2, "Frida Fein", "0151 7777 2222", "frida@example.com", "", None, ""],
    ]
    path = write_csv(tmp_path / "kunden.csv", rows=rows)
    report = imports.check_file(shop, path, consented_on="2024-03-01")
    assert [(n, str(e)) for n, e in report.refused] == [
        (
            2,
            "'=1+2@example.com' begins like a spreadsheet formula (=); an address like that "
            "cannot go into an export unchanged. Check it with the customer.",
        )
    ]
    assert [r.row for r in report.good] == [3]
