"""`settings set language`: the confirmation is in the language just chosen, as every command
after it speaks (docs/rules.md, "Language"); `--lang` still decides for the command it is
given to."""

from __future__ import annotations

import pytest

from olga_loyalty.cli import main
from tests.conftest import fresh_database


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(fresh_database(tmp_path, "cli.db")))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-01-10T10:00:00+01:00")
    monkeypatch.setenv("OLGA_LOYALTY_LANG", "en")

    def call(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_a_new_language_is_confirmed_in_that_language_both_ways(run):
    """Before the fix: "language auf en gesetzt." and "language set to de."."""
    assert run("settings", "set", "name", "Boutique Olga") == (
        0,
        "name set to Boutique Olga.\n",
        "",
    )
    # the shop's language is German (the default) from now on
    assert run("settings", "set", "point_value", "0,10") == (
        0,
        "point_value auf 0,10 gesetzt.\n",
        "",
    )
    assert run("settings", "set", "language", "en") == (0, "language set to en.\n", "")
    assert run("settings", "set", "point_value", "0.05") == (0, "point_value set to 0.05.\n", "")
    assert run("settings", "set", "shop.language", "de") == (
        0,
        "shop.language auf de gesetzt.\n",
        "",
    )
    assert run("settings", "set", "language", "de") == (0, "language auf de gesetzt.\n", "")


def test_lang_decides_for_its_own_command(run):
    run("settings", "set", "name", "Boutique Olga")
    assert run("--lang", "de", "settings", "set", "language", "en") == (
        0,
        "language auf en gesetzt.\n",
        "",
    )
    assert run("--lang", "en", "settings", "set", "language", "de") == (
        0,
        "language set to de.\n",
        "",
    )


def test_a_refused_language_is_told_in_the_language_the_shop_keeps(run):
    run("settings", "set", "name", "Boutique Olga")
    assert run("settings", "set", "language", "fr") == (
        2,
        "",
        "error: Die Sprache muss de oder en sein.\n",
    )
    run("settings", "set", "language", "en")
    assert run("settings", "set", "language", "fr") == (
        2,
        "",
        "error: The language must be de or en.\n",
    )
