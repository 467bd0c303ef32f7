"""The customer's rights: access export (Art. 15/20), consent form, erasure (Art. 17)."""

from __future__ import annotations

import sqlite3

import openpyxl
from peewee import fn

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.services import customers, gdpr, newsletter, points
from olga_loyalty.storage.models import LedgerEntry, Lot, Purchase
from tests.conftest import POSTGRES, dump_database, register


def test_access_export_has_every_sheet(shop, clock, tmp_path):
    c = register(
        shop,
        "Anna",
        "Müller",
        phone="0151 1234 5678",
        email="anna@example.com",
        consents={"data_processing", "email"},
        notes="+SUM(A1)",
    )
    points.record_purchase(shop, c.id, "100.00")
    points.refund(shop, 1, "40")
    customers.edit(shop, c.id, CustomerInput(last_name="Schäfer"), staff="Eva")
    path = gdpr.access_export(shop, c.id, folder=tmp_path)
    assert path.name == "customer-1-data-2026-01-10.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "profile",
        "consents",
        "purchases",
        "points ledger",
        "change history",
        "feedback",
        "mails sent",
    ]
    profile = {row[0]: row[1] for row in book["profile"].iter_rows(min_row=2, values_only=True)}
    assert (profile["last_name"], profile["phone"], profile["notes"]) == (
        "Schäfer",
        "+4915112345678",
        "'+SUM(A1)",
    )  # inert text, not a formula
    assert book["profile"]["B9"].data_type == "s"
    purchases = list(book["purchases"].iter_rows(min_row=2, values_only=True))
    assert [(p[0], p[2], p[5], p[6], p[9], p[10]) for p in purchases] == [
        (1, 100.0, 100.0, 100, 40.0, 40.0)
    ]
    ledger_rows = [
        (r[2], r[3]) for r in book["points ledger"].iter_rows(min_row=2, values_only=True)
    ]
    assert ledger_rows == [("welcome", 100), ("earn", 100), ("refund", -40)]
    consents = [(r[0], r[2]) for r in book["consents"].iter_rows(min_row=2, values_only=True)]
    assert consents == [("data_processing", "paper_signed"), ("email", "paper_signed")]
    changes = list(book["change history"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3], r[4]) for r in changes] == [
        ("last_name", "Müller", "Schäfer", "Eva")
    ]


def test_consent_form_for_a_customer_and_blank(shop, tmp_path):
    c = register(shop, "Anna", "Müller", phone="0151 1234 5678")
    path = gdpr.consent_form(shop, c.id, folder=tmp_path)
    sheet = openpyxl.load_workbook(path).active
    values = [v for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert "Einwilligung zum Bonusprogramm" in values
    assert "Anna Müller" in values and "01511 2345678" in values
    assert values.count("Ich stimme zu") == 3
    assert "Unterschrift" in values
    assert any(str(v).startswith("Ich willige ein") for v in values)
    blank = openpyxl.load_workbook(gdpr.consent_form(shop, None, folder=tmp_path)).active
    assert blank["B5"].value is None  # the name line is left empty for the pen


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
