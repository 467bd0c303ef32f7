"""Folder names as shops make them: `Boutique #1 (Kopie) 100%`, spaces, `?`, umlauts. SQLite URIs
are built with `as_uri()`, so a `#` no longer cuts the path off (it used to: `f"file:{path}?mode=ro"`
read `Boutique ` and refused the backup as "not an Olga Loyalty backup")."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from olga_loyalty.cli import main
from olga_loyalty.files import read_only_uri
from olga_loyalty.services import customers, points, safety
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.backup import check_backup_file
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.migrations import LATEST
from tests.conftest import register

pytestmark = pytest.mark.sqlite_only

ODD_NAMES = ["Boutique #1 (Kopie) 100%", "Kasse ?a=b&c", "Jürgen Müller’s Ordner", "a%20b #"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_backup_and_restore_in_odd_folders(tmp_path, clock, name):
    shop_folder = tmp_path / name / "Kasse ä"
    shop_folder.mkdir(parents=True)
    database = shop_folder / "loyalty.db"
    shop = open_shop(str(database), clock)
    try:
        anna = register(shop, phone="0151 1234 5678")
        made = safety.backup(shop, "manual")
        assert made.parent == shop_folder / "backups"
        copy_folder = tmp_path / f"{name} copy"
        copy_folder.mkdir()
        copy = Path(shutil.copy(made, copy_folder / made.name))
        assert check_backup_file(copy, LATEST) == LATEST
        # after the backup: a purchase (an erasure would stay erased: the erasure journal)
        points.record_purchase(shop, anna.id, "100.00")
        assert customers.find(shop, "Müller")[0].balance == 200
        safety.restore(shop, copy)
        assert [(h.id, h.balance) for h in customers.find(shop, "Müller")] == [(anna.id, 100)]
    finally:
        close_database()


def test_the_cli_restores_a_backup_copied_to_boutique_1_kopie_100(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")
    db = tmp_path / "shop" / "loyalty.db"
    db.parent.mkdir()
    base = ["--db", str(db)]
    assert main([*base, "customer", "add", "--first-name", "Anna", "--last-name", "Müller",
                 "--phone", "0151 1234 5678", "--consent-data"]) == 0  # fmt: skip
    assert main([*base, "backup", "--json"]) == 0
    made = Path(capsys.readouterr().out.split('"path": "')[1].split('"')[0])
    kopie = tmp_path / "Boutique #1 (Kopie) 100%"
    kopie.mkdir()
    copy = shutil.copy(made, kopie / made.name)
    assert main([*base, "purchase", "1", "100,00"]) == 0  # after the backup
    capsys.readouterr()
    assert main([*base, "restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Restored {copy}. The database as it was before is in {db.parent}")
    assert main([*base, "find", "muller", "--json"]) == 0
    found = capsys.readouterr().out
    assert '"last_name": "Müller"' in found and '"balance": 100,' in found


def test_the_old_uri_was_the_bug(tmp_path):
    """What the code did before: the file name stops at `#`, SQLite opens `…/Boutique `."""
    folder = tmp_path / "Boutique #1"
    folder.mkdir()
    path = folder / "x.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a)")
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("SELECT * FROM t")
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    assert conn.execute("SELECT * FROM t").fetchall() == []
    with pytest.raises(sqlite3.OperationalError):  # read-only
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()


def test_uris_on_every_platform():
    assert read_only_uri(PurePosixPath("/home/olga/Boutique #1 (Kopie) 100%/ä?.db")) == (
        "file:///home/olga/Boutique%20%231%20%28Kopie%29%20100%25/%C3%A4%3F.db?mode=ro"
    )
    assert read_only_uri(PureWindowsPath(r"C:\Users\Jürgen\Boutique #1\loyalty.db")) == (
        "file:///C:/Users/J%C3%BCrgen/Boutique%20%231/loyalty.db?mode=ro"
    )
    # a network share: SQLite wants an empty authority, file:////server/share/...
    assert read_only_uri(PureWindowsPath(r"\\kasse\daten\loyalty.db")) == (
        "file:////kasse/daten/loyalty.db?mode=ro"
    )
