"""Hostile and broken input: random text for every command and validator, and broken
storage (read-only, full, not SQLite, missing folder) — always a message, never damage."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from olga_loyalty.cli import main
from olga_loyalty.domain import customers as rules
from olga_loyalty.domain.errors import InvalidInput, StorageError
from olga_loyalty.domain.money import parse_amount, parse_points
from olga_loyalty.domain.text import has_controls
from olga_loyalty.services import points
from olga_loyalty.storage.models import database
from tests.conftest import dump_database, fresh_database, register

NASTY = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "12,50",
            "1e9",
            "-0",
            "NaN",
            "Infinity",
            "0x1F",
            "١٢٣",
            "１２",
            "12.50.1",
            "9" * 500,
            "'; DROP TABLE customer;--",
            "\x00",
            "\r\n",
            "=cmd|' /C calc'!A0",
            "+49 151 12345678",
            "#1",
            "Müller",
            "a@b",
            "2026-02-30",
            "31.02.1990",
            "../../etc/passwd",
            "all",
            "top:101",
            "tier:",
        ]
    ),
)

COMMANDS = [
    lambda a, b: [
        "customer",
        "add",
        "--first-name",
        a,
        "--last-name",
        b,
        "--phone",
        a,
        "--consent-data",
    ],
    lambda a, b: [
        "customer",
        "add",
        "--first-name",
        "Eva",
        "--last-name",
        "X",
        "--phone",
        "0151 55500011",
        "--email",
        a,
        "--birthday",
        b,
        "--consent-data",
        "--referred-by",
        b,
    ],
    lambda a, b: ["customer", "edit", "1", "--phone", a, "--birthday", b],
    lambda a, b: ["customer", "edit", a, "--first-name", b],
    lambda a, b: ["find", a],
    lambda a, b: ["show", a],
    lambda a, b: ["consent", "give", a, "sms"],
    lambda a, b: ["purchase", "1", a, "--redeem", b],
    lambda a, b: ["purchase", a, b],
    lambda a, b: ["refund", a, b],
    lambda a, b: ["adjust", "1", a, "--reason", b],
    lambda a, b: ["erase", a],
    lambda a, b: ["export", "newsletter", "--channel", "email", "--segment", a],
    lambda a, b: ["import", "customers", a],
    lambda a, b: ["import", "unsubscribes", b],
    lambda a, b: ["settings", "set", a, b],
    lambda a, b: ["settings", "set", "tiers", a],
    lambda a, b: ["restore", a],
    lambda a, b: ["demo", "--customers", a],
    lambda a, b: ["settings", "set", "mail.sender", a],
    lambda a, b: ["settings", "set", "mail.port", a],
    lambda a, b: ["settings", "set", "reminders.birthday.body.de", a],
    lambda a, b: ["reminders", "retry", a],
    lambda a, b: ["reminders", "mark-sent", b],
]


def dump(path) -> list:
    """Every row but the audit log's (a refused command may be audited)."""
    return [
        item
        for item in dump_database(path)
        if "audit_log" not in (item if isinstance(item, str) else item[0])
    ]


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    db = fresh_database(tmp_path, "hostile.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.chdir(tmp_path)
    main(
        [
            "customer",
            "add",
            "--first-name",
            "Anna",
            "--last-name",
            "Müller",
            "--phone",
            "0151 12345678",
            "--consent-data",
        ]
    )
    return db


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, len(COMMANDS) - 1), first=NASTY, second=NASTY)
def test_every_command_with_hostile_input(cli_db, capsys, which, first, second):
    argv = COMMANDS[which](first, second)
    if argv[0] == "demo" and first.strip().isdigit():
        return  # a valid count would really fill the database
    before = dump(cli_db)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err and "Traceback" not in out
    if code:
        assert err.startswith("error: ") and err.count("\n") == 1
        assert dump(cli_db) == before, argv


@settings(max_examples=300, deadline=None)
@given(text=NASTY)
def test_every_validator_answers_in_words(text):
    today = date(2026, 1, 10)
    checks = [
        lambda: parse_amount(text),
        lambda: parse_points(text, allow_negative=True),
        lambda: rules.normalize_phone(text, "DE"),
        lambda: rules.normalize_email(text),
        lambda: rules.normalize_salutation(text),
        lambda: rules.parse_birthday(text, today),
        lambda: rules.clean_notes(text),
        lambda: rules.clean_name(text, field="first_name", label="first name"),
        lambda: rules.validate_customer_all(
            rules.CustomerInput(text, text, text, text, text, text, text), region="DE", today=today
        ),
    ]
    for check in checks:
        try:
            check()
        except InvalidInput as error:
            message = str(error)
            assert message and not has_controls(message)


@pytest.mark.sqlite_only
def test_a_full_disk_gives_a_message_and_no_damage(shop, db_path):
    anna = register(shop, phone="0151 1234 5678")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = dump(db_path)
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")  # no room for one more page
    with pytest.raises(StorageError, match="the disk is full"):
        for _ in range(200):
            points.record_purchase(shop, anna.id, "10.00", staff="x" * 80)
    database.execute_sql("PRAGMA max_page_count = 1073741823")
    after = dump(db_path)
    assert [line for line in after if line not in before] == [] or len(after) >= len(before)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def run_cli(args, env):
    return subprocess.run(
        [sys.executable, "-m", "olga_loyalty", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=env["HOME"],
    )


@pytest.mark.sqlite_only
def test_broken_storage_gives_messages(tmp_path):
    root = str(Path(__file__).resolve().parents[2])
    env = {
        "PYTHONPATH": root,
        "OLGA_LOYALTY_NOW": "2026-01-10",
        "OLGA_LOYALTY_LANG": "en",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    done = run_cli(["--db", str(junk), "show", "1"], env)
    assert done.returncode == 1
    assert "not an Olga Loyalty database or is damaged" in done.stderr
    nowhere = tmp_path / "nowhere" / "x.db"
    done = run_cli(["--db", str(nowhere), "settings", "set", "point_value", "0.05"], env)
    assert (
        done.stderr
        == f"error: The folder {tmp_path / 'nowhere'} for the database does not exist.\n"
    )
    done = run_cli(["--db", str(nowhere), "daily"], env)  # cannot start a shop
    assert done.stderr.startswith(f"error: no database at {nowhere}; nothing was created.")


@pytest.mark.sqlite_only
def test_a_read_only_database_gives_a_message_and_no_damage(shop, db_path):
    """Root ignores file modes (CI runs as root), so the read-only file is simulated the way
    SQLite sees one: every write fails with "attempt to write a readonly database"."""
    anna = register(shop, phone="0151 1234 5678")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = dump(db_path)
    database.execute_sql("PRAGMA query_only = 1")
    with pytest.raises(StorageError) as caught:
        points.record_purchase(shop, anna.id, "10.00")
    assert str(caught.value) == "The database could not be written: the file is read-only"
    database.execute_sql("PRAGMA query_only = 0")
    assert dump(db_path) == before
