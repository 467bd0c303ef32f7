"""The newsletter export: every segment and consent rule, read back cell by cell."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.services import customers, imports, newsletter, points
from tests.conftest import register


@pytest.fixture
def shop_people(shop, clock, tmp_path):
    anna = register(
        shop,
        "Anna",
        "Müller",
        phone="0151 1111 1111",
        email="Anna@Example.com",
        birthday="1980-03-05",
        salutation="Frau",
        consents={"data_processing", "email", "sms"},
    )
    berta = register(shop, "Berta", "Bauer", phone="0151 2222 2222", email="berta@example.com")
    carla = register(
        shop, "Carla", "Conti", phone="0151 3333 3333", consents={"data_processing", "sms"}
    )
    dora = register(
        shop,
        "Dora",
        "Dietz",
        phone="0151 4444 4444",
        email="dora@example.com",
        consents={"data_processing", "email"},
    )
    erna = register(
        shop,
        "Erna",
        "Ebert",
        phone="0151 5555 5555",
        email="erna@example.com",
        consents={"data_processing", "email"},
    )
    frida = register(
        shop,
        "Frida",
        "Fuchs",
        phone="0151 7777 7777",
        email="frida@example.com",
        consents={"data_processing", "email"},
    )
    evil = register(
        shop,
        '=HYPERLINK("http://x","click")',
        "Hacker",
        phone="0151 6666 6666",
        email="evil@example.com",
        consents={"data_processing", "email"},
        notes="+SUM(A1)",
    )
    points.record_purchase(shop, anna.id, "600.00")  # Silver from now on, 600 points
    clock.advance(days=50)  # the welcome bonuses (60 days) now expire within 30 days
    points.record_purchase(shop, dora.id, "20.00")
    customers.erase(shop, erna.id)
    unsub = tmp_path / "unsub.csv"
    unsub.write_text(
        "Email;Datum\ndora@example.com;2026-02-01\nfrida.old@example.com;2026-02-01\n",
        encoding="utf-8",
    )
    imports.import_unsubscribes(shop, unsub)
    # Frida changes her email to the old address that unsubscribed: it stays suppressed.
    customers.edit(shop, frida.id, customers.CustomerInput(email="frida.old@example.com"))
    return {"anna": anna, "berta": berta, "carla": carla, "dora": dora, "erna": erna, "evil": evil}


def read(path):
    sheet = openpyxl.load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_email_export_rows_cell_by_cell(shop, shop_people, tmp_path):
    result = newsletter.export(shop, "email", "all", folder=tmp_path)
    assert result.path.name == "newsletter-email-all-2026-03-01.xlsx"
    assert result.written == 2
    # Berta and Carla never consented, Dora withdrew by the unsubscribe list; Frida's address
    # is on the suppression list; Erna is erased and not counted at all.
    assert result.left_out == {"no consent": 3, "suppressed": 1}
    rows, sheet = read(result.path)
    assert rows[0] == [
        "email",
        "first_name",
        "last_name",
        "salutation",
        "phone",
        "birthday",
        "language",
        "tier",
        "points",
        "points_value",
        "points_expiring",
        "points_expire_on",
        "customer_id",
        "consent_at",
        "consent_method",
        "consent_text_version",
        "tags",
    ]
    assert rows[1] == [
        "Anna@example.com",
        "Anna",
        "Müller",
        "Frau",
        "+4915111111111",
        datetime(1980, 3, 5),
        "de",
        "Silver",
        700,
        35,
        100,
        datetime(2026, 3, 11),
        1,
        "2026-01-10T09:00:00+00:00",
        "paper_signed",
        1,
        "Silver",
    ]
    assert rows[2][1] == '\'=HYPERLINK("http://x","click")'  # inert text, not a formula
    assert rows[2][4] is None  # no sms consent: no phone
    phone = sheet.cell(2, 5)
    assert (phone.value, phone.data_type) == ("+4915111111111", "s")
    assert sheet.cell(3, 2).data_type == "s"
    assert sheet.cell(2, 6).is_date and sheet.cell(2, 10).number_format == "0.00"
    assert sheet.freeze_panes == "A2"


def test_sms_export_and_presets(shop, shop_people, tmp_path):
    result = newsletter.export(shop, "sms", "all", preset="brevo", folder=tmp_path)
    rows, _ = read(result.path)
    assert rows[0][:5] == ["EMAIL", "FIRSTNAME", "LASTNAME", "SALUTATION", "SMS"]
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [
        (None, "Anna", "+4915111111111"),
        (None, "Carla", "+4915133333333"),
    ]
    assert result.left_out == {"no consent": 4}
    mailchimp = newsletter.export(
        shop, "email", "all", preset="mailchimp", file_format="csv", folder=tmp_path
    )
    text = mailchimp.path.read_text("utf-8").splitlines()
    assert text[0].startswith("Email Address,First Name,Last Name,Salutation,Phone Number,Birthday")
    assert text[1].startswith(
        "Anna@example.com,Anna,Müller,Frau,+4915111111111,03/05,de,Silver,700,35.00,"
    )
    assert "'=HYPERLINK" in text[2]


@pytest.mark.parametrize(
    ("segment", "expected", "label"),
    [
        ("birthday:3", ["Anna"], "birthday-3"),
        ("expiring:30", ["Anna", '\'=HYPERLINK("http://x","click")'], "expiring-30"),
        ("expiring:5", [], "expiring-5"),
        ("lapsed:30", ["Anna", '\'=HYPERLINK("http://x","click")'], "lapsed-30"),
        ("lapsed:60", [], "lapsed-60"),
        ("tier:silver", ["Anna"], "tier-Silver"),
        ("top:50", ["Anna"], "top-50"),
    ],
)
def test_segments(shop, shop_people, tmp_path, segment, expected, label):
    result = newsletter.export(shop, "email", segment, folder=tmp_path)
    rows, _ = read(result.path)
    assert [r[1] for r in rows[1:]] == expected
    assert result.path.name == f"newsletter-email-{label}-2026-03-01.xlsx"
    if expected:
        assert rows[1][16].endswith(label)


def test_bad_segments_and_never_overwrite(shop, shop_people, tmp_path):
    for bad, message in [
        ("tier:Platin", "There is no tier 'Platin'. Tiers: Base, Silver, Gold."),
        ("birthday:13", "The segment birthday needs a whole number from 1 to 12"),
        ("soon", "Unknown segment 'soon'"),
    ]:
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(".", r"\.")):
            newsletter.export(shop, "email", bad, folder=tmp_path)
    first = newsletter.export(shop, "email", folder=tmp_path).path
    second = newsletter.export(shop, "email", folder=tmp_path).path
    assert (first.name, second.name) == (
        "newsletter-email-all-2026-03-01.xlsx",
        "newsletter-email-all-2026-03-01-2.xlsx",
    )
    with pytest.raises(InvalidInput, match="exists already"):
        newsletter.export(shop, "email", out=first)


def test_consent_given_again_lifts_the_suppression(shop, shop_people, tmp_path):
    customers.give_consent(shop, shop_people["dora"].id, "email", method="verbal")
    rows, _ = read(newsletter.export(shop, "email", folder=tmp_path).path)
    assert [r[1] for r in rows[1:]] == ["Anna", "Dora", '\'=HYPERLINK("http://x","click")']


def test_erased_customer_is_never_exported_or_found(shop, shop_people, tmp_path):
    rows, _ = read(newsletter.export(shop, "email", folder=tmp_path).path)
    assert all("Ebert" not in str(r) and "erna" not in str(r) for r in rows)
    assert customers.find(shop, "ebert") == []
    assert customers.find(shop, "erna@example.com") == []
    assert customers.find(shop, "5555") == []
    assert date(2026, 3, 1) == shop.today()
