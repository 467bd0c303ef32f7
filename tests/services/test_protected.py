"""Protected actions (SPEC §10): one entry point, one list, the PIN check, the action and its
audit entry in one transaction; the PIN's rules, its counter and its lock."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from olga_loyalty.domain.errors import InvalidInput, Refused, StorageError
from olga_loyalty.services import newsletter, points, safety
from olga_loyalty.services.shop import read_setting, write_setting
from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import AuditEntry, LedgerEntry
from tests.conftest import register

PACKAGE = Path(__file__).resolve().parents[2] / "olga_loyalty"
QUICK = {"n": 2**10, "r": 8, "p": 1}


@pytest.fixture
def quick_pin(monkeypatch):
    """PINs hashed with a small scrypt cost: the tests check the rules, not the cost."""
    monkeypatch.setattr(safety, "SCRYPT", QUICK)


@pytest.fixture
def real_clock(monkeypatch):
    moment = [1_800_000_000.0]
    monkeypatch.setattr(safety, "real_time", lambda: moment[0])
    return moment


def audit_rows():
    return [(e.action, e.detail, e.staff) for e in AuditEntry.select().order_by(AuditEntry.id)]


def test_the_action_and_its_audit_entry_commit_together(shop, quick_pin):
    anna = register(shop)
    safety.set_pin(shop, "246810")
    result = safety.run_protected(
        shop,
        "adjust",
        "246810",
        points.adjust,
        shop,
        f"#{anna.id}",
        50,
        reason="Kulanz",
        staff="Eva",
        by="Eva",
        detail=lambda r: f"customer #{r.customer_id}: {r.points:+d}",
    )
    assert result.balance == 150
    assert audit_rows() == [("adjust", f"customer #{anna.id}: +50", "Eva")]


def test_a_failure_between_the_action_and_its_audit_entry_leaves_nothing(
    shop, quick_pin, monkeypatch
):
    """Before the fix the audit entry was a transaction of its own after the action: when it
    failed (another till held the lock, or the process died) the points were added, the
    command said "error", and no audit row existed."""
    anna = register(shop)
    safety.set_pin(shop, "246810")
    write_setting("pin_failures", {"count": 2, "locked_at": None})  # two wrong tries before

    def broken(*args):
        raise StorageError("The database could not be written: {reason}", reason="disk I/O error")

    monkeypatch.setattr(safety, "_write_audit", broken)
    with pytest.raises(StorageError, match="disk I/O error"):
        safety.run_protected(
            shop, "adjust", "246810", points.adjust, shop, anna.id, 500, reason="x", detail="d"
        )
    assert ledger.balance(anna.id, shop.today()) == 100  # only the welcome bonus
    assert LedgerEntry.select().where(LedgerEntry.kind == "adjust").count() == 0
    assert AuditEntry.select().count() == 0
    # the right PIN's reset of the counter is part of the same transaction: rolled back too
    assert read_setting("pin_failures") == {"count": 2, "locked_at": None}


def test_a_wrong_pin_is_counted_and_the_action_does_not_run(shop, quick_pin, real_clock):
    anna = register(shop)
    safety.set_pin(shop, "246810")
    with pytest.raises(Refused, match=r"Wrong PIN \(2 tries left\)"):
        safety.run_protected(shop, "adjust", "111111", points.adjust, shop, anna.id, 5, reason="x")
    assert read_setting("pin_failures") == {"count": 1, "locked_at": None}
    assert ledger.balance(anna.id, shop.today()) == 100
    with pytest.raises(InvalidInput, match="This needs the owner PIN."):
        safety.run_protected(shop, "erase", None, points.adjust, shop, anna.id, 5, reason="x")


def test_an_export_whose_audit_entry_fails_leaves_no_file(shop, tmp_path, monkeypatch):
    register(shop, consents=("data_processing", "email"), email="anna@example.com")
    out = tmp_path / "list.xlsx"

    def broken(*args):
        raise StorageError("The database could not be written: {reason}", reason="disk full")

    monkeypatch.setattr(safety, "_write_audit", broken)
    with pytest.raises(StorageError):
        safety.run_protected(
            shop, "export", None, newsletter.export, shop, "email", "all", out=out, detail="x"
        )
    assert not out.exists()
    monkeypatch.undo()
    result = safety.run_protected(
        shop, "export", None, newsletter.export, shop, "email", "all", out=out, detail="list"
    )
    assert result.path == out and out.exists()
    assert audit_rows() == [("export", "list", "")]


def _strings_passed(tree: ast.AST, function: str, position: int) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == function
            and len(node.args) > position
            and isinstance(node.args[position], ast.Constant)
        ):
            found.add(node.args[position].value)
    return found


def test_one_list_of_protected_actions_for_the_command_line_and_the_screens():
    """Every action the command line and the screens protect is in `safety.PROTECTED`, and
    nothing goes around the one entry point (`run_protected`) to write an audit entry."""
    cli_sources = [path.read_text("utf-8") for path in (PACKAGE / "cli").rglob("*.py")]
    used_by_cli = set()
    for text in cli_sources:
        used_by_cli |= _strings_passed(ast.parse(text), "protected", 2)
    used_by_ui = set()
    for path in (PACKAGE / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        used_by_ui |= _strings_passed(tree, "with_pin", 0) | _strings_passed(tree, "protected", 2)
        assert not re.search(r"safety\.audit\(", path.read_text("utf-8")), path
    assert used_by_cli <= set(safety.PROTECTED)
    assert used_by_ui <= set(safety.PROTECTED)
    # the imports go through services.imports, which calls run_protected("import")
    assert set(safety.PROTECTED) == used_by_cli | used_by_ui | {"import"}
    for text in cli_sources:
        assert "check_pin" not in text
        assert not re.search(r"safety\.audit\(", text)


@pytest.mark.parametrize(
    "new_pin, accepted",
    [
        ("2468", False),
        ("12345", False),
        ("246810", True),
        ("12345678901234567890", True),
        ("123456789012345678901", False),
        ("kurz", False),
        ("abcdefghijk", False),  # 11 characters
        ("drei kleine Hunde", True),
        ("  drei kleine Hunde  ", True),  # spaces around are not part of it
        ("Hunde\tKatzen Mäuse", False),  # a control character
        ("x" * 200, True),
        ("x" * 201, False),
    ],
)
def test_new_pins_have_six_digits_or_are_a_passphrase(shop, quick_pin, new_pin, accepted):
    if accepted:
        safety.set_pin(shop, new_pin)
        safety.authorise(shop, "settings", new_pin.strip())
    else:
        with pytest.raises(InvalidInput):
            safety.set_pin(shop, new_pin)
        assert not safety.pin_is_set()


def test_an_old_four_digit_pin_keeps_working_and_asks_to_be_changed(shop, real_clock, quick_pin):
    """A PIN set before these rules (4 digits, scrypt n=2^14, no `rules` key) still opens
    protected actions, and the program asks for a new one until it is changed."""
    salt = bytes(range(16))
    old = {"salt": salt.hex(), "hash": safety._hash("2468", salt, {"n": 2**14, "r": 8, "p": 1})}
    write_setting("pin", {**old, "n": 2**14, "r": 8, "p": 1})
    assert safety.pin_needs_change()
    safety.authorise(shop, "adjust", "2468")
    with pytest.raises(Refused, match="Wrong PIN"):
        safety.authorise(shop, "adjust", "2469")
    new = safety.change_pin(shop, "2468", "13572468", staff="Olga")
    assert not safety.pin_needs_change()
    assert read_setting("pin")["n"] == QUICK["n"] and read_setting("pin")["rules"] == 2
    safety.authorise(shop, "adjust", new)
    safety.authorise(shop, "adjust", "13572468")
    assert audit_rows() == [("settings", "PIN set", "Olga")]


def test_the_lock_follows_the_real_clock_and_never_lasts_longer_than_a_minute(
    shop, clock, quick_pin, real_clock
):
    safety.set_pin(shop, "246810")
    for _ in range(3):
        with pytest.raises(Refused):
            safety.authorise(shop, "adjust", "000000")
    clock.advance(minutes=2)  # OLGA_LOYALTY_NOW two minutes ahead lifted the lock before
    with pytest.raises(Refused, match="locked until"):
        safety.authorise(shop, "adjust", "246810")
    real_clock[0] += 59
    with pytest.raises(Refused, match="locked until"):
        safety.authorise(shop, "adjust", "246810")
    real_clock[0] += 1
    safety.authorise(shop, "adjust", "246810")
    # A stored lock time ahead of the clock (the clock was set back, or another till's
    # clock is wrong) does not lengthen the lock past a minute from now.
    write_setting("pin_failures", {"count": 0, "locked_at": real_clock[0] + 3600})
    with pytest.raises(Refused, match="locked until"):
        safety.authorise(shop, "adjust", "246810")
    assert read_setting("pin_failures")["locked_at"] == real_clock[0]
    real_clock[0] += 60
    safety.authorise(shop, "adjust", "246810")


def test_a_pin_changed_meanwhile_must_be_entered_again(shop, quick_pin):
    safety.set_pin(shop, "246810")
    given = safety.authorise(shop, "settings", "246810")  # a screen opened with it
    safety.set_pin(shop, "135790")  # another till changed it
    with pytest.raises(Refused, match="changed meanwhile"):
        safety.run_protected(shop, "settings", given, lambda: None)
    assert read_setting("pin_failures")["count"] == 0  # not counted as a wrong PIN


def test_the_pin_is_stored_only_as_a_slow_salted_hash(shop):
    safety.set_pin(shop, "246810")
    stored = read_setting("pin")
    assert set(stored) == {"salt", "hash", "n", "r", "p", "rules"}
    assert (stored["n"], stored["r"], stored["p"]) == (2**17, 8, 1)  # 128 MiB per try
    assert "246810" not in json.dumps(stored)


def test_the_command_line_saves_nothing_when_the_audit_entry_cannot_be_written(
    tmp_path, monkeypatch, capsys
):
    """`adjust` through the real entry point, with the audit entry failing the way a full
    disk or a crash between the two makes it fail. Before the fix it printed the success,
    then "error: … Nothing was saved" with exit 1, and the 500 points were there (a retry
    added them twice); now the points are not there either."""
    import peewee

    from olga_loyalty.cli import main
    from olga_loyalty.storage.models import AuditEntry
    from tests.conftest import fresh_database

    db = fresh_database(tmp_path, "cli.db")
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    argv = ["customer", "add", "--first-name", "Anna", "--last-name", "Müller"]
    assert main([*argv, "--phone", "0151 12345678", "--consent-data"]) == 0

    def fail(*args, **kwargs):
        raise peewee.OperationalError("disk I/O error")

    monkeypatch.setattr(AuditEntry, "create", fail)
    capsys.readouterr()
    assert main(["adjust", "1", "500", "--reason", "Kulanz"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: The database could not be written: disk I/O error")
    monkeypatch.undo()
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    assert main(["show", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["balance"] == 100
