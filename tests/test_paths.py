"""Where the data lives (olga_loyalty/paths.py, SPEC §2): `--db`/`OLGA_LOYALTY_DB`, else a source
checkout's data/ and exports/, else the user's folders (platformdirs, here under a temporary
HOME: the `user_home` fixture) — never the working folder. And the commands around it: `paths`,
the refusal of a missing database by commands that only read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import olga_loyalty
from olga_loyalty import paths
from olga_loyalty.cli import CREATES_DATABASE, main


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty working folder, as a desktop shortcut's "start in" folder would be."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")
    return folder


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def make_checkout(root: Path, name: str = "olga-loyalty") -> Path:
    (root / "olga_loyalty").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "1"\n')
    return root / "olga_loyalty"


# -- the rule ---------------------------------------------------------------------------------


def test_installed_the_users_folders(user_home, work):
    where = paths.resolve(None, env={})
    assert where == paths.Locations(
        database=str(user_home / ".local/share/olga-loyalty/loyalty.db"),
        backups=user_home / ".local/share/olga-loyalty/backups",
        exports=user_home / "Documents" / "Olga Loyalty",
        logs=user_home / ".local/state/olga-loyalty/log",
        source="user",
    )
    assert where.is_default
    assert files_under(user_home) == [] and files_under(work) == []  # resolving makes nothing


def test_installed_follows_the_desktops_own_folders(user_home, monkeypatch):
    """XDG base folders, and a German desktop's "Dokumente" from user-dirs.dirs."""
    monkeypatch.setenv("XDG_DATA_HOME", str(user_home / "daten"))
    monkeypatch.setenv("XDG_STATE_HOME", str(user_home / "zustand"))
    (user_home / ".config").mkdir()
    (user_home / ".config" / "user-dirs.dirs").write_text('XDG_DOCUMENTS_DIR="$HOME/Dokumente"\n')
    where = paths.resolve(None, env={})
    assert where.database == str(user_home / "daten/olga-loyalty/loyalty.db")
    assert where.exports == user_home / "Dokumente" / "Olga Loyalty"
    assert where.logs == user_home / "zustand/olga-loyalty/log"


def test_a_source_checkout_keeps_data_and_exports_in_the_checkout(tmp_path, monkeypatch):
    package = make_checkout(tmp_path / "olga-loyalty-main")
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    root = package.parent
    where = paths.resolve(None, env={})
    assert where == paths.Locations(
        database=str(root / "data" / "loyalty.db"),
        backups=root / "data" / "backups",
        exports=root / "exports",
        logs=root / "data" / "logs",
        source="checkout",
    )


def test_what_counts_as_a_checkout(tmp_path):
    assert paths.checkout_root(make_checkout(tmp_path / "a")) == tmp_path / "a"
    assert paths.checkout_root(make_checkout(tmp_path / "b", name="other-project")) is None
    broken = make_checkout(tmp_path / "c")
    (broken.parent / "pyproject.toml").write_text("[project\nname=")
    assert paths.checkout_root(broken) is None
    assert paths.checkout_root(tmp_path / "site-packages" / "olga_loyalty") is None
    # this very checkout, where `make run` and `make test` run
    real = Path(olga_loyalty.__file__).resolve().parent
    assert paths.checkout_root(real) == real.parent


def test_a_named_database_keeps_its_backups_beside_it(user_home, work, monkeypatch):
    package = make_checkout(work.parent / "checkout")
    for db, env, expected in [
        ("kasse/l.db", {}, work / "kasse" / "l.db"),  # relative to where it was typed
        (None, {"OLGA_LOYALTY_DB": "/srv/olga/l.db"}, Path("/srv/olga/l.db")),
        ("/a/l.db", {"OLGA_LOYALTY_DB": "/b/l.db"}, Path("/a/l.db")),  # the option wins
        ("sqlite:////srv/olga/l.db", {}, Path("/srv/olga/l.db")),
        ("  ", {"OLGA_LOYALTY_DB": " "}, user_home / ".local/share/olga-loyalty/loyalty.db"),
    ]:
        where = paths.resolve(db, env=env)
        assert where.database == str(expected)
        assert where.backups == expected.parent / "backups"
        # exports and logs follow the rule without the database: installed ...
        assert where.exports == user_home / "Documents" / "Olga Loyalty"
    # ... or in a checkout
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    where = paths.resolve("/srv/olga/l.db", env={})
    assert (where.exports, where.logs) == (package.parent / "exports", package.parent / "data/logs")
    assert where.source == "option" and not where.is_default


def test_a_server_has_no_backups_folder_and_its_password_is_never_shown():
    where = paths.resolve("postgresql://olga:geheim@10.0.0.5:5432/shop", env={})
    assert where.database == "postgresql://olga:geheim@10.0.0.5:5432/shop"
    assert where.backups is None and where.database_file is None
    assert where.shown()["database"] == "postgresql://olga:***@10.0.0.5:5432/shop"
    assert where.shown()["backups"] is None


def test_file_managers_per_platform(monkeypatch):
    assert paths.file_manager("win32") == ["explorer"]
    assert paths.file_manager("darwin") == ["open"]
    monkeypatch.delenv("DISPLAY", raising=False)
    assert paths.file_manager("linux") is None  # a terminal without a desktop
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(paths.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert paths.file_manager("linux") == ["/usr/bin/xdg-open"]


# -- the commands -----------------------------------------------------------------------------


def test_paths_prints_four_absolute_paths_and_opens_nothing(user_home, work, capsys):
    code, out, _ = cli(capsys, "paths", "--json")
    assert code == 0
    assert json.loads(out) == {
        "database": str(user_home / ".local/share/olga-loyalty/loyalty.db"),
        "backups": str(user_home / ".local/share/olga-loyalty/backups"),
        "exports": str(user_home / "Documents" / "Olga Loyalty"),
        "logs": str(user_home / ".local/state/olga-loyalty/log"),
    }
    code, out, _ = cli(capsys, "--db", "k.db", "paths")
    assert out.splitlines() == [
        f"Database: {work / 'k.db'}",
        f"Backups:  {work / 'backups'}",
        f"Exports:  {user_home / 'Documents' / 'Olga Loyalty'}",
        f"Logs:     {user_home / '.local/state/olga-loyalty/log'}",
    ]
    code, out, _ = cli(capsys, "--db", "postgresql://olga:pw@db/shop", "--lang", "de", "paths")
    assert out.splitlines()[:2] == [
        "Datenbank:   postgresql://olga:***@db/shop",
        "Sicherungen: (auf dem Server: mit pg_dump sichern)",
    ]
    assert files_under(user_home) == [] and files_under(work) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["find", "müller"],
        ["show", "1"],
        ["report"],
        ["export", "newsletter", "--channel", "email"],
        ["export", "customer", "1"],
        ["export", "consent-form"],
        ["settings", "show"],
        ["settings", "audit"],
        ["backup"],
        ["backup", "--list"],
        ["feedback", "due"],
        ["move-to", "postgresql://olga@db/shop"],
        ["bonus", "all", "100", "--reason", "x", "--dry-run"],
        ["import", "customers", "kunden.csv", "--dry-run"],
        # writing commands that cannot start a shop (found by the adversarial test: each
        # was refused for the missing customer and left a new, empty shop behind)
        ["erase", "1", "--yes"],
        ["refund", "1"],
        ["purchase", "1", "10"],
        ["adjust", "1", "10", "--reason", "x"],
        ["consent", "give", "1", "email"],
        ["customer", "edit", "1", "--first-name", "X"],
        ["feedback", "add", "1", "--kind", "praise"],
        ["feedback", "done", "1", "--outcome", "ok"],
        ["reminders", "retry", "1"],
        ["reminders", "send"],
        ["bonus", "all", "100", "--reason", "x"],
        ["daily"],
        ["import", "unsubscribes", "abmeldungen.csv"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_command_that_cannot_start_a_shop_never_makes_a_database(user_home, work, capsys, argv):
    database = user_home / ".local/share/olga-loyalty/loyalty.db"
    code, out, err = cli(capsys, *argv)
    assert (code, out) == (1, "")
    assert err == (
        f"error: no database at {database}; nothing was created. Check --db or "
        "OLGA_LOYALTY_DB ('olga-loyalty paths' shows where the data is).\n"
    )
    assert files_under(user_home) == [] and files_under(work) == []
    mistyped = work / "Kase" / "loyalty.db"
    code, _, err = cli(capsys, "--db", str(mistyped), *argv)
    assert (code, err.split(";")[0]) == (1, f"error: no database at {mistyped}")
    assert files_under(user_home) == [] and files_under(work) == []


def test_the_commands_that_can_start_a_shop_are_the_ones_listed():
    assert CREATES_DATABASE == {
        (None, None),
        ("customer", "add"),
        ("import", "customers"),
        ("demo", None),
        ("settings", "set"),
        ("settings", "pin"),
        ("settings", "consent-text"),
        ("restore", None),
    }


def test_the_first_writing_command_makes_the_database_in_the_users_folder(
    user_home, work, capsys, monkeypatch
):
    """Registered from one folder, found from another; files where `paths` says; the
    working folders stay empty."""
    code, _, err = cli(
        capsys,
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
    )
    assert code == 0, err
    desktop = work.parent / "Desktop folder"
    desktop.mkdir()
    monkeypatch.chdir(desktop)
    code, out, _ = cli(capsys, "find", "muller")
    assert code == 0 and "Anna Müller" in out
    code, out, _ = cli(capsys, "export", "newsletter", "--channel", "email")
    exports = user_home / "Documents" / "Olga Loyalty"
    assert out.splitlines()[0] == (
        f"Wrote 1 customer to {exports / 'newsletter-email-all-generic-2026-01-10.xlsx'}."
    )
    code, out, _ = cli(capsys, "backup")
    backups = user_home / ".local/share/olga-loyalty/backups"
    assert out == f"Backup written to {backups / 'loyalty-20260110-090000-manual.db'}.\n"
    assert files_under(work) == [] and files_under(desktop) == []
    data = user_home / ".local/share/olga-loyalty"
    assert (data.stat().st_mode & 0o777) == 0o700
    assert {p.name for p in data.iterdir()} >= {"loyalty.db", "backups"}
