"""Every message the program can show has a German translation with the same placeholders."""

import json
from importlib import resources

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.i18n import Translator
from olga_loyalty.i18n.extract import fields_of, messages


def catalogue():
    return json.loads(resources.files("olga_loyalty.i18n").joinpath("de.json").read_text("utf-8"))


def test_every_message_has_a_german_translation():
    german = catalogue()
    missing = sorted(messages() - set(german))
    assert missing == []
    assert all(text.strip() for text in german.values())


def test_placeholders_survive_translation():
    assert [k for k, v in catalogue().items() if fields_of(k) != fields_of(v)] == []


def test_errors_render_in_german_with_translated_labels():
    error = InvalidInput("Please enter the {label}.", field="first_name", label="first name")
    assert error.render(Translator("de").gettext) == "Bitte Vorname eingeben."
    assert str(error) == "Please enter the first name."


def test_money_and_dates_per_locale():
    from datetime import date
    from decimal import Decimal

    de, en = Translator("de"), Translator("en")
    assert de.money(Decimal("1234.50")) == "1.234,50\xa0€"
    assert en.money(Decimal("1234.50")) == "€1,234.50"
    assert de.date(date(2026, 1, 10)) == "10.01.2026"
    assert en.date(date(2026, 1, 10)) == "10/01/2026"


def test_no_stale_translations():
    assert sorted(set(catalogue()) - messages()) == []
