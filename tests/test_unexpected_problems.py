"""Issue 13: every "unexpected problem" found by trying to break the program is now a message
in words (exit 2 for input, 1 for a refusal), and nothing is written. Also: typed text with
control characters is refused, and what was stored before those rules is still exported."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from olga_loyalty.cli import main
from olga_loyalty.domain.errors import StorageError
from olga_loyalty.services import gdpr
from olga_loyalty.storage.db import close_database, open_database
from olga_loyalty.storage.models import AuditEntry, LedgerEntry, Purchase
from tests.conftest import dump_database, fresh_database


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    db = fresh_database(tmp_path, "shop.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")
    monkeypatch.chdir(tmp_path)

    def call(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    call.db = db
    assert (
        call(
            "customer",
            "add",
            "--first-name",
            "Clara",
            "--last-name",
            "Berg",
            "--phone",
            "0151 98765432",
            "--consent-data",
            "--consent-email",
            "--email=-info@example.com",
        )[0]
        == 0
    )
    return call


@contextmanager
def stored_directly(location):
    """Write as a program before the input rules could (on SQLite or PostgreSQL)."""
    close_database()
    open_database(str(location))
    try:
        yield
    finally:
        close_database()


def refused(run, *argv):
    """Run a command that must be refused; the database must stay as it was."""
    before = [x for x in dump_database(run.db) if "audit_log" not in str(x)]
    code, out, err = run(*argv)
    after = [x for x in dump_database(run.db) if "audit_log" not in str(x)]
    assert after == before, argv
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "unexpected problem" not in err
    return code, err.removeprefix("error: ").rstrip("\n")


CONTROL = [
    (
        ("purchase", "1", "10", "--staff", "Eva\x01"),
        "The staff name contains an invisible control character (U+0001); please type it "
        "again without it.",
    ),
    (
        ("adjust", "1", "+5", "--reason", "Kulanz\x1b[31m"),
        "The reason contains an invisible control character (U+001B); please type it again "
        "without it.",
    ),
    (
        ("customer", "edit", "1", "--notes", "Größe 38\x07"),
        "The note contains an invisible control character (U+0007); please type it again "
        "without it.",
    ),
    (
        ("feedback", "add", "1", "--kind", "wish", "--note", "rot\u202egrün"),
        "The note contains an invisible control character (U+202E); please type it again "
        "without it.",
    ),
    (
        ("settings", "set", "name", "Boutique\x1b]0;pwned\x07"),
        "The shop name contains an invisible control character (U+001B); please type it "
        "again without it.",
    ),
    (
        ("settings", "set", "tiers", "Base:0:1,Gold\x00:500:2"),
        "The tier name contains an invisible control character (U+0000); please type it "
        "again without it.",
    ),
    (
        ("settings", "consent-text", "email", "Newsletter\x1b[2J ja"),
        "The consent text contains an invisible control character (U+001B); please type it "
        "again without it.",
    ),
]


@pytest.mark.parametrize("argv, message", CONTROL, ids=[a[0] + "-" + a[1] for a, _ in CONTROL])
def test_typed_control_characters_are_refused_in_words(run, argv, message):
    assert refused(run, *argv) == (2, message)


def test_line_breaks_stay_allowed_in_notes(run):
    assert run("customer", "edit", "1", "--notes", "Größe 38\r\nmag Leinen\tund Seide")[0] == 0
    code, out, _ = run("show", "1", "--json")
    assert '"notes": "Größe 38\\nmag Leinen\\tund Seide"' in out


def _column(sheet, header: str) -> list:
    """The values under a header of the access export (headers say what, in the shop's
    language: German here, the shop's default)."""
    rows = list(sheet.iter_rows(values_only=True))
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_a_staff_name_stored_before_the_rules_is_exported_visibly(run, user_home):
    """Eva\\x01 got in before the rules (the reproduction of the issue): her customer can
    still get her Art. 15 export, with the character shown as ␁."""
    assert run("purchase", "1", "10", "--staff", "Eva")[0] == 0
    with stored_directly(run.db):
        Purchase.update(staff="Eva\x01").execute()
        LedgerEntry.update(staff="Eva\x1b[31m").execute()
    code, out, err = run("export", "customer", "1")
    assert code == 0, err
    exports = user_home / "Documents" / "Olga Loyalty"
    book = load_workbook(next(exports.glob("customer-1-data-*.xlsx")))
    assert _column(book["Einkäufe"], "Personal") == ["Eva␁"]
    assert set(_column(book["Punktekonto"], "Personal")) == {"Eva␛[31m"}


def test_the_audit_view_never_prints_raw_escape_sequences(run, tmp_path):
    name = "kunden\x1b[2J\x1b]0;x\x07.csv"
    (tmp_path / name).write_text("Name;Telefon\nAnna Muster;0151 22233344\n", encoding="utf-8")
    assert run("import", "unsubscribes", name)[0] == 0
    with stored_directly(run.db):  # a row written before the rules
        AuditEntry.insert(
            at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
            staff="x\x1b[31m",
            action="import",
            detail="y\x07",
        ).execute()
    code, out, err = run("settings", "audit")
    assert code == 0
    assert not any(ch in out for ch in "\x1b\x07\x00")
    assert "unsubscribes from kunden␛[2J␛]0;x␇.csv" in out
    assert "x␛[31m" in out and "y␇" in out


PROBLEMS = [
    (
        ("settings", "set", "tiers", "Base:0:NaN"),
        2,
        "A tier's earn rate must be between 0 and 100.",
    ),
    (
        ("settings", "set", "tiers", "Base:0:Infinity"),
        2,
        "A tier's earn rate must be between 0 and 100.",
    ),
    (
        ("report", "--until", "0001-01"),
        2,
        "A report reaches back to 1900 at the earliest; '0001-01' is too far back.",
    ),
]


@pytest.mark.parametrize("argv, code, message", PROBLEMS, ids=[p[0][-1] for p in PROBLEMS])
def test_unexpected_problems_are_worded(run, argv, code, message):
    assert refused(run, *argv) == (code, message)


def test_a_tier_named_with_a_slash_exports(run, user_home):
    assert run("settings", "set", "tiers", "Base:0:1,Gold/VIP:0.01:2")[0] == 0
    assert run("purchase", "1", "10")[0] == 0
    code, out, err = run("export", "newsletter", "--channel", "email", "--segment", "tier:Gold/VIP")
    assert code == 0, err
    path = (
        user_home
        / "Documents"
        / "Olga Loyalty"
        / ("newsletter-email-tier-Gold-VIP-generic-2026-11-23.xlsx")
    )
    assert out.splitlines()[0] == f"Wrote 1 customer to {path}."
    book = load_workbook(path)
    assert [c.value for c in book.active[2]][:3] == ["-info@example.com", "Clara", "Berg"]


def test_an_email_starting_with_a_dash_is_exported_as_it_is(run, user_home):
    code, out, err = run(
        "export", "newsletter", "--channel", "email", "--format", "csv", "--preset", "mailchimp"
    )
    assert code == 0, err
    exports = user_home / "Documents" / "Olga Loyalty"
    text = (exports / "newsletter-email-all-mailchimp-2026-11-23.csv").read_text("utf-8")
    assert text.splitlines()[1].startswith("-info@example.com,Clara,Berg,")


@pytest.mark.sqlite_only
def test_a_data_folder_that_is_a_dangling_link_is_worded(tmp_path):
    (tmp_path / "data").symlink_to(tmp_path / "gone")
    with pytest.raises(StorageError) as caught:
        open_database(str(tmp_path / "data" / "loyalty.db"), create_folder=True)
    assert str(caught.value) == (
        f"The folder {tmp_path / 'data'} cannot be used: it is a link to a folder that does "
        "not exist."
    )


@pytest.mark.sqlite_only
def test_the_default_data_folder_a_dangling_link_is_worded_before_anything_opens(tmp_path, capsys):
    """Found on re-running the issue: in the checkout, `data` a link to nowhere and
    `customer add` (a command that may start a shop) ended in "an unexpected problem
    occurred: FileExistsError" from the folder's mkdir, before open_database's worded check."""
    from olga_loyalty.cli import prepare_database_file
    from olga_loyalty.paths import Locations

    (tmp_path / "data").symlink_to(tmp_path / "gone")
    folder = tmp_path / "data"
    where = Locations(
        str(folder / "loyalty.db"), folder / "backups", tmp_path, tmp_path, "checkout"
    )
    with pytest.raises(StorageError) as caught:
        prepare_database_file(where, may_create=True)
    assert str(caught.value) == (
        f"The folder {folder} cannot be used: it is a link to a folder that does not exist."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_an_exports_folder_that_is_a_file_is_worded(run, tmp_path):
    from olga_loyalty.config import clock_from_env
    from olga_loyalty.services.shop import open_shop

    (tmp_path / "blocked").write_text("not a folder")
    shop = open_shop(str(run.db), clock_from_env())
    try:
        with pytest.raises(StorageError) as caught:
            gdpr.consent_form(shop, None, folder=tmp_path / "blocked")
    finally:
        shop.close()
    assert str(caught.value) == (
        f"The folder {tmp_path / 'blocked'} cannot be used: a file of that name is in the way."
    )


@pytest.mark.sqlite_only
def test_a_backup_with_another_page_size_restores(run, tmp_path):
    other = tmp_path / "other-page-size.db"
    with sqlite3.connect(run.db) as live:
        live.execute(f"VACUUM INTO '{other}'")
    with sqlite3.connect(other) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA page_size=8192")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
        conn.execute("UPDATE customer SET notes = 'from the backup'")
    code, out, err = run("restore", str(other))
    assert code == 0, err
    assert out.startswith(f"Restored {other}.")
    code, out, err = run("show", "1", "--json")
    assert '"notes": "from the backup"' in out
    with sqlite3.connect(run.db) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    leftovers = [p.name for p in (tmp_path / "backups").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert oct(os.stat(tmp_path / "backups").st_mode & 0o777) == "0o700"
