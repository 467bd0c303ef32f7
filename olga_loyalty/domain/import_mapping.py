"""Which column of an imported customer list holds what (SPEC §7): a pure rule.

The header words are German and English (and a few French), compared without case,
umlauts, spaces or punctuation; `--map COLUMN=FIELD` (the import screen's mapping field)
overrides a guess. Used by the import service, the command line and the import screen.
"""

from __future__ import annotations

import re

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.domain.text import is_digits

#: The fields a column can be mapped to ("ignore": the column is not read).
FIELDS = (
    "first_name",
    "last_name",
    "name",
    "phone",
    "email",
    "birthday",
    "salutation",
    "notes",
    "points",
    "consent_data",
    "consent_email",
    "consent_sms",
    "ignore",
)
#: Each field's header words, as `header_key` folds them.
HEADER_WORDS: dict[str, list[str]] = {
    "first_name": ["vorname", "firstname", "first", "givenname", "prenom", "rufname"],
    "last_name": ["nachname", "lastname", "surname", "familienname", "last", "zuname"],
    "name": ["name", "kunde", "kundin", "fullname", "kundenname", "vollstaendigername"],
    "phone": [
        "telefon",
        "tel",
        "telefonnummer",
        "handy",
        "mobil",
        "mobile",
        "mobiltelefon",
        "handynummer",
        "mobilnummer",
        "phone",
        "phonenumber",
        "telephone",
        "sms",
        "rufnummer",
    ],
    "email": ["email", "mail", "emailadresse", "emailaddress", "mailadresse"],
    "birthday": [
        "geburtstag",
        "geburtsdatum",
        "birthday",
        "dateofbirth",
        "dob",
        "geb",
        "birthdate",
    ],
    "salutation": ["anrede", "salutation", "title", "titel"],
    "notes": ["notiz", "notizen", "bemerkung", "bemerkungen", "notes", "note", "kommentar", "info"],
    "points": ["punkte", "points", "bonuspunkte", "punktestand", "bonus", "balance", "guthaben"],
    "consent_data": [
        "einwilligung",
        "datenschutz",
        "einwilligungdaten",
        "dsgvo",
        "consent",
        "dataconsent",
        "datenverarbeitung",
    ],
    "consent_email": [
        "newsletter",
        "emaileinwilligung",
        "newslettereinwilligung",
        "emailconsent",
        "emailoptin",
        "optin",
        "werbungemail",
    ],
    "consent_sms": ["smseinwilligung", "smsconsent", "whatsapp", "smsoptin", "werbungsms"],
}
#: What a yes/no column (a consent) says for "yes".
TRUE_WORDS = {"ja", "j", "yes", "y", "x", "1", "true", "wahr", "✓", "✔", "ok"}
#: What a consent column says for "no": such a row has no consent, whatever else was given.
FALSE_WORDS = {"nein", "n", "no", "0", "false", "falsch", "✗", "✘", "-"}


def header_key(header: str) -> str:
    """A header as compared with the header words: lower case, umlauts spelled out, only
    letters and digits."""
    folded = (
        header.casefold()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
    )
    return re.sub(r"[^a-z0-9]", "", folded.replace("é", "e"))


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field, from the header words; unknown columns are ignored."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(str(header))
        for field_name, words in HEADER_WORDS.items():
            if field_name not in taken and key in words:
                mapping[index] = field_name
                taken.add(field_name)
                break
    if "name" in taken and "first_name" in taken and "last_name" not in taken:
        index = next(i for i, f in mapping.items() if f == "name")
        mapping[index] = "last_name"  # "Vorname" + "Name": Name is the surname
    return mapping


def apply_overrides(
    headers: list[str], mapping: dict[int, str], overrides: list[str]
) -> dict[int, str]:
    """`--map COL=FIELD`: COL is a header or a column letter/number; FIELD one of FIELDS."""
    result = dict(mapping)
    for item in overrides:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip().lower()
        if not sep or target not in FIELDS:
            raise InvalidInput(
                "Write a mapping as COLUMN=FIELD, FIELD one of {fields}; not '{item}'.",
                field="map",
                fields=", ".join(FIELDS),
                item=item[:60],
            )
        index = column_index(headers, column)
        for other, name in list(result.items()):
            if name == target and other != index and target != "ignore":
                del result[other]
        if target == "ignore":
            result.pop(index, None)
        else:
            result[index] = target
    return result


def column_index(headers: list[str], column: str) -> int:
    """A column named by its header, its number (1 is the first) or its letter (A, AB)."""
    for index, header in enumerate(headers):
        if str(header).strip().casefold() == column.casefold():
            return index
    if is_digits(column) and 1 <= int(column) <= len(headers):
        return int(column) - 1
    if re.fullmatch(r"[A-Za-z]{1,2}", column):
        number = 0
        for ch in column.upper():
            number = number * 26 + ord(ch) - 64
        if number <= len(headers):
            return number - 1
    raise InvalidInput("The file has no column '{column}'.", field="map", column=column[:40])


def split_name(full: str) -> tuple[str, str]:
    """`Anna Müller` → (Anna, Müller); `Müller, Anna` → (Anna, Müller); `Anna Maria von Berg`
    → (Anna Maria, von Berg)."""
    text = " ".join(full.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    if len(words) == 1:
        return "", words[0]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in (
        "von",
        "van",
        "de",
        "der",
        "den",
        "zu",
        "da",
        "di",
        "del",
    ):
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])
