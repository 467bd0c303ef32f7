"""The customer's rights: access export (Art. 15/20), consent form, erasure (Art. 17)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import openpyxl
from peewee import fn
from pypdf import PdfReader

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.i18n import Translator
from olga_loyalty.services import customers, gdpr, newsletter, points
from olga_loyalty.services.shop import new_consent_text
from olga_loyalty.storage.models import ConsentText, LedgerEntry, Lot, Purchase
from tests.conftest import POSTGRES, dump_database, register


def _anna_with_history(shop):
    c = register(
        shop,
        "Anna",
        "Müller",
        phone="0151 1234 5678",
        email="anna@example.com",
        consents={"data_processing", "email"},
        notes='=HYPERLINK("http://x","click")',
    )
    points.record_purchase(shop, c.id, "100.00")
    points.refund(shop, 1, "40")
    customers.edit(shop, c.id, CustomerInput(last_name="Schäfer"), staff="Eva")
    points.adjust(shop, c.id, -1, reason="+SUM(A1)")
    return c


def _rows(sheet, first=2):
    return [list(row) for row in sheet.iter_rows(min_row=first, values_only=True)]


def test_access_export_in_german(shop, tmp_path):
    _shop_with_address(shop)
    c = _anna_with_history(shop)
    path = gdpr.access_export(shop, c.id, folder=tmp_path)
    assert path.name == "customer-1-data-2026-01-10.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Über diese Datei",
        "Stammdaten",
        "Einwilligungen",
        "Einkäufe",
        "Punktekonto",
        "Änderungen",
        "Rückmeldung",
        "Gesendete E-Mails",
    ]
    about = {r[0]: r[1] for r in _rows(book["Über diese Datei"], 1) if r[0]}
    assert about["Was diese Datei ist"].startswith("Alles, was dieser Laden über eine Kundin")
    assert about["Kundin"] == "Anna Schäfer (#1)"
    assert about["Geschäft"] == "Boutique Olga, Hauptstraße 1, 12345 Berlin"
    assert about["Erstellt am"] == datetime(2026, 1, 10, 9, 0)  # a date cell, local time
    assert about["Punktekonto"] == "Jede Buchung auf dem Punktekonto."
    assert book["Über diese Datei"]["B4"].number_format == "DD.MM.YYYY HH:MM"

    profile = book["Stammdaten"]
    assert _rows(profile, 1)[0] == ["Feld", "Wert"]
    values = {r[0]: r[1] for r in _rows(profile)}
    assert values["Nachname"] == "Schäfer"
    assert values["Telefon"] == "+4915112345678"
    assert values["Sprache"] == "Deutsch"
    assert values["Angemeldet am"] == datetime(2026, 1, 10, 9, 0)
    assert values["Notizen"] == '=HYPERLINK("http://x","click")'  # exactly as stored
    notes = next(row[1] for row in profile.iter_rows(min_row=2) if row[0].value == "Notizen")
    assert notes.data_type == "s"  # a string cell, never a formula

    consents = book["Einwilligungen"]
    assert _rows(consents, 1)[0] == [
        "Zweck",
        "Erteilt am",
        "Wie",
        "Textversion",
        "Wortlaut",
        "Erfasst von",
        "Herkunft",
        "Widerrufen am",
        "Wie widerrufen",
        "Widerrufen über",
    ]
    assert [r[:4] for r in _rows(consents)] == [
        ["Datenverarbeitung", datetime(2026, 1, 10, 9, 0), "Auf Papier unterschrieben", 1],
        ["E-Mail-Newsletter", datetime(2026, 1, 10, 9, 0), "Auf Papier unterschrieben", 1],
    ]
    assert _rows(consents)[1][4] == shop.consent_texts()["email"].text

    purchases = book["Einkäufe"]
    assert _rows(purchases, 1)[0] == [
        "Einkauf Nr.",
        "Datum",
        "Betrag (EUR)",
        "Punkte eingelöst",
        "Wert der eingelösten Punkte (EUR)",
        "Bezahlt (EUR)",
        "Punkte gesammelt",
        "Stufe",
        "Personal",
        "Erstattet (EUR)",
        "Bar erstattet (EUR)",
    ]
    assert _rows(purchases) == [
        [1, datetime(2026, 1, 10, 9, 0), 100, 0, 0, 100, 100, "Base", None, 40, 40]
    ]
    assert purchases["C2"].number_format == "#,##0.00"
    assert purchases["B2"].number_format == "DD.MM.YYYY HH:MM"
    assert purchases.column_dimensions["E"].width >= len("Wert der eingelösten Punkte (EUR)")

    ledger = book["Punktekonto"]
    assert _rows(ledger, 1)[0] == [
        "Buchungsnummer",
        "Datum",
        "Art",
        "Punkte",
        "Gutschrift Nr.",
        "Einkauf Nr.",
        "Personal",
        "Grund",
    ]
    assert [(r[2], r[3], r[7]) for r in _rows(ledger)] == [
        ("Willkommensbonus", 100, "Willkommensbonus"),
        ("Punkte gesammelt", 100, None),
        ("Punkte zurückgenommen", -40, "Erstattung zu Einkauf #1"),
        ("Korrektur", -1, "+SUM(A1)"),  # typed by a person: as typed, and inert
    ]
    assert [(r[1], r[2], r[3], r[4]) for r in _rows(book["Änderungen"])] == [
        ("Nachname", "Müller", "Schäfer", "Eva")
    ]
    assert _rows(book["Rückmeldung"], 1) == [
        ["Datum", "Art", "Notiz", "Wiedervorlage am", "Erledigt am", "Ergebnis", "Personal"]
    ]


def test_access_export_in_english(shop, tmp_path):
    _shop_with_address(shop, language="en")
    c = _anna_with_history(shop)
    book = openpyxl.load_workbook(gdpr.access_export(shop, c.id, folder=tmp_path))
    assert book.sheetnames == [
        "About this file",
        "Profile",
        "Consents",
        "Purchases",
        "Points ledger",
        "Change history",
        "Feedback",
        "Mails sent",
    ]
    assert _rows(book["Profile"], 1)[0] == ["Field", "Value"]
    assert _rows(book["Consents"], 1)[0][:4] == ["Purpose", "Given on", "How", "Text version"]
    assert [r[:3] for r in _rows(book["Consents"])] == [
        ["Data processing", datetime(2026, 1, 10, 9, 0), "Signed on paper"],
        ["Email newsletter", datetime(2026, 1, 10, 9, 0), "Signed on paper"],
    ]
    assert _rows(book["Purchases"], 1)[0][:3] == ["Purchase number", "Date", "Amount (EUR)"]
    assert [r[2] for r in _rows(book["Points ledger"])] == [
        "Welcome bonus",
        "Points earned",
        "Points taken back",
        "Adjustment",
    ]
    assert book["Purchases"]["B2"].number_format == "DD/MM/YYYY HH:MM"


def test_program_texts_are_translated_and_typed_texts_are_not():
    de = Translator("de")
    assert [
        gdpr.program_text(de, text)
        for text in (
            "welcome bonus",
            "birthday 2026",
            "referral of customer #7",
            "refund of purchase #12",
            "opening balance from import",
            "apology for complaint #3: Naht offen",
            "apology bonus: 1 points",
            "apology bonus: 200 points",
            "import kunden.xlsx row 14",
            "unsubscribe import brevo.csv",
            "expired",
            "erasure",
            "Doppelte Buchung",
            "",
        )
    ] == [
        "Willkommensbonus",
        "Geburtstag 2026",
        "Empfehlung von Kundin #7",
        "Erstattung zu Einkauf #12",
        "Anfangsbestand aus einem Import",
        "Entschuldigung für Beschwerde #3: Naht offen",
        "Entschuldigungsbonus: 1 Punkt",
        "Entschuldigungsbonus: 200 Punkte",
        "Import aus kunden.xlsx, Zeile 14",
        "Abmeldeliste brevo.csv",
        "Verfallen",
        "Löschung",
        "Doppelte Buchung",
        "",
    ]


def _shop_with_address(shop, language="de"):
    shop.save_settings(
        replace(
            shop.settings,
            name="Boutique Olga",
            address="Hauptstraße 1, 12345 Berlin",
            language=language,
            setup_done=True,
        )
    )


def _fonts_embedded(page) -> list[str]:
    """The fonts of a page whose glyphs are in the file (FontFile2: an embedded TrueType)."""
    embedded = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        if "/FontFile2" in descendant["/FontDescriptor"]:
            embedded.append(str(font["/BaseFont"]))
    return sorted(embedded)


def _words(text: str) -> str:
    return " ".join(text.split())


REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "consent-form.png"


def test_consent_form_is_one_a4_page_with_every_text_whole(shop, tmp_path):
    _shop_with_address(shop)
    c = register(
        shop,
        "Şirin",
        "Dvořák",
        phone="0151 1234 5678",
        email="sirin@example.com",
        birthday="1990-02-28",
        salutation="Frau",
    )
    path = gdpr.consent_form(shop, c.id, folder=tmp_path)
    assert path.name == "consent-form-1-2026-01-10.pdf"
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == (
        595.28,
        841.89,
    )  # A4: 210 × 297 mm
    # both fonts embedded (subsets: only the glyphs the page uses; the prefix varies)
    assert [name.split("+")[1] for name in _fonts_embedded(page)] == [
        "DejaVuSansBold",
        "DejaVuSansBook",
    ]

    text = _words(page.extract_text())
    for purpose in ("data_processing", "email", "sms"):
        assert _words(shop.consent_texts()[purpose].text) in text, purpose
    assert text.count("Ich stimme zu") == 3
    for words in (
        "Boutique Olga",
        "Hauptstraße 1, 12345 Berlin",
        "Einwilligung zum Bonusprogramm",
        "Frau Şirin Dvořák",
        "01511 2345678",
        "sirin@example.com",
        "28.02.1990",
        "#1",
        "Datenverarbeitung für das Bonusprogramm (erforderlich)",
        "Newsletter per E-Mail (freiwillig)",
        "Angebote per SMS oder Messenger (freiwillig)",
        "Textversion 1",
        "Ort, Datum",
        "Unterschrift",
    ):
        assert words in text, words
    assert reader.metadata.title == "Einwilligung zum Bonusprogramm"


def test_consent_form_matches_the_reference_picture(shop, tmp_path):
    """docs/consent-form.png is this page, looked at once by eye. After a deliberate change
    of the layout: OLGA_UPDATE_REFERENCE=1 pytest -k reference_picture, then look again."""
    import os

    import pypdfium2
    from PIL import Image, ImageChops

    _shop_with_address(shop)
    c = register(
        shop,
        "Şirin",
        "Dvořák",
        phone="0151 1234 5678",
        email="sirin@example.com",
        birthday="1990-02-28",
        salutation="Frau",
    )
    document = pypdfium2.PdfDocument(gdpr.consent_form(shop, c.id, folder=tmp_path))
    picture = document[0].render(scale=100 / 72).to_pil().convert("L")
    document.close()
    if os.environ.get("OLGA_UPDATE_REFERENCE"):
        picture.save(REFERENCE, optimize=True)
    reference = Image.open(REFERENCE).convert("L")
    assert picture.size == reference.size == (827, 1170)  # A4 at 100 dpi
    difference = ImageChops.difference(picture, reference).point(lambda v: 255 if v > 64 else 0)
    changed = difference.histogram()[255]  # pixels that differ clearly

    assert changed < picture.size[0] * picture.size[1] * 0.002, changed


def test_blank_consent_form_and_english(shop, tmp_path):
    _shop_with_address(shop, language="en")
    path = gdpr.consent_form(shop, None, folder=tmp_path)
    assert path.name == "consent-form-blank-2026-01-10.pdf"
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = _words(reader.pages[0].extract_text())
    assert text.count("I agree") == 3
    for words in (
        "Consent to the bonus programme",
        "Customer number Name Phone Email Birthday",  # labels, and lines to write on
        "Data processing for the bonus programme (required)",
        "Place, date Signature",
    ):
        assert words in text, words
    assert "#" not in text  # no customer: no data


def test_long_consent_texts_still_fit_one_page_in_smaller_type(shop, tmp_path):
    c = register(shop, "Anna", "Müller", phone="0151 1234 5678")
    long_text = ("Ich willige ein, dass die Boutique meine Angaben speichert. " * 20).strip()
    for purpose in ("data_processing", "email", "sms"):
        new_consent_text(shop, purpose, long_text)
    reader = PdfReader(gdpr.consent_form(shop, c.id, folder=tmp_path))
    assert len(reader.pages) == 1
    assert _words(reader.pages[0].extract_text()).count(long_text) == 3
    # far too long for one page: whole on two numbered pages, the signature after the last
    too_long = ("Ich willige ein, dass die Boutique meine Angaben speichert. " * 30).strip()
    for purpose in ("data_processing", "email", "sms"):
        new_consent_text(shop, purpose, too_long)
    reader = PdfReader(gdpr.consent_form(shop, c.id, folder=tmp_path))
    assert len(reader.pages) == 2
    pages = [_words(p.extract_text()) for p in reader.pages]
    assert pages[0].endswith("1/2") and pages[1].endswith("2/2")
    whole = pages[0].removesuffix("1/2") + " " + pages[1]
    assert _words(whole).count(too_long) == 3  # split between the pages, none cut short

    assert "Unterschrift" in pages[1] and "Unterschrift" not in pages[0]


def test_erasure_leaves_nothing_but_the_amounts(shop, clock, tmp_path, db_path):
    c = register(
        shop,
        "Anna",
        "Müller",
        phone="0151 1234 5678",
        email="anna@example.com",
        birthday="1980-12-24",
        consents={"data_processing", "email", "sms"},
        notes="Size 38",
    )
    other = register(
        shop, "Berta", "Bauer", consents={"data_processing", "email"}, email="berta@example.com"
    )
    points.record_purchase(shop, c.id, "250.00")
    points.record_purchase(shop, other.id, "80.00")
    customers.edit(shop, c.id, CustomerInput(email="anna.m@example.com"))
    paid_before = Purchase.select(fn.SUM(Purchase.paid).coerce(False)).scalar()
    customers.erase(shop, c.id)
    # amounts stay for the books and the ledger still equals the lots
    assert Purchase.select(fn.SUM(Purchase.paid).coerce(False)).scalar() == paid_before
    assert (
        LedgerEntry.select(fn.SUM(LedgerEntry.points)).scalar()
        == Lot.select(fn.SUM(Lot.remaining)).scalar()
    )
    # nothing shows her again
    for query in ("muller", "anna", "5678", "anna@example.com", "anna.m@", "#1"):
        assert [h.id for h in customers.find(shop, query)] == [], query
    exported = newsletter.export(shop, "email", folder=tmp_path)
    assert exported.written == 1 and exported.left_out == {}
    # and her data is gone from the database file itself (secure_delete, scrubbed history)
    if not POSTGRES:
        with sqlite3.connect(db_path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    dump = "\n".join(map(str, dump_database(db_path)))
    for secret in (
        "Müller",
        "anna@example.com",
        "anna.m@example.com",
        "4915112345678",
        "Size 38",
        "1980-12-24",
    ):
        assert secret not in dump, secret
    if not POSTGRES:  # the file itself; a server's files are its own business
        raw = db_path.read_bytes()
        assert b"anna.m@example.com" not in raw


def test_consent_form_prints_markup_as_text_and_drops_control_characters(shop, tmp_path):
    c = register(shop, "Anna", "Müller", phone="0151 1234 5678")
    # a text saved before the input rules (today a control character is refused when typed)
    ConsentText.create(
        purpose="email",
        version=2,
        text="[b]Newsletter[/b] [/i]\tper\x07 E-Mail\nZweite Zeile",
        created_at=shop.now(),
    )
    shop.reset_caches()
    text = PdfReader(gdpr.consent_form(shop, c.id, folder=tmp_path)).pages[0].extract_text()
    assert "[b]Newsletter[/b] [/i] per E-Mail\nZweite Zeile" in text
    assert "\x07" not in text and "\t" not in text
