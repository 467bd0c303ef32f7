"""A control character in a path or other text put into a message is written visibly, never
sent to the terminal (a tester: a database folder named `c\\x1b[2J\\x1b]0;PWNED\\x07x` cleared
the screen and retitled the window from the backup notices, the settings' folders, `backup
--list`, `backup` and `restore`)."""

from __future__ import annotations

import json

import pytest

from olga_loyalty.cli import main
from olga_loyalty.i18n import Translator
from olga_loyalty.services import wording

ESCAPES = "c\x1b[2J\x1b]0;PWNED\x07x"
SHOWN = "c␛[2J␛]0;PWNED␇x"


def test_text_put_into_a_message_is_shown_not_obeyed():
    t = Translator("en")
    assert t("Backup written to {path}.", path=f"/tmp/{ESCAPES}/b.db") == (
        f"Backup written to /tmp/{SHOWN}/b.db."
    )
    assert t("{count} of {total}", count=3, total="\x9b5") == "3 of \ufffd5"
    assert t("Backup written to {path}.", path="two\nlines") == "Backup written to two\nlines."


def test_the_settings_folders_show_the_escape(tmp_path):
    t = Translator("en")
    text = wording.folders_text(
        t, {"database": f"/x/{ESCAPES}/l.db", "backups": None, "exports": "/e", "logs": "/l"}
    )
    assert "\x1b" not in text and "\x07" not in text
    assert text.splitlines()[0] == f"Database: /x/{SHOWN}/l.db"


@pytest.mark.sqlite_only  # the folder of a database file
def test_the_command_line_writes_paths_visibly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    folder = tmp_path / ESCAPES
    folder.mkdir()
    db = str(folder / "loyalty.db")
    assert main(["--db", db, "--lang", "en", "demo", "--customers", "3"]) == 0
    assert main(["--db", db, "--lang", "en", "backup"]) == 0
    assert main(["--db", db, "--lang", "en", "backup", "--list"]) == 0
    assert main(["--db", db, "--lang", "en", "paths"]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert f"Backup written to {tmp_path}/{SHOWN}/backups/loyalty-20261123-100000-manual.db." in out
    assert f"{SHOWN}/backups/loyalty-20261123-100000-manual.db" in out.splitlines()[-5]
    # --json keeps the name exactly, as JSON writes a control character (\u001b)
    assert main(["--db", db, "--lang", "en", "backup", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["path"] == f"{tmp_path}/{ESCAPES}/backups/loyalty-20261123-100000-manual.db"


@pytest.mark.sqlite_only  # a database file that is not there
def test_what_was_typed_is_echoed_with_the_same_pictures(tmp_path, capsys, monkeypatch):
    """An error that echoes a typed word or a path showed ESC as `?` (`'ab?[31mX'`), unlike
    every other place; and a no-break space, which is harmless, became a `?` too."""
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    db = str(tmp_path / "l.db")
    assert main(["--db", db, "--lang", "en", "demo", "--customers", "3"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "--lang", "en", "find", "ab\x1b[31mX"]) == 1
    assert main(["--db", db, "--lang", "en", "show", "Anne\u00a0M\nx"]) == 2
    assert main(["--db", str(tmp_path / ESCAPES / "l.db"), "--lang", "en", "find", "x"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines()[:2] == [
        "error: No customer matches 'ab␛[31mX'.",
        "error: 'Anne\u00a0M␊x' is neither a customer number nor a phone number.",
    ]
    assert err.splitlines()[2].startswith(f"error: no database at {tmp_path}/{SHOWN}/l.db;")
