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
    assert result.path.name == "newsletter-email-all-generic-2026-03-01.xlsx"
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
    assert rows[2][1] == '=HYPERLINK("http://x","click")'  # a text cell, exactly as stored
    assert rows[2][4] is None  # no sms consent: no phone
    phone = sheet.cell(2, 5)
    assert (phone.value, phone.data_type) == ("+4915111111111", "s")
    assert sheet.cell(3, 2).data_type == "s"  # a string, never a formula
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
        ("expiring:30", ["Anna", '=HYPERLINK("http://x","click")'], "expiring-30"),
        ("expiring:5", [], "expiring-5"),
        ("lapsed:30", ["Anna", '=HYPERLINK("http://x","click")'], "lapsed-30"),
        ("lapsed:60", [], "lapsed-60"),
        ("tier:silver", ["Anna"], "tier-Silver"),
        ("top:50", ["Anna"], "top-50"),
    ],
)
def test_segments(shop, shop_people, tmp_path, segment, expected, label):
    result = newsletter.export(shop, "email", segment, folder=tmp_path)
    rows, _ = read(result.path)
    assert [r[1] for r in rows[1:]] == expected
    assert result.path.name == f"newsletter-email-{label}-generic-2026-03-01.xlsx"
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
        "newsletter-email-all-generic-2026-03-01.xlsx",
        "newsletter-email-all-generic-2026-03-01-2.xlsx",
    )
    with pytest.raises(InvalidInput, match="exists already"):
        newsletter.export(shop, "email", out=first)


def test_consent_given_again_lifts_the_suppression(shop, shop_people, tmp_path):
    customers.give_consent(shop, shop_people["dora"].id, "email", method="verbal")
    rows, _ = read(newsletter.export(shop, "email", folder=tmp_path).path)
    assert [r[1] for r in rows[1:]] == ["Anna", "Dora", '=HYPERLINK("http://x","click")']


def test_erased_customer_is_never_exported_or_found(shop, shop_people, tmp_path):
    rows, _ = read(newsletter.export(shop, "email", folder=tmp_path).path)
    assert all("Ebert" not in str(r) and "erna" not in str(r) for r in rows)
    assert customers.find(shop, "ebert") == []
    assert customers.find(shop, "erna@example.com") == []
    assert customers.find(shop, "5555") == []
    assert date(2026, 3, 1) == shop.today()


ANNA = [
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
BREVO = (
    "EMAIL FIRSTNAME LASTNAME SALUTATION SMS BIRTHDAY LANGUAGE TIER POINTS POINTS_VALUE "
    "POINTS_EXPIRING POINTS_EXPIRE_ON EXT_ID CONSENT_AT CONSENT_METHOD CONSENT_TEXT_VERSION TAGS"
).split()
CSV_ROWS = {
    "mailchimp": [
        "Email Address,First Name,Last Name,Salutation,Phone Number,Birthday,Language,Tier,"
        "Points,Points Value,Points Expiring,Points Expire On,Customer ID,Consent At,"
        "Consent Method,Consent Text Version,Tags",
        "Anna@example.com,Anna,Müller,Frau,+4915111111111,03/05,de,Silver,700,35.00,100,"
        "2026-03-11,1,2026-01-10T09:00:00+00:00,paper_signed,1,Silver",
    ],
    "cleverreach": [
        "email,firstname,lastname,salutation,birthday,phone,language,tier,points,points_value,"
        "points_expiring,points_expire_on,customer_id,consent_at,consent_method,"
        "consent_text_version,tags",
        "Anna@example.com,Anna,Müller,Frau,1980-03-05,+4915111111111,de,Silver,700,35.00,100,"
        "2026-03-11,1,2026-01-10T09:00:00+00:00,paper_signed,1,Silver",
    ],
    "rapidmail": [
        "email,firstname,lastname,gender,birthdate,extra1,extra2,extra3,extra4,extra5,extra6",
        "Anna@example.com,Anna,Müller,female,1980-03-05,Silver,700,35.00,100,2026-03-11,1",
    ],
}


def test_each_preset_header_and_row_exactly(shop, shop_people, tmp_path):
    for preset, header in [("generic", None), ("brevo", BREVO)]:
        result = newsletter.export(shop, "email", preset=preset, folder=tmp_path)
        assert result.path.name == f"newsletter-email-all-{preset}-2026-03-01.xlsx"
        rows, sheet = read(result.path)
        assert rows[0] == (header or newsletter.GENERIC)
        assert rows[1] == ANNA
    for preset, expected in CSV_ROWS.items():
        result = newsletter.export(shop, "email", preset=preset, folder=tmp_path)
        assert result.path.name == f"newsletter-email-all-{preset}-2026-03-01.csv"
        raw = result.path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")  # an upload file: UTF-8 without BOM
        assert raw.decode("utf-8").splitlines()[:2] == expected, preset
    # three tools on one day: three names that say which tool each file is for
    assert sorted(p.name for p in tmp_path.glob("newsletter-*")) == [
        "newsletter-email-all-brevo-2026-03-01.xlsx",
        "newsletter-email-all-cleverreach-2026-03-01.csv",
        "newsletter-email-all-generic-2026-03-01.xlsx",
        "newsletter-email-all-mailchimp-2026-03-01.csv",
        "newsletter-email-all-rapidmail-2026-03-01.csv",
    ]


def test_cleverreach_and_rapidmail_as_xlsx_keep_their_columns(shop, shop_people, tmp_path):
    rows, sheet = read(
        newsletter.export(
            shop, "email", preset="rapidmail", file_format="xlsx", folder=tmp_path
        ).path
    )
    assert rows[0] == CSV_ROWS["rapidmail"][0].split(",")
    assert rows[1] == ["Anna@example.com", "Anna", "Müller", "female", datetime(1980, 3, 5)] + [
        "Silver",
        700,
        35,
        100,
        datetime(2026, 3, 11),
        1,
    ]
    assert (
        sheet.cell(2, 5).number_format == "yyyy-mm-dd" and sheet.cell(2, 8).number_format == "0.00"
    )
    rows, _ = read(
        newsletter.export(
            shop, "sms", preset="cleverreach", file_format="xlsx", folder=tmp_path
        ).path
    )
    assert [r[:6] for r in rows[1:]] == [
        [None, "Anna", "Müller", "Frau", datetime(1980, 3, 5), "+4915111111111"],
        [None, "Carla", "Conti", None, None, "+4915133333333"],
    ]


def test_csv_for_excel_has_a_bom_semicolons_a_decimal_comma_and_phones_as_dialled(
    shop, shop_people, tmp_path
):
    result = newsletter.export(
        shop, "email", preset="brevo", file_format="csv-excel", folder=tmp_path
    )
    assert result.path.name == "newsletter-email-all-brevo-excel-2026-03-01.csv"
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join(BREVO)
    assert lines[1] == (
        "Anna@example.com;Anna;Müller;Frau;01511 1111111;1980-03-05;de;Silver;700;35,00;100;"
        "2026-03-11;1;2026-01-10T09:00:00+00:00;paper_signed;1;Silver"
    )


@pytest.mark.parametrize(
    ("channel", "preset", "file_format", "message"),
    [
        ("email", "mailchimp", "xlsx", "Mailchimp imports CSV files only: use --format csv."),
        (
            "sms",
            "rapidmail",
            None,
            "rapidmail sends email only: export SMS contacts with another mailing tool.",
        ),
        (
            "email",
            "sendy",
            None,
            "The mailing tool must be one of generic, brevo, mailchimp, cleverreach, rapidmail.",
        ),
        ("email", "brevo", "ods", "The format must be one of xlsx, csv, csv-excel."),
    ],
)
def test_impossible_choices_are_refused_and_write_nothing(
    shop, shop_people, tmp_path, channel, preset, file_format, message
):
    with pytest.raises(InvalidInput) as caught:
        newsletter.export(
            shop, channel, preset=preset, file_format=file_format, folder=tmp_path / "out"
        )
    assert str(caught.value) == message
    assert not (tmp_path / "out").exists()
