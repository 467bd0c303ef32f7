"""What a driver's error means, in words of the shop's language (found by a tester: a German
message ended in SQLite's English "database is locked" when another program held the file)."""

from __future__ import annotations

import sqlite3

import pytest

from olga_loyalty.domain.errors import StorageError
from olga_loyalty.i18n import Translator
from olga_loyalty.storage.sql import failure_reason


@pytest.mark.parametrize(
    ("driver", "english", "german"),
    [
        (
            "database is locked",
            "another program is using the database; please try again in a moment",
            "ein anderes Programm benutzt die Datenbank gerade; bitte gleich noch einmal versuchen",
        ),
        ("database or disk is full", "the disk is full", "der Datenträger ist voll"),
        (
            "attempt to write a readonly database",
            "the file is read-only",
            "die Datei ist schreibgeschützt",
        ),
        (
            "unable to open database file",
            "the file cannot be opened",
            "die Datei lässt sich nicht öffnen",
        ),
        (
            "file is not a database",
            "the file is not an Olga Loyalty database or is damaged",
            "die Datei ist keine Olga-Loyalty-Datenbank oder ist beschädigt",
        ),
        # a tester: the German message ended in libpq's English, with ␊␉ for its line breaks
        (
            'connection to server at "127.0.0.1", port 49531 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?",
            "the database server does not answer (is it running, and the network up?)",
            "der Datenbankserver antwortet nicht (läuft er, und ist das Netzwerk verbunden?)",
        ),
        (
            "server closed the connection unexpectedly\n\tThis probably means the server "
            "terminated abnormally",
            "the database server does not answer (is it running, and the network up?)",
            "der Datenbankserver antwortet nicht (läuft er, und ist das Netzwerk verbunden?)",
        ),
    ],
)
def test_a_drivers_error_in_words_of_each_language(driver, english, german):
    reason = failure_reason(sqlite3.OperationalError(driver))
    assert reason == english
    error = StorageError(
        "Cannot open the database {location}: {reason}", location="/x/l.db", reason=reason
    )
    assert error.render() == f"Cannot open the database /x/l.db: {english}"
    shown = error.render(Translator("de"))
    assert shown.endswith(f": {german}") and driver not in shown


def test_an_unknown_error_is_shown_as_the_driver_says_it():
    assert failure_reason(sqlite3.OperationalError("no such table: x")) == "no such table: x"
