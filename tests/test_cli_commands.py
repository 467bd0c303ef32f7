"""The command line's shape (olga_loyalty/cli/): every command reaches a handler that takes
the context and the arguments, registered next to its parser in its group's module."""

from __future__ import annotations

import argparse
import inspect

from olga_loyalty.cli import CREATES_DATABASE, build_parser


def leaves(parser: argparse.ArgumentParser, path=()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sub in subs[0].choices.items():
        yield from leaves(sub, (*path, name))


def test_every_command_has_a_handler_of_the_context_and_the_arguments():
    found = dict(leaves(build_parser()))
    assert len(found) == 39
    for path, parser in found.items():
        handler = parser.get_default("handler")
        assert handler is not None, path
        assert list(inspect.signature(handler).parameters) in (["ctx", "args"], ["where", "args"])
        group = handler.__module__.rpartition(".")[2]
        assert group in {"customers", "card", "points", "report", "feedback", "files"} | {
            "reminders",
            "admin",
        }, path
    # only `paths` and `shortcut` run without opening the database
    assert sorted(
        p for p, parser in found.items() if parser.get_default("opens_shop") is False
    ) == [
        ("paths",),
        ("shortcut",),
    ]


def test_every_command_that_can_start_a_shop_exists():
    found = {path for path, _ in leaves(build_parser())}
    for command, action in CREATES_DATABASE - {(None, None)}:
        assert (command,) in found or (command, action) in found, (command, action)
