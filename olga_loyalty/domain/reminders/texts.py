"""The texts of reminder mails: the owner's own or the defaults, in German and English, with
their placeholders checked, and the footer every reminder carries."""

from __future__ import annotations

import string
import unicodedata

from olga_loyalty.domain.errors import Count, InvalidInput, Plural

KINDS = ("birthday", "expiring", "welcome")
LANGUAGES = ("de", "en")
PLACEHOLDERS = ("first_name", "points", "value", "expires_on", "shop", "tier")
SUBJECT_MAX = 200
BODY_MAX = 5000

DEFAULT_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "de": {
        "birthday": (
            "Alles Gute zum Geburtstag, {first_name}!",
            "Hallo {first_name},\n\n"
            "herzlichen Glückwunsch zum Geburtstag! Zu Ihrem Ehrentag schenken wir Ihnen "
            "{points} Bonuspunkte im Wert von {value}, gültig bis zum {expires_on}. "
            "Nennen Sie beim nächsten Einkauf einfach Ihre Telefonnummer an der Kasse.\n\n"
            "Wir freuen uns auf Ihren Besuch!\n"
            "Ihr Team von {shop}",
        ),
        "expiring": (
            "Ihre Bonuspunkte verfallen am {expires_on}",
            "Hallo {first_name},\n\n"
            "am {expires_on} verfallen {points} Ihrer Bonuspunkte im Wert von {value}. "
            "Lösen Sie sie bis dahin bei Ihrem nächsten Einkauf ein: Nennen Sie an der Kasse "
            "einfach Ihre Telefonnummer.\n\n"
            "Wir freuen uns auf Ihren Besuch!\n"
            "Ihr Team von {shop}",
        ),
        "welcome": (
            "Willkommen im Bonusprogramm von {shop}",
            "Hallo {first_name},\n\n"
            "schön, dass Sie dabei sind! Zur Begrüßung haben wir Ihnen {points} Bonuspunkte "
            "im Wert von {value} gutgeschrieben, gültig bis zum {expires_on}.\n\n"
            "So funktioniert es: Bei jedem Einkauf sammeln Sie Punkte, die Sie bei einem "
            "späteren Einkauf einlösen. Eine Karte brauchen Sie nicht, nennen Sie an der Kasse "
            "einfach Ihre Telefonnummer. Je mehr Sie im Jahr einkaufen, desto höher Ihre Stufe "
            "und desto mehr Punkte sammeln Sie; Ihre Stufe jetzt: {tier}.\n\n"
            "Bis bald!\n"
            "Ihr Team von {shop}",
        ),
    },
    "en": {
        "birthday": (
            "Happy birthday, {first_name}!",
            "Hello {first_name},\n\n"
            "happy birthday! For your special day we give you {points} bonus points worth "
            "{value}, valid until {expires_on}. Just give your phone number at the till on "
            "your next visit.\n\n"
            "We look forward to seeing you!\n"
            "The team of {shop}",
        ),
        "expiring": (
            "Your bonus points expire on {expires_on}",
            "Hello {first_name},\n\n"
            "{points} of your bonus points, worth {value}, expire on {expires_on}. Use them "
            "on your next purchase before then: just give your phone number at the till.\n\n"
            "We look forward to seeing you!\n"
            "The team of {shop}",
        ),
        "welcome": (
            "Welcome to the bonus programme of {shop}",
            "Hello {first_name},\n\n"
            "welcome! As a thank-you for joining we have given you {points} bonus points "
            "worth {value}, valid until {expires_on}.\n\n"
            "How it works: every purchase earns points that you use on a later purchase. You "
            "need no card, just give your phone number at the till. The more you buy in a "
            "year, the higher your tier and the more points you earn; your tier now: {tier}.\n\n"
            "See you soon!\n"
            "The team of {shop}",
        ),
    },
}

#: Always added under a reminder, whatever the owner's text says (UWG §7: every mail says
#: how to stop them). The reply word is also the subject of the List-Unsubscribe address.
FOOTERS = {
    "de": (
        "-- \n"
        "Sie erhalten diese E-Mail, weil Sie zugestimmt haben, E-Mails von {shop} zu "
        "erhalten. Keine E-Mails mehr? Antworten Sie einfach mit „Abmelden“ oder sagen Sie "
        "es uns im Laden."
    ),
    "en": (
        "-- \n"
        "You receive this email because you agreed to receive emails from {shop}. No more "
        "emails? Just reply with “Unsubscribe” or tell us in the shop."
    ),
}
UNSUBSCRIBE_WORD = {"de": "Abmelden", "en": "Unsubscribe"}

TEST_TEXTS = {
    "de": (
        "Testnachricht von Olga Loyalty",
        "Diese Testnachricht zeigt, dass {shop} Erinnerungen über den Mailserver {host} "
        "versenden kann.\n\nAbsender: {sender}\nAntworten an: {reply_to}",
    ),
    "en": (
        "Test message from Olga Loyalty",
        "This test message shows that {shop} can send reminders through the mail server "
        "{host}.\n\nSender: {sender}\nReplies to: {reply_to}",
    ),
}


def check_template(text: str, *, field: str) -> str:
    """Every `{...}` must be one of the placeholders; a literal brace is `{{` or `}}`."""
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            "The text has a brace that is not part of a placeholder; the placeholders are "
            "{known} (write {{{{ or }}}} for a brace itself).",
            field=field,
            known=known,
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise InvalidInput(
                "'{name}' is not a placeholder; the placeholders are {known}.",
                field=field,
                # exactly as typed: `{first_name!r}` and `{name:>10}` are named so
                name="{"
                + (name or "")
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}",
                known=known,
            )
    return text


def _control_in(text: str, allowed: str = "") -> bool:
    """Control characters (a bell, an escape); other unusual letters and spaces are text."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def check_subject(text: str) -> str:
    text = " ".join(text.split())
    if _control_in(text):
        raise InvalidInput("The subject contains control characters.", field="subject")
    if len(text) > SUBJECT_MAX:
        raise InvalidInput(
            Plural(
                "A subject has at most {maximum} character.",
                "A subject has at most {maximum} characters.",
                SUBJECT_MAX,
            ),
            field="subject",
            maximum=Count(SUBJECT_MAX),
        )
    return check_template(text, field="subject")


def check_body(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if len(text) > BODY_MAX:
        raise InvalidInput(
            Plural(
                "A mail text has at most {maximum} character.",
                "A mail text has at most {maximum} characters.",
                BODY_MAX,
            ),
            field="body",
            maximum=Count(BODY_MAX),
        )
    if _control_in(text, allowed="\n\t"):
        raise InvalidInput("The mail text contains control characters.", field="body")
    return check_template(text, field="body")
