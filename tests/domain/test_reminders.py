"""The reminder rules without a database: settings from text, the texts' placeholders, the
footer, what a server's answer means."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.reminders import (
    DEFAULT_TEXTS,
    FOOTERS,
    PLACEHOLDERS,
    MailSettings,
    ReminderSettings,
    answer_text,
    change_mail,
    change_reminders,
    check_body,
    is_permanent,
    occasion_key,
    render,
)

VALUES = {
    "first_name": "Jördis",
    "points": "1.234",
    "value": "61,70\xa0€",
    "expires_on": "25.06.2026",
    "shop": "Boutique Olga",
    "tier": "Gold",
}


def test_occasion_keys():
    assert occasion_key("birthday", year=2026) == "birthday:2026"
    assert occasion_key("expiring", expires_on=date(2026, 6, 25)) == "expiring:2026-06-25"
    assert occasion_key("welcome") == "welcome"


def test_mail_settings_from_text():
    s = MailSettings()
    assert (s.effective_port, s.configured) == (587, False)
    s = change_mail(s, "host", " SMTP.Example.DE ")
    s = change_mail(s, "security", "SSL")
    s = change_mail(s, "sender", "  Boutique   Olga <olga@EXAMPLE.de> ")
    assert (s.host, s.effective_port, s.sender, s.configured) == (
        "smtp.example.de",
        465,
        "Boutique Olga <olga@example.de>",
        True,
    )
    assert s.reply_address == "olga@example.de"
    s = change_mail(s, "reply_to", "kasse@example.de")
    assert s.reply_address == "kasse@example.de"
    assert change_mail(s, "port", "").port is None
    bad = [
        ("port", "0", "mail.port must be a whole number from 1 to 65535, not '0'."),
        ("port", "25x", "mail.port must be a whole number from 1 to 65535, not '25x'."),
        # str.isdigit takes these: '²' crashed the command ("unexpected error"), '２５' was kept
        ("port", "²", "mail.port must be a whole number from 1 to 65535, not '²'."),
        ("port", "２５", "mail.port must be a whole number from 1 to 65535, not '２５'."),
        ("security", "tls", "The security setting must be none, starttls or ssl."),
        ("host", "smtp example.de", "'smtp example.de' is not a server name like smtp.example.de."),
        (
            "sender",
            "Olga <olga@",
            "'Olga <olga@' is not a sender like Boutique Olga <olga@example.de>.",
        ),
        ("sender", "olga", "'olga' is not an email address (like name@example.com)."),
        (
            "rate_per_minute",
            "0",
            "mail.rate_per_minute must be a whole number from 1 to 1000, not '0'.",
        ),
        ("user", "olga\x00", "'olga\u2400' is not a user name for the mail account."),
    ]
    for key, value, message in bad:
        with pytest.raises(InvalidInput) as error:
            change_mail(s, key, value)
        assert str(error.value) == message
    with pytest.raises(InvalidInput, match="Unknown setting 'mail.password'"):
        change_mail(s, "password", "secret")  # never a setting: keyring or environment


def test_reminder_settings_from_text():
    r = ReminderSettings()
    assert (r.send, r.expiring_days, r.welcome_days) == (False, 14, 2)
    assert all(r.enabled(kind) for kind in ("birthday", "expiring", "welcome"))
    r = change_reminders(r, "send", "an")
    r = change_reminders(r, "welcome.enabled", "off")
    r = change_reminders(r, "expiring.days", "10")
    assert (r.send, r.enabled("welcome"), r.expiring_days) == (True, False, 10)
    assert ReminderSettings.from_dict(r.to_dict()) == r
    with pytest.raises(InvalidInput, match="'vielleicht' is neither on nor off."):
        change_reminders(r, "send", "vielleicht")
    with pytest.raises(InvalidInput, match="from 1 to 180"):
        change_reminders(r, "expiring.days", "0")
    with pytest.raises(InvalidInput, match="The language must be de or en."):
        change_reminders(r, "birthday.subject.fr", "Bon anniversaire")


def test_a_changed_text_and_back_to_the_default():
    r = change_reminders(ReminderSettings(), "birthday.subject.de", "Für {first_name} 🎂")
    assert r.text("birthday", "de") == ("Für {first_name} 🎂", DEFAULT_TEXTS["de"]["birthday"][1])
    assert r.text("birthday", "en") == DEFAULT_TEXTS["en"]["birthday"]
    r = change_reminders(r, "birthday.subject.de", "")
    assert r.texts == {} and r.is_default("birthday", "de")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hallo {vorname}", "'{vorname}' is not a placeholder"),
        ("Hallo {first_name.__class__}", "'{first_name.__class__}' is not a placeholder"),
        # named exactly as typed (before: "'{points}'" and "'{first_name}' is not a
        # placeholder", which read as if the placeholder itself were unknown)
        ("{points:>10}", "'{points:>10}' is not a placeholder"),
        ("Hallo {first_name!r}", "'{first_name!r}' is not a placeholder"),
        ("Hallo {first_name!s:^9}", "'{first_name!s:^9}' is not a placeholder"),
        ("Hallo {first_name", "The text has a brace that is not part of a placeholder"),
        ("Hallo }", "The text has a brace that is not part of a placeholder"),
        ("Hallo\x07", "The mail text contains control characters."),
        ("x" * 5001, "A mail text has at most 5000 characters."),
    ],
)
def test_bad_texts_are_refused_in_words(text, message):
    with pytest.raises(InvalidInput) as error:
        check_body(text)
    assert str(error.value).startswith(message)


def test_every_default_text_renders_and_ends_with_how_to_stop():
    for language, kinds in DEFAULT_TEXTS.items():
        for kind in kinds:
            mail = render(ReminderSettings(), kind, language, VALUES)
            assert "{" not in mail.subject + mail.body
            assert mail.body.endswith(FOOTERS[language].format(shop="Boutique Olga") + "\n")
    assert render(ReminderSettings(), "expiring", "de", VALUES).subject == (
        "Ihre Bonuspunkte verfallen am 25.06.2026"
    )


pieces = st.lists(
    st.one_of(
        st.sampled_from(["{" + name + "}" for name in PLACEHOLDERS]),
        st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="{}")),
        st.just("{{"),
        st.just("}}"),
    ),
    max_size=12,
)


@given(pieces)
def test_any_text_that_passes_the_check_renders_with_every_value_in_place(parts):
    text = "".join(parts)
    try:
        body = check_body(text)
    except InvalidInput as error:  # only too long, or a lone brace from "{{" + "}" splits
        assert "at most" in str(error) or "brace" in str(error)
        return
    r = ReminderSettings(texts={"de": {"welcome": ("Hallo", body)}})
    mail = render(r, "welcome", "de", VALUES)
    for part in parts:
        if part.startswith("{") and part not in ("{{",):
            assert VALUES[part[1:-1]] in mail.body


def test_what_a_server_answer_means():
    assert is_permanent(550) and is_permanent(554)
    assert not is_permanent(450) and not is_permanent(None)
    assert answer_text(550, b"5.1.1 <a@b.de>:\r\n user unknown\x1b[31m") == (
        "550 5.1.1 <a@b.de>: user unknown\u241b[31m"
    )
