"""argparse's own messages come from the catalogue (issue 15), with their %-placeholders intact."""

import argparse
import inspect
import json
import re
from importlib import resources

from olga_loyalty.cli import main
from olga_loyalty.cli.argparse_texts import ARGPARSE_MESSAGES, ARGPARSE_PLURALS, chosen_language

PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sr]")


def german():
    return json.loads(resources.files("olga_loyalty.i18n").joinpath("de.json").read_text("utf-8"))


def test_every_argparse_message_is_argparses_own_and_keeps_its_placeholders():
    source = inspect.getsource(argparse)
    catalogue = german()
    for message in ARGPARSE_MESSAGES:
        assert repr(message)[1:-1] in source or message in source, message
        assert sorted(PLACEHOLDER.findall(catalogue[message])) == sorted(
            PLACEHOLDER.findall(message)
        ), message
    for plural in ARGPARSE_PLURALS:
        assert plural.singular in source and plural.plural in source
        for form in catalogue[plural.singular].values():
            assert PLACEHOLDER.findall(form) == ["%s"]


def test_the_language_is_read_before_parsing():
    assert chosen_language(["--lang", "de", "show"]) == "de"
    assert chosen_language(["--lang=en", "show"]) == "en"
    assert chosen_language(["show", "--", "--lang", "de"]) is None
    assert chosen_language(["show"]) is None


def test_argparse_is_left_as_it_was(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(tmp_path / "x.db"))
    before = (argparse._, argparse.ngettext)
    assert main(["--lang", "de", "show"]) == 2
    assert capsys.readouterr().err.startswith("error: diese Angaben fehlen")
    assert (argparse._, argparse.ngettext) == before
    assert argparse._("usage: ") == "usage: "
