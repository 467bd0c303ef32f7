"""argparse in the shop's language: its own messages ("the following arguments are required",
"usage:", "options") and the help texts of every command and option.

argparse asks `gettext` for each of its messages at the moment it writes one, through the
names `_` and `ngettext` of its module. While the command line is parsed they point at the
program's Translator (`argparse_in`), so that its messages come from the same catalogue as
every other (olga_loyalty/i18n/de.json). The language is `--lang` when given, else the
system's: the shop's own setting is in the database, which is opened only after parsing.
The `error:` prefix of a command-line error is never translated: scripts rely on it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from olga_loyalty.domain.errors import Plural
from olga_loyalty.i18n import N_, Translator

#: argparse's own messages that a person can meet (Python 3.11 to 3.13 word them alike);
#: one that is not here is shown in English.
ARGPARSE_MESSAGES = [
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
    N_("invalid %(type)s value: %(value)r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unexpected option string: %s"),
]
ARGPARSE_PLURALS = [Plural("expected %s argument", "expected %s arguments", 2)]


def chosen_language(argv: Sequence[str]) -> str | None:
    """`--lang de` or `--lang=de` among the arguments, before they are parsed."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--lang="):
            return word.partition("=")[2]
    return None


@contextmanager
def argparse_in(t: Translator) -> Iterator[None]:
    """argparse's messages from the catalogue of `t` while the block runs."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = t.gettext  # type: ignore[attr-defined]
    argparse.ngettext = lambda singular, plural, n: t.gettext(Plural(singular, plural, n))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def translate_help(parser: argparse.ArgumentParser, t: Translator) -> None:
    """Every description and help text of the parser and its subcommands, translated (the
    texts are the `help=` and `description=` strings of cli.py: the catalogue has them)."""
    if parser.description:
        parser.description = t(parser.description)
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = t(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    choice.help = t(choice.help)
            for sub in dict.fromkeys(action.choices.values()):
                translate_help(sub, t)
