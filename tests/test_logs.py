"""The log for whoever helps the shop (olga_loyalty/logs.py): one line per business action with
ids and amounts only, the traceback of an unexpected error, ~1 MB × 5 files, and never a name,
phone, email, birthday or note."""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from olga_loyalty import logs
from olga_loyalty.cli import main


@pytest.fixture
def cli(user_home, monkeypatch, capsys, tmp_path):
    """The command line as installed, in an empty home: its log is in the user log folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")

    def call(*argv, now: str | None = None):
        if now:
            monkeypatch.setenv("OLGA_LOYALTY_NOW", now)
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, (argv, err)
        return out

    call.log_folder = user_home / ".local/state/olga-loyalty/log"
    call.work = work
    return call


def log_lines(folder: Path) -> list[str]:
    """Every line of every log file, without the time and process."""
    lines = []
    for path in sorted(folder.glob("olga-loyalty.log*")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.fullmatch(r"\S+ \S+ (\w+) \[\d+\] (.*)", line)
            lines.append(f"{match.group(1)} {match.group(2)}" if match else line)
    return lines


PERSONAL = [
    "Anna",
    "Müller",
    "Mueller",
    "muller",
    "Weiß",
    "Jörg",
    "anna@example.com",
    "example",
    "+4915112345678",
    "15112345678",
    "1234 5678",
    "5678",
    "1980-12-24",
    "24.12.1980",
    "1224",
    "Size 38",
    "Naht offen",
    "Mantel",
    "double booking",
    "Olga",
    "Eva",
]


def test_a_full_story_leaves_no_personal_data_in_the_log(cli):
    sheet = cli.work.parent / "kunden.csv"
    sheet.write_bytes(
        "Vorname;Nachname;Handy;Einwilligung\r\nJörg;Weiß;0160 1111 2222;ja\r\n".encode("cp1252")
    )
    cli("customer", "add", "--first-name", "Anna", "--last-name", "Müller",
        "--phone", "0151 1234 5678", "--email", "anna@example.com", "--birthday", "1980-12-24",
        "--notes", "Size 38, likes linen", "--consent-data", "--consent-email",
        "--staff", "Olga")  # fmt: skip
    cli("find", "mueller")
    cli("show", "+49 151 12345678")
    cli("purchase", "1", "123,45", "--staff", "Eva")
    cli("purchase", "1", "80.00", "--redeem", "200")
    cli("refund", "2", "40,00")
    cli("adjust", "1", "-5", "--reason", "double booking")
    cli("customer", "edit", "1", "--email", "anna.mueller@example.com", "--staff", "Eva")
    cli("consent", "give", "1", "sms", "--method", "verbal")
    cli("feedback", "add", "1", "--kind", "complaint", "--note", "Naht offen, Mantel")
    cli("import", "customers", str(sheet))
    cli("export", "newsletter", "--channel", "email")
    cli("export", "customer", "1")
    cli("export", "consent-form", "1")
    cli("settings", "set", "point_value", "0,10")
    cli("backup")
    cli("daily", now="2026-12-25T10:00:00+01:00")
    cli("consent", "withdraw", "1", "email")
    cli("erase", "2", "--yes")
    lines = log_lines(cli.log_folder)
    text = "\n".join(lines)
    for word in PERSONAL:
        assert word.lower() not in text.lower(), word
    actions = [line.split(" ")[1] for line in lines]
    assert actions == [
        "customers.register",
        "shop.write_setting",  # the staff name remembered: the list itself is not logged
        "points.record_purchase",
        "points.record_purchase",
        "points.refund",
        "points.adjust",
        "customers.edit",
        "customers.give_consent",
        "followups.record",
        "safety.backup.import",
        "imports.import_rows",  # written in batches: one line for the import
        "newsletter.export",
        "gdpr.access_export",
        "gdpr.consent_form",
        "shop.write_setting",
        "safety.backup.manual",
        "shop.write_setting",  # the day of the last daily run
        "points.daily",
        "customers.withdraw_consent",
        "customers.erase",
    ]
    # ids and amounts: enough to follow what happened
    assert lines[0] == "INFO customers.register customer=1 welcome_points=100"
    assert lines[2] == (
        "INFO points.record_purchase purchase_id=1 customer_id=1 amount=123.45 "
        "redeemed_points=0 redeemed_value=0.00 paid=123.45 earned_points=123 balance_before=100 "
        "balance_after=223 max_redeemable=100 balance=223"
    )
    assert "INFO customers.erase result=2" in lines


def test_an_unexpected_error_leaves_its_traceback_in_the_log(cli, monkeypatch, capsys):
    from olga_loyalty.services import customers

    cli("customer", "add", "--first-name", "Anna", "--last-name", "Müller",
        "--phone", "0151 1234 5678", "--consent-data")  # fmt: skip

    def broken(shop, query, limit=50):
        raise ZeroDivisionError("a bug deep inside")

    monkeypatch.setattr(customers, "find", broken)
    code = main(["find", "Müller"])
    out, err = capsys.readouterr()
    log = cli.log_folder / "olga-loyalty.log"
    assert (code, out, err) == (1, "", f"error: Unexpected error; details in {log}\n")
    text = log.read_text(encoding="utf-8")
    assert "ERROR [" in text and "unexpected error in find" in text
    assert "Traceback (most recent call last):" in text
    assert 'raise ZeroDivisionError("a bug deep inside")' in text
    assert text.rstrip().endswith("ZeroDivisionError: a bug deep inside")
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cli.log_folder).st_mode) == 0o700


def test_without_a_writable_log_folder_the_program_still_runs(user_home, monkeypatch, capsys):
    """A read-only or odd profile: the log is skipped, never an error on the screen."""
    blocker = user_home / ".local"
    blocker.write_text("a file where the log folder would be")
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10")
    db = user_home / "l.db"
    assert main(["--db", str(db), "customer", "add", "--first-name", "A", "--last-name", "B",
                 "--phone", "0151 1234 5678", "--consent-data"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("Registered A B as customer #1")

    from olga_loyalty.services import customers

    monkeypatch.setattr(customers, "find", lambda *a, **k: 1 / 0)
    assert main(["--db", str(db), "find", "x"]) == 1
    # no log to point to: the problem itself, in one line
    assert capsys.readouterr().err == (
        "error: an unexpected problem occurred: ZeroDivisionError: division by zero\n"
    )


def test_the_log_rotates_at_about_a_megabyte_into_five_files(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup(tmp_path / "log")
    for n in range(400):
        logs.action("points.record_purchase", purchase_id=n, amount=Decimal("12.50"))
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == [
        "olga-loyalty.log",
        "olga-loyalty.log.1",
        "olga-loyalty.log.2",
        "olga-loyalty.log.3",
        "olga-loyalty.log.4",
    ]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert (
        path.read_text()
        .splitlines()[-1]
        .endswith("] points.record_purchase purchase_id=399 amount=12.50")
    )
    assert logs.MAX_BYTES == 2_000 and logs.BACKUP_COUNT == 4
    monkeypatch.undo()
    assert (logs.MAX_BYTES, logs.BACKUP_COUNT) == (1_000_000, 4)


def test_a_rotation_that_fails_keeps_the_line(tmp_path, monkeypatch):
    """Windows cannot rename a file another process has open: the line still gets written."""
    monkeypatch.setattr(logs, "MAX_BYTES", 200)
    path = logs.setup(tmp_path / "log")

    def refuse(self):
        raise PermissionError("in use by another process")

    monkeypatch.setattr(logs._QuietRotatingFile, "doRollover", refuse)
    for n in range(10):
        logs.action("points.adjust", customer_id=n)
    lines = path.read_text().splitlines()
    assert len(lines) == 10 and lines[-1].endswith("points.adjust customer_id=9")


def test_numbers_only():
    from olga_loyalty.storage.models import Customer, Feedback, LedgerEntry

    @dataclass
    class Plan:
        amount: Decimal
        tier: str
        earned_points: int

    @dataclass
    class Result:
        customer: Customer
        plan: Plan
        welcome_points: int
        name: str
        taken: bool

    anna = Customer(id=7, first_name="Anna", last_name="Müller", phone="+4915112345678",
                    birthday_md=1224, referred_by=3)  # fmt: skip
    assert logs.summary(anna) == {"id": 7, "referred_by": 3}  # never birthday_md
    assert logs.summary(
        Result(anna, Plan(Decimal("12.50"), "Gold", 25), 100, "Anna", True)
    ) == {"customer": 7, "amount": Decimal("12.50"), "earned_points": 25, "welcome_points": 100,
          "taken": True}  # fmt: skip
    assert logs.summary((Feedback(id=3, customer=7), LedgerEntry(id=9, customer=7))) == {
        "feedback": 3,
        "ledger_entry": 9,
    }
    assert logs.summary(["first_name", "email"]) == {"count": 2}
    assert logs.summary("Anna Müller") == {}
    assert logs.summary(5) == {"result": 5}


def test_the_log_never_holds_another_librarys_lines(tmp_path):
    """peewee logs its SQL (with the values) at DEBUG: those never reach the file."""
    path = logs.setup(tmp_path / "log")
    logging.getLogger("peewee").warning("SELECT * FROM customer WHERE phone = '+4915112345678'")
    logging.getLogger().warning("root: Anna")
    logs.action("x.y", n=1)
    assert path.read_text().count("\n") == 1


def test_progress_is_shown_only_on_a_terminal(user_home, monkeypatch, capsys):
    """demo (and move-to) draw a progress line on a terminal; into a file or a pipe: nothing."""
    import io
    import sys

    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10")
    assert main(["--db", str(user_home / "a.db"), "demo", "--customers", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("Made 3 customers")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--db", str(user_home / "b.db"), "demo", "--customers", "3"]) == 0
    assert terminal.getvalue() == "\rMaking customers: 0%\rMaking customers: 100%\n"
