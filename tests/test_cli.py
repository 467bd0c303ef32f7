"""The command line through its real entry point: a full story with --json checked field by
field, and every bad input exits 2 or 1 with a readable message and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from olga_loyalty.cli import main
from tests.conftest import dump_database, fresh_database


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    db = fresh_database(tmp_path, "cli.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")

    def call(*argv, now: str | None = None):
        if now:
            monkeypatch.setenv("OLGA_LOYALTY_NOW", now)
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    call.db = db
    return call


def add_anna(run):
    return run(
        "customer",
        "add",
        "--first-name",
        "Anna",
        "--last-name",
        "Müller",
        "--phone",
        "0151 12345678",
        "--consent-data",
    )


def as_json(result):
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def dump(db) -> list:
    return dump_database(db)


def test_the_whole_story(run):
    anna = as_json(
        run(
            "customer",
            "add",
            "--first-name",
            "Anna",
            "--last-name",
            "Müller",
            "--phone",
            "0151 1234 5678",
            "--email",
            "anna@example.com",
            "--birthday",
            "1980-12-24",
            "--consent-data",
            "--consent-email",
            "--consent-method",
            "verbal",
            "--staff",
            "Olga",
            "--json",
        )
    )
    assert anna == {
        "id": 1,
        "first_name": "Anna",
        "last_name": "Müller",
        "phone": "+4915112345678",
        "email": "anna@example.com",
        "welcome_points": 100,
        "welcome_expires_on": "2026-03-11",
        "consents": ["data_processing", "email"],
    }

    found = as_json(run("find", "mueller", "--json"))
    assert [(f["id"], f["balance"], f["balance_value"], f["tier"]) for f in found] == [
        (1, 100, "5.00", "Base")
    ]

    bought = as_json(run("purchase", "+49 151 12345678", "123,45", "--json"))
    assert bought == {
        "purchase_id": 1,
        "customer_id": 1,
        "amount": "123.45",
        "redeemed_points": 0,
        "redeemed_value": "0.00",
        "paid": "123.45",
        "earned_points": 123,
        "earned_expires_on": "2027-01-10",
        "balance": 223,
        "balance_value": "11.15",
        "tier": "Base",
        "referral_awarded_to": None,
        "follow_up_id": None,
    }

    redeemed = as_json(
        run("purchase", "1", "80.00", "--redeem", "200", "--json", now="2026-02-01T11:00:00+01:00")
    )
    assert (
        redeemed["redeemed_points"],
        redeemed["redeemed_value"],
        redeemed["paid"],
        redeemed["earned_points"],
        redeemed["balance"],
    ) == (200, "10.00", "70.00", 70, 93)

    refund = as_json(run("refund", "2", "--json", now="2026-02-02T10:00:00+01:00"))
    assert refund == {
        "refund_id": 1,
        "purchase_id": 2,
        "customer_id": 1,
        "amount": "80.00",
        "paid_back": "70.00",
        "cash_refund": "70.00",
        "points_taken_back": 70,
        "points_restored": 200,
        "shortfall_points": 0,
        "shortfall_value": "0.00",
        "balance": 223,
        "referral_customer_id": None,
        "referral_taken_back": 0,
        "referral_shortfall": 0,
    }

    card = as_json(run("show", "1", "--json", now="2026-02-02T10:00:00+01:00"))
    assert (
        card["balance"],
        card["balance_value"],
        card["tier"],
        card["visits"],
        card["total_spent"],
    ) == (223, "11.15", "Base", 2, "123.45")
    # The 200 redeemed points came back as one lot with the latest date of the lots they
    # came from (the earn lot, 2027-01-10): nothing expires in the next 30 days.
    assert card["expiring"] == []
    assert card["consents"] == {"data_processing": True, "email": True, "sms": False}

    # 2027-01-11: the purchase points (through 2027-01-10) are gone.
    late = "2027-01-11T09:00:00+01:00"
    assert as_json(run("show", "1", "--json", now=late))["balance"] == 0
    daily = as_json(run("daily", "--json", now=late))
    # ... and the birthday of 24 December lies 18 days back: within the 30-day window.
    assert daily == {
        "day": "2027-01-11",
        "expired_lots": 2,
        "expired_points": 223,
        "birthday_bonuses": 1,
        "completed": [],  # no interrupted import was finished first
        "reminders": {
            "configured": False,
            "queued": 0,
            "automatic": False,
            "sent": 0,
            "failed": 0,
            "pending": 0,
            "error": None,
        },
    }
    again = as_json(run("daily", "--json", now=late))
    assert (again["expired_lots"], again["expired_points"], again["birthday_bonuses"]) == (0, 0, 0)
    card = as_json(run("show", "1", "--json", now=late))
    assert card["balance"] == 200
    assert [(h["kind"], h["points"]) for h in card["history"][:2]] == [
        ("birthday", 200),
        ("expire", -223),  # one row for the expiry, its two lots as its detail
    ]
    assert card["history"][1]["lots"] == [
        {"points": -23, "expires_on": "2027-01-10"},
        {"points": -200, "expires_on": "2027-01-10"},
    ]


def test_human_output_is_readable(run):
    run(
        "customer",
        "add",
        "--first-name",
        "Anna",
        "--last-name",
        "Müller",
        "--phone",
        "0151 1234 5678",
        "--consent-data",
    )
    code, out, _ = run("purchase", "1", "50")
    assert code == 0
    assert out.splitlines() == [
        "Purchase #1: €50.00",
        "To pay: €50.00",
        "Earned 50 points (Base); balance now 150 points.",
    ]
    code, out, _ = run("show", "1", "--lang", "en")
    assert code == 2  # --lang is global: before the command


def test_counts_read_as_words_in_both_languages(run):
    add_anna(run)  # 100 welcome points
    assert run("adjust", "1", "1", "--reason", "typo") == (
        0,
        "Adjusted by +1 point; balance now 101 points.\n",
        "",
    )
    assert run("--lang", "de", "adjust", "1", "-100", "--reason", "Tippfehler") == (
        0,
        "Um -100 Punkte korrigiert; Stand jetzt 1 Punkt.\n",
        "",
    )
    code, out, _ = run("--lang", "de", "show", "1")
    assert "Punktestand: 1 Punkt = 0,05\xa0€" in out.splitlines()
    assert run("adjust", "1", "-2", "--reason", "x")[2] == (
        "error: Cannot take 2 points: the balance is 1.\n"
    )
    assert run("adjust", "1", "-1", "--reason", "x")[1] == (
        "Adjusted by -1 point; balance now 0 points.\n"
    )


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            [
                "customer",
                "add",
                "--first-name",
                "X",
                "--last-name",
                "Y",
                "--phone",
                "12",
                "--consent-data",
            ],
            2,
            "error: The phone number 12 is too short",
        ),
        (
            [
                "customer",
                "add",
                "--first-name",
                "X",
                "--last-name",
                "Y",
                "--phone",
                "0151 12345678",
                "--consent-data",
            ],
            2,
            "error: The phone number 01511 2345678 is already registered to Anna Müller (#1).",
        ),
        (
            [
                "customer",
                "add",
                "--first-name",
                "X",
                "--last-name",
                "Y",
                "--phone",
                "0151 99999999",
            ],
            2,
            "error: Registration needs the customer's consent",
        ),
        (
            [
                "customer",
                "add",
                "--first-name",
                " ",
                "--last-name",
                "Y",
                "--phone",
                "0151 99999999",
                "--consent-data",
            ],
            2,
            "error: Please enter the first name.",
        ),
        (["purchase", "1", "abc"], 2, "error: 'abc' is not an amount of money."),
        (["purchase", "1", "-5"], 2, "error: The amount cannot be negative."),
        (["purchase", "1", "1e9"], 2, "error: '1e9' is not an amount of money."),
        (["purchase", "1", "10000000"], 2, "error: The amount 10000000 is larger than"),
        (["purchase", "1", "12.5055"], 2, "error: An amount has at most two decimal places"),
        (["purchase", "1", "2.500"], 2, "error: '2.500' is unclear: a thousands separator"),
        (["purchase", "42", "10"], 1, "error: No customer found for '42'."),
        (["purchase", "Anna", "10"], 2, "error: 'Anna' is neither a customer number"),
        (
            ["purchase", "1", "100", "--redeem", "101"],
            1,
            "error: Not enough points: 101 asked, the balance is 100.",
        ),
        (
            ["purchase", "1", "100", "--redeem", "x"],
            2,
            "error: 'x' is not a whole number of points.",
        ),
        (
            ["purchase", "1", "5", "--redeem", "100"],
            1,
            "error: At most 50 points can be redeemed on this purchase (50 % of the amount).",
        ),
        (["refund", "99"], 1, "error: There is no purchase #99."),
        (["refund", "abc"], 2, "error: 'abc' is not a purchase number."),
        (["adjust", "1", "50", "--reason", ""], 2, "error: An adjustment needs a reason."),
        (["adjust", "1", "-500", "--reason", "x"], 1, "error: Cannot take 500 points"),
        (["adjust", "1", "0", "--reason", "x"], 2, "error: The number of points cannot be zero."),
        (
            ["consent", "withdraw", "1", "sms"],
            1,
            "error: There is no active consent (SMS / messenger)",
        ),
        (["consent", "withdraw", "1", "data_processing"], 1, "error: Withdrawing consent to data"),
        (["consent", "give", "1", "fax"], 2, "error: argument purpose: invalid choice"),
        (["erase", "1"], 2, "error: Erasure cannot be undone: add --yes to confirm."),
        (["show"], 2, "error: the following arguments are required"),
        (["frobnicate"], 2, "error: argument COMMAND: invalid choice"),
        (["settings", "set", "point_value", "-1"], 2, "error: The amount cannot be negative."),
        (["demo", "--customers", "0"], 2, "error: customers must be between 1 and 1,000,000."),
    ],
)
def test_bad_input_exits_with_a_message_and_writes_nothing(run, argv, code, message):
    add_anna(run)
    before = dump(run.db)
    result, out, err = run(*argv)
    assert result == code
    assert err.startswith(message), err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert dump(run.db) == before


def test_bad_clock_and_unreadable_database(run, tmp_path, monkeypatch):
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "yesterday")
    code, _, err = run("find", "x")
    assert (code, err.strip()) == (
        2,
        "error: OLGA_LOYALTY_NOW must be an ISO date or datetime like 2026-01-10 or "
        "2026-01-10T15:30, not 'yesterday'.",
    )
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    code, _, err = run("--db", str(junk), "find", "x")
    assert code == 1
    assert "not an Olga Loyalty database or is damaged" in err
    code, _, err = run(
        "--db", str(tmp_path / "missing" / "x.db"), "settings", "set", "currency", "EUR"
    )
    assert (code, err.strip()) == (
        1,
        f"error: The folder {tmp_path / 'missing'} for the database does not exist.",
    )
    code, _, err = run("--db", str(tmp_path / "missing" / "x.db"), "daily")
    assert (code, err.split(";")[0]) == (
        1,
        f"error: no database at {tmp_path / 'missing' / 'x.db'}",
    )
    assert not (tmp_path / "missing").exists()
    code, _, err = run("--db", str(tmp_path / "missing" / "x.db"), "find", "x")
    assert (code, err.strip()) == (
        1,
        f"error: no database at {tmp_path / 'missing' / 'x.db'}; nothing was created. Check "
        "--db or OLGA_LOYALTY_DB ('olga-loyalty paths' shows where the data is).",
    )
    assert not (tmp_path / "missing").exists()


def test_console_script_runs_in_a_fresh_process(tmp_path):
    env = {
        "OLGA_LOYALTY_DB": str(tmp_path / "p.db"),
        "OLGA_LOYALTY_NOW": "2026-01-10",
        "OLGA_LOYALTY_LANG": "en",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "olga_loyalty", "purchase", "1", "x"],
        env=env,
        capture_output=True,
        text=True,
    )
    # a purchase cannot start a shop: no database is made for it
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"error: no database at {tmp_path / 'p.db'}; nothing was created."
    )
    assert not (tmp_path / "p.db").exists()


from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "12,50",
            "1e9",
            "-0",
            "NaN",
            "0x10",
            "'; DROP TABLE customer;--",
            "\x00",
            "+49 151 12345678",
            "#1",
            "9" * 400,
            "１２",
            "12.50.1",
        ]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["find", "show", "purchase", "refund", "adjust", "consent"]),
    first=_text,
    second=_text,
)
@example(command="refund", first="", second="-\n")  # argparse echoed the newline (found by CI)
def test_no_input_gives_a_traceback(run, command, first, second):
    add_anna(run)  # the first example registers her; later ones fail
    argv = {
        "find": ["find", first],
        "show": ["show", first],
        "purchase": ["purchase", first, second],
        "refund": ["refund", first, second],
        "adjust": ["adjust", first, second, "--reason", first],
        "consent": ["consent", "give", first, second],
    }[command]
    code, _, err = run(*argv)
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    assert code == 0 or (err.startswith("error: ") and err.count("\n") == 1)


def test_export_and_import_commands(run, tmp_path, monkeypatch, user_home):
    """Files go to the exports folder of the rule (here: installed, the user's documents) and
    every message names them with their absolute path; the working folder stays empty."""
    import openpyxl

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    exports = user_home / "Documents" / "Olga Loyalty"
    as_json(
        run(
            "customer",
            "add",
            "--first-name",
            "Anna",
            "--last-name",
            "Müller",
            "--phone",
            "0151 1234 5678",
            "--email",
            "anna@example.com",
            "--consent-data",
            "--consent-email",
            "--json",
        )
    )
    sheet = tmp_path / "liste.csv"
    sheet.write_bytes(
        "Vorname;Nachname;Handy;Geburtstag\r\nJörg;Weiß;0160 1111 2222;01.02.1970\r\n"
        "X;;12;\r\n".encode("cp1252")
    )
    dry = as_json(
        run(
            "import",
            "customers",
            str(sheet),
            "--dry-run",
            "--consented-on-paper",
            "3.11.25",
            "--json",
        )
    )
    assert (dry["good"], dry["imported"], dry["refused"], dry["consented_on_paper"]) == (
        1,
        0,
        [{"row": 3, "reason": "Please enter the last name."}],
        "2025-11-03",
    )
    done = as_json(
        run("import", "customers", str(sheet), "--consented-on-paper", "2025-11-03", "--json")
    )
    assert done["imported"] == 1
    assert as_json(run("find", "weiss", "--json"))[0]["phone"] == "+4916011112222"
    code, out, _ = run("export", "newsletter", "--channel", "email", "--preset", "brevo")
    assert code == 0
    path = exports / "newsletter-email-all-brevo-2026-01-10.xlsx"
    assert out.splitlines() == [
        f"Wrote 1 customer to {path}.",
        "Left out: no consent: 1.",
    ]
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("anna@example.com", "Anna", "Müller")
    assert (
        as_json(run("export", "customer", "1", "--json"))["path"]
        == f"{exports}/customer-1-data-2026-01-10.xlsx"
    )
    unsub = tmp_path / "unsub.csv"
    unsub.write_text("email\nanna@example.com\n", encoding="utf-8")
    assert as_json(run("import", "unsubscribes", str(unsub), "--json")) == {
        "file": "unsub.csv",
        "contacts": 1,
        "matched": 1,
        "unmatched": 0,
        "consents_withdrawn": 1,
        "completed": [],  # no interrupted import was finished first
    }
    code, _, err = run("import", "customers", str(tmp_path / "nope.xlsx"))
    assert (code, err.strip()) == (2, f"error: The file {tmp_path / 'nope.xlsx'} does not exist.")
    code, _, err = run("export", "newsletter", "--channel", "email", "--segment", "top:0")
    assert code == 2 and "top needs a whole number from 1 to 100, like top:20." in err
    # the example can be typed as it stands (it was `expiring:3.650` in German, refused itself)
    code, _, err = run("--lang", "de", "export", "newsletter", "--channel", "email",
                       "--segment", "expiring:0")  # fmt: skip
    assert (code, err) == (
        2,
        "error: Die Auswahl expiring braucht eine ganze Zahl von 1 bis 3.650, z. B. expiring:30.\n",
    )
    before = sorted(p.name for p in exports.iterdir())
    code, _, err = run(
        "export", "newsletter", "--channel", "email", "--preset", "mailchimp", "--format", "xlsx"
    )
    assert (code, err) == (2, "error: Mailchimp imports CSV files only: use --format csv.\n")
    code, out, _ = run("export", "newsletter", "--channel", "email", "--preset", "mailchimp")
    assert (code, out.splitlines()) == (
        0,
        [
            f"Wrote 0 customers to {exports / 'newsletter-email-all-mailchimp-2026-01-10.csv'}.",
            "Left out: no consent: 2.",
        ],
    )
    assert sorted(p.name for p in exports.iterdir()) == sorted(
        [*before, "newsletter-email-all-mailchimp-2026-01-10.csv"]
    )
    code, out, _ = run("export", "newsletter", "--channel", "email", "--out", "mine.csv")
    assert out.splitlines()[0] == f"Wrote 0 customers to {work / 'mine.csv'}."  # unsubscribed
    (work / "mine.csv").unlink()
    assert list(work.iterdir()) == []


def test_report_feedback_and_bonus_commands(run):
    add_anna(run)  # 2026-01-10: welcome 100
    bought = as_json(run("purchase", "1", "89,00", "--follow-up", "14", "--json"))
    assert bought["follow_up_id"] == 1
    code, out, _ = run("feedback", "due", now="2026-01-24T10:00:00+01:00")
    assert code == 0 and "#1" in out and "Call: Ask whether everything fits" in out
    assert run("feedback", "done", "1", "--outcome", "passt")[0] == 0
    assert run("feedback", "due")[1] == "No follow-up is due today.\n"
    code, out, _ = run("feedback", "add", "1", "--kind", "complaint", "--note", "Naht offen")
    assert (code, out) == (0, "Feedback #2 recorded.\n")
    code, out, _ = run("feedback", "apologise", "2", "--points", "150")
    assert out == "Apology bonus: 150 points for Anna Müller (complaint #2).\n"
    preview = as_json(run("bonus", "all", "50", "--reason", "Jubiläum", "--dry-run", "--json"))
    assert (preview["customers"], preview["total_points"], preview["written"]) == (1, 50, False)
    done = as_json(run("bonus", "all", "50", "--reason", "Jubiläum", "--json"))
    assert (done["customers"], done["total_value"], done["written"]) == (1, "2.50", True)
    report = as_json(run("report", "--months", "1", "--json"))
    assert (report["members"], report["purchases"], report["revenue"]) == (1, 1, "89.00")
    assert report["months"][0] == {
        "month": "2026-01",
        "members": 1,
        "new_members": 1,
        "purchases": 1,
        "buyers": 1,
        "revenue": "89.00",
        "points_issued": 100 + 89 + 150 + 50,  # welcome, earned, apology, bonus
        "points_redeemed": 0,
        "points_expired": 0,
        "points_taken_back": 0,
    }
    assert report["open_points"] == 389 and report["repeat_rate"] == "0.0000"
    code, _, err = run("bonus", "tier:Platin", "10", "--reason", "x")
    assert code == 2 and err.startswith("error: There is no tier 'Platin'.")
    code, _, err = run("report", "--months", "abc")
    assert code == 2 and err == "error: months must be a whole number from 1 to 120, not 'abc'.\n"
    # found by a tester: these went through the points parser and spoke of points
    for huge in ("10000001", "99999999999999999999"):
        code, _, err = run("report", "--months", huge)
        assert code == 2 and err == "error: months must be between 1 and 120.\n"
    code, _, err = run("report", "--months", "５")  # a full-width digit
    assert code == 2 and err == "error: months must be a whole number from 1 to 120, not '５'.\n"
    code, _, err = run("report", "--until", "2030-01")
    assert code == 2 and err == "error: The report cannot end in the future.\n"


def test_import_dry_run_names_the_encoding_and_separator(run, tmp_path):
    add_anna(run)  # a dry run only reads: the shop's database must exist
    sheet = tmp_path / "Kunden.txt"  # Excel: Save as → Unicode text
    sheet.write_bytes(
        "Vorname\tNachname\tHandy\tDSGVO\r\nŞirin\tDvořák\t0160 1111 2222\tja\r\n"
        "X\t\t12\tja\r\n".encode("utf-16")
    )
    code, out, err = run("import", "customers", str(sheet), "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "File: UTF-16 text, columns separated by tabs.",
        "Columns: Vorname → first_name, Nachname → last_name, Handy → phone, DSGVO → consent_data",
        "Row 3 refused: Please enter the last name.",
        "Dry run: 1 of 2 rows can be imported, 1 refused. Nothing was written.",
    ]
    code, out, _ = run("--lang", "de", "import", "customers", str(sheet), "--dry-run")
    assert out.splitlines()[0] == "Datei: Text in UTF-16, Spalten getrennt durch Tabulatoren."
    report = as_json(run("import", "customers", str(sheet), "--json"))
    assert (report["encoding"], report["separator"], report["imported"]) == ("UTF-16", "tab", 1)
    assert as_json(run("show", "2", "--json"))["last_name"] == "Dvořák"


def test_the_import_shows_its_progress_only_on_a_terminal(run, tmp_path):
    """Before: `2/2` (and `2000/40000…` on a big file, without line breaks) in the output of
    an import whose output went to a file or a pipe."""
    sheet = tmp_path / "kunden.csv"
    sheet.write_text(
        "Vorname;Nachname;Handy;DSGVO\nAnna;Alt;0160 1111 2222;ja\nBerta;Bau;0160 1111 3333;ja\n"
    )
    code, out, err = run("import", "customers", str(sheet))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "Imported 2 of 2 rows; 0 refused."
    assert "/" not in out
    unsubscribes = tmp_path / "abmeldungen.csv"
    unsubscribes.write_text("Kontakt\n+49 160 11112222\n")
    code, out, err = run("import", "unsubscribes", str(unsubscribes))
    assert (code, err) == (0, "")
    assert "/" not in out


def test_consent_form_command_and_the_shop_address(run, user_home):
    from pypdf import PdfReader

    exports = user_home / "Documents" / "Olga Loyalty"
    add_anna(run)
    assert run("settings", "set", "shop.address", "Hauptstraße 1, 12345 Berlin")[0] == 0
    code, _, err = run("--lang", "en", "settings", "set", "shop.address", "Haupt\x07straße")
    assert (code, err) == (
        2,
        "error: The address contains characters that cannot be printed.\n",
    )
    settings = as_json(run("settings", "show", "--json"))
    assert settings["shop"]["address"] == "Hauptstraße 1, 12345 Berlin"
    assert as_json(run("export", "consent-form", "1", "--json")) == {
        "path": str(exports / "consent-form-1-2026-01-10.pdf")
    }
    code, out, _ = run("--lang", "en", "export", "consent-form")
    assert (code, out) == (
        0,
        f"Wrote the consent form to {exports / 'consent-form-blank-2026-01-10.pdf'}.\n",
    )
    text = PdfReader(exports / "consent-form-1-2026-01-10.pdf").pages[0].extract_text()
    assert "Hauptstraße 1, 12345 Berlin" in text and "Anna Müller" in text
    code, _, err = run("export", "consent-form", "99")
    assert code == 1 and err.startswith("error: ")
    assert sorted(p.name for p in exports.iterdir()) == [
        "consent-form-1-2026-01-10.pdf",
        "consent-form-blank-2026-01-10.pdf",
    ]


def test_import_without_proof_of_consent_refuses_every_row(run, tmp_path):
    """Issue 15: a list with a newsletter column and no data-consent column."""
    add_anna(run)
    sheet = tmp_path / "kunden.csv"
    sheet.write_text(
        "Name;Handy;E-Mail;Newsletter\nBerta Bach;0160 1111 2222;berta@example.com;ja\n"
        "Carla Chor;0160 3333 4444;;ja\n",
        encoding="utf-8",
    )
    code, out, err = run("import", "customers", str(sheet), "--dry-run")
    assert (code, err) == (1, "error: Nothing can be imported: every row would be refused.\n")
    assert out.splitlines()[2:] == [
        "Row 2 refused: No proof of consent to data processing: the file has no consent column "
        "and no day of consent on paper was given.",
        "Row 3 refused: No proof of consent to data processing: the file has no consent column "
        "and no day of consent on paper was given.",
        "2 rows lack proof of consent to data processing: map the file's consent column "
        "(--map COLUMN=consent_data), or give --consented-on-paper YYYY-MM-DD if every "
        "customer in it signed the consent form on paper.",
        "Dry run: 0 of 2 rows can be imported, 2 refused. Nothing was written.",
    ]
    code, out, _ = run("--lang", "de", "import", "customers", str(sheet), "--dry-run")
    assert "2 Zeilen fehlt der Nachweis der Einwilligung in die Datenverarbeitung" in out
    code, out, err = run("import", "customers", str(sheet))
    assert code == 1 and out.splitlines()[-1] == "Imported 0 of 2 rows; 2 refused."
    assert err == "error: Nothing was imported: every row was refused.\n"
    assert run("find", "bach", "--json") == (1, "[]\n", "")  # nobody: exit 1, the list empty

    code, out, err = run("import", "customers", str(sheet), "--consented-on-paper", "1.12.25")
    assert code == 0 and "error" not in err  # the progress goes to stderr
    assert out.splitlines()[2:] == [
        "Row 3: No email address: imported without email consent.",
        "Imported 2 of 2 rows; 0 refused.",
    ]
    berta = as_json(run("show", "0160 1111 2222", "--json"))
    assert berta["consents"] == {"data_processing": True, "email": True, "sms": False}
    assert berta["consent_details"]["data_processing"]["given_at"].startswith("2025-12-01T00:00")
    assert berta["consent_details"]["data_processing"]["method"] == "paper_signed"
    carla = as_json(run("show", "0160 3333 4444", "--json"))
    assert carla["consents"] == {"data_processing": True, "email": False, "sms": False}

    for future in ("2026-02-01", "1.2.26"):  # a short year is this century's, never 1926
        code, _, err = run("import", "customers", str(sheet), "--consented-on-paper", future)
        assert (code, err) == (
            2,
            "error: The day the consent forms were signed cannot be in the future.\n",
        )


def test_find_without_a_result_exits_1_and_json_still_prints_a_list(run):
    add_anna(run)
    assert run("find", "xyzzy") == (1, "", "error: No customer matches 'xyzzy'.\n")
    assert run("find", "xyzzy", "--json") == (1, "[]\n", "")
    code, out, _ = run("find", "mueller")
    assert code == 0 and out.startswith("#1 ")
    assert [h["match"] for h in as_json(run("find", "0151 1234", "--json"))] == ["phone_start"]
    assert run("--lang", "de", "find", "xyzzy")[2] == "error: Keine Kundin passt zu 'xyzzy'.\n"


def test_the_customer_by_phone_without_quotes_by_number_or_by_phone_ending(run, tmp_path):
    add_anna(run)  # 0151 12345678, customer #1
    run("customer", "add", "--first-name", "Berta", "--last-name", "Bach", "--phone",
        "0160 1115678", "--consent-data")  # fmt: skip
    assert as_json(run("show", "0151", "1234", "5678", "--json"))["id"] == 1
    assert as_json(run("show", "+49", "151", "12345678", "--json"))["id"] == 1
    assert as_json(run("show", "2", "--json"))["last_name"] == "Bach"  # a number wins
    anna = as_json(run("show", "4567", "8", "--json"))  # the end of one phone: all of her
    assert (anna["id"], anna["phone"], anna["balance"]) == (1, "+4915112345678", 100)
    assert run("show", "45678")[1].splitlines()[1].startswith("Phone: 01511 2345678 ")
    assert as_json(run("show", "15678", "--json"))["id"] == 2
    code, _, err = run("show", "5678")
    assert code == 1 and err.startswith(
        "error: '5678' is the end of several customers' phone numbers (#1 Anna Müller, "
        "#2 Berta Bach); please type the customer number or the whole phone number."
    )
    assert run("show", "9999")[:2] == (1, "")
    assert as_json(run("customer", "edit", "0160", "1115678", "--notes", "Gr. 40", "--json")) == {
        "changed": ["notes"]
    }
    before = dump(run.db)
    code, _, err = run("purchase", "0151", "1234", "5678", "12,50")  # two positionals: quoted
    assert code == 2 and err.startswith("error: unrecognized arguments: 5678 12,50")
    assert dump(run.db) == before
    assert as_json(run("export", "customer", "0160", "111", "5678", "--json"))["path"].endswith(
        "customer-2-data-2026-01-10.xlsx"
    )


def test_short_dates_and_phones_that_are_too_short_or_too_long(run):
    name = ["customer", "add", "--first-name", "Eva", "--last-name", "Eck", "--consent-data"]
    eva = as_json(run(*name, "--phone", "0151 11122233", "--birthday", "3.4.85", "--json"))
    assert as_json(run("show", str(eva["id"]), "--json"))["birthday"] == "1985-04-03"
    assert run(*name, "--phone", "0151 123") == (
        2,
        "",
        "error: The phone number 0151 123 is too short: digits are missing.\n",
    )
    assert run("--lang", "de", *name, "--phone", "0151 123456789")[2] == (
        "error: Die Telefonnummer 0151 123456789 ist zu lang: sie hat zu viele Ziffern.\n"
    )


def test_consent_rules_on_the_command_line(run):
    name = ["customer", "add", "--first-name", "Eva", "--last-name", "Eck", "--consent-data"]
    add_anna(run)
    before = dump(run.db)
    assert run(*name, "--phone", "0151 11122233", "--consent-email") == (
        2,
        "",
        "error: Consent to newsletters by email needs an email address: please enter one.\n",
    )
    assert run(*name, "--phone", "030 1234567", "--consent-sms")[:2] == (2, "")
    assert dump(run.db) == before
    assert run(*name, "--phone", "030 1234567")[0] == 0
    assert run("consent", "give", "2", "sms") == (
        1,
        "",
        "error: Consent to offers by SMS needs a mobile number; 030 1234567 is not one.\n",
    )
    assert run("--lang", "de", "consent", "give", "2", "email")[:2] == (1, "")


def test_numbers_and_money_in_messages_are_written_the_languages_way(run):
    add_anna(run)
    assert run("--lang", "de", "purchase", "1", "200000") == (
        2,
        "",
        "error: Der Betrag 200000 ist größer als erlaubt (100.000,00\xa0€).\n",
    )
    assert run("purchase", "1", "200000")[2] == (
        "error: The amount 200000 is larger than the most allowed (€100,000.00).\n"
    )
    assert run("purchase", "1", "89,90")[0] == 0
    assert run("--lang", "de", "refund", "1", "100")[2] == (
        "error: Von diesem Einkauf können nur noch 89,90\xa0€ erstattet werden.\n"
    )
    assert run("--lang", "de", "purchase", "1", "10", "--redeem", "1000")[2] == (
        "error: Nicht genug Punkte: 1.000 gewünscht, der Punktestand ist 189.\n"
    )


def test_show_names_codes_in_words_and_json_keeps_the_codes(run):
    add_anna(run)
    run("consent", "give", "1", "email", "--method", "verbal")
    run("purchase", "1", "12,50")
    code, out, _ = run("--lang", "de", "show", "1")
    assert code == 0
    lines = out.splitlines()
    consents = lines[lines.index("Einwilligungen:") + 1 : lines.index("Einwilligungen:") + 4]
    assert consents == [
        "  Datenverarbeitung:  ja, seit 10.01.2026 (Auf Papier unterschrieben)",
        "  E-Mail-Newsletter:  nein",
        "  SMS / Messenger:    nein",
    ]
    history = "\n".join(lines[lines.index("Verlauf:") :])
    for word in ("Einkauf", "Punkte gesammelt", "Willkommensbonus"):
        assert word in history
    for code_name in ("earn", "welcome", "refund_money", "data_processing", "paper_signed"):
        assert code_name not in out
    card = as_json(run("show", "1", "--json"))
    assert card["consent_details"]["data_processing"]["method"] == "paper_signed"
    assert {h["kind"] for h in card["history"]} == {"purchase", "earn", "welcome"}


def test_argparse_speaks_the_language_and_keeps_the_error_prefix(run):
    assert run("show") == (
        2,
        "",
        "error: the following arguments are required: PHONE_OR_ID (see 'olga-loyalty show "
        "--help')\n",
    )
    assert run("--lang", "de", "show") == (
        2,
        "",
        "error: diese Angaben fehlen: PHONE_OR_ID (siehe 'olga-loyalty show --help')\n",
    )
    assert run("--lang=de", "consent", "give", "1", "fax")[2] == (
        "error: Angabe purpose: ungültige Wahl: 'fax' (möglich: 'data_processing', 'email', "
        "'sms') (siehe 'olga-loyalty consent --help')\n"
    )
    code, out, _ = run("--lang", "de", "find", "--help")
    assert code == 0
    assert out.splitlines()[0] == "Aufruf: olga-loyalty find [-h] [--json] QUERY"
    assert "Optionen:" in out and "diese Hilfe zeigen und beenden" in out
    code, out, _ = run("--lang", "de", "--help")
    words = " ".join(out.split())  # as argparse wraps it
    assert "Olga Loyalty: Kundinnen, Einwilligungen und Bonuspunkte" in words
    assert "Kundinnen nach Telefonnummer, deren Anfang oder Ende, Name oder E-Mail suchen" in words
    assert "find customers" not in words


def test_a_new_consent_text_names_its_purpose_in_words(run):
    code, out, _ = run("settings", "consent-text", "email", "Ich möchte den Newsletter.")
    assert (code, out) == (0, "Consent text Email newsletter is now version 2.\n")
    code, out, _ = run("--lang", "de", "settings", "consent-text", "sms", "Ich möchte SMS.")
    assert (code, out) == (0, "Einwilligungstext SMS / Messenger ist jetzt Version 2.\n")


def test_the_filled_in_consent_form_is_a_protected_export(run, user_home):
    """Found by the adversarial test: the form filled in with her data needed no PIN and left
    no audit entry, while `export customer` did. The blank form stays free."""
    exports = user_home / "Documents" / "Olga Loyalty"
    add_anna(run)
    assert run("settings", "pin", "246810")[0] == 0
    code, out, err = run("export", "consent-form", "1")
    assert (code, out) == (2, "")
    assert err == "error: This needs the owner PIN.\n"
    assert not exports.exists() or not list(exports.iterdir())
    assert run("export", "consent-form")[0] == 0  # blank: no PIN
    assert run("--pin", "246810", "export", "consent-form", "1")[0] == 0
    assert sorted(p.name for p in exports.iterdir()) == [
        "consent-form-1-2026-01-10.pdf",
        "consent-form-blank-2026-01-10.pdf",
    ]
    log = as_json(run("settings", "audit", "--json"))
    exported = [(e["action"], e["detail"]) for e in log if e["action"] == "export"]
    assert exported == [("export", "consent form, customer #1")]


def test_customer_edit_names_the_changed_fields_in_words(run):
    """Found on re-running issue 15: `customer edit` said 'Geändert: birthday.'"""
    add_anna(run)
    assert run("--lang", "de", "customer", "edit", "1", "--birthday", "3.4.85") == (
        0,
        "Geändert: Geburtstag.\n",
        "",
    )
    code, out, _ = run("customer", "edit", "1", "--last-name", "Maier", "--notes", "Gr. 38")
    assert (code, out) == (0, "Changed: Last name, Notes.\n")
    assert as_json(run("customer", "edit", "1", "--notes", "Gr. 40", "--json")) == {
        "changed": ["notes"]
    }


def test_a_consent_s_method_is_said_with_the_record_it_makes(run):
    """A tester: `customer add --consent-email` recorded "signed on paper" without a word of
    it, in the output or the help; a consent record is the shop's proof (SPEC §4)."""
    code, out, _ = run(
        "customer", "add", "--first-name", "Gina", "--last-name", "Neu",
        "--phone", "0151 1111 0007", "--email", "gina@example.de",
        "--consent-data", "--consent-email",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[:2] == [
        "Registered Gina Neu as customer #1 (01511 1110007).",
        "Consents recorded (Signed on paper): Data processing, Email newsletter.",
    ]
    code, out, _ = run("--lang", "de", "consent", "give", "1", "sms", "--method", "verbal")
    assert (code, out) == (
        0,
        "Einwilligung „SMS / Messenger“ erfasst (Mündlich an der Kasse, Textversion 1).\n",
    )
    _, out, _ = run("customer", "add", "--help")
    assert "(default: paper_signed, she signed the paper form;" in " ".join(out.split())


def test_settings_set_confirms_the_shop_name_as_saved(run):
    """A tester: a line break in the name was echoed on two lines (`name set to Boutique` /
    `Bcc: …`), though the name is kept on one line."""
    code, out, _ = run("settings", "set", "name", "Boutique\nBcc: \tevil@example.com")
    assert (code, out) == (0, "name set to Boutique Bcc: evil@example.com.\n")
    code, out, _ = run("--lang", "en", "settings", "set", "region", " at ")
    assert (code, out) == (0, "region set to AT.\n")


def test_the_text_report_s_months_add_up_to_the_open_points(run):
    """A tester: issued less redeemed and expired did not give the open points, because the
    printed table had no column for the points a refund took back (the screen and --json
    have it); and a German label ran into its value."""
    add_anna(run)  # welcome 100
    run("purchase", "1", "100,00")  # earns 100
    run("refund", "1")  # takes those 100 back
    code, out, _ = run("--lang", "de", "report", "--months", "1")
    lines = out.replace("\xa0", " ").splitlines()
    assert code == 0
    assert "  Offene Punkte                 100 Punkte = 5,00 €" in lines
    assert "  Umsatzanteil der besten 20 %  0,0 %" in lines
    assert "  Besuche pro Käuferin          1,0" in lines
    assert lines[-2:] == [
        "  Monat    Mitglieder    Neu Besuche          Umsatz  Vergeben Eingelöst Verfallen"
        " Zurückgenommen",
        "  2026-01           1      1       1          0,00 €       200         0         0"
        "            100",
    ]


def test_the_audit_log_names_every_action_in_the_language(run, monkeypatch):
    """A tester: `settings audit` in German showed `pin-locked` and `backup` as codes beside
    the translated names of the protected actions (and the screen showed only codes)."""
    from olga_loyalty.services import safety

    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    add_anna(run)
    assert run("settings", "pin", "246810")[0] == 0
    for _ in range(safety.PIN_TRIES):
        assert run("--pin", "111111", "adjust", "1", "5", "--reason", "x")[0] != 0
    code, out, _ = run("--lang", "de", "settings", "audit", now="2026-01-10T11:00:00+01:00")
    assert code == 0
    rows = [
        [part.strip() for part in line.split("  ") if part.strip()] for line in out.splitlines()
    ]
    assert ["Nach falschen PINs gesperrt", "adjust"] in [row[-2:] for row in rows]


def test_a_locked_pin_is_said_before_the_prompt(run, monkeypatch):
    """A tester: after three wrong PINs the terminal still asked `Owner PIN:`, and said the
    actions were locked only after the PIN was typed."""
    import getpass
    import sys

    from olga_loyalty.services import safety

    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    add_anna(run)
    assert run("settings", "pin", "246810")[0] == 0
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "111111")
    for left in ("2 tries left", "1 try left", "locked for a minute"):
        code, _, err = run("adjust", "1", "5", "--reason", "x")
        assert code == 1 and left in err
    assert asked == ["Owner PIN: "] * 3
    code, _, err = run("adjust", "1", "5", "--reason", "x")
    assert (code, asked) == (1, ["Owner PIN: "] * 3)  # not asked a fourth time
    assert err.startswith("error: Too many wrong PINs: protected actions are locked until ")
    later = safety.real_time() + safety.PIN_LOCK_SECONDS  # the lock is a minute of real time
    monkeypatch.setattr(safety, "real_time", lambda: later)
    run("adjust", "1", "5", "--reason", "x")
    assert len(asked) == 4  # a minute later it asks again
