"""The newsletter file's columns (shared/EXPORT_COLUMNS.md): the generic columns, each mailing
tool's headers and order (the presets), the file formats, and which choices go together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from olga_loyalty.domain.errors import InvalidInput
from olga_loyalty.exports.cells import Column

CHANNELS = ("email", "sms")
PRESETS = ("generic", "brevo", "mailchimp", "cleverreach", "rapidmail")
#: xlsx; csv is the upload file (UTF-8, `,`); csv-excel is for reading in Excel (BOM, `;`).
FORMATS = ("xlsx", "csv", "csv-excel")
#: What each tool takes best (EXPORT_COLUMNS.md): Mailchimp imports CSV only, CleverReach
#: and rapidmail recommend CSV.
DEFAULT_FORMAT = {
    "generic": "xlsx",
    "brevo": "xlsx",
    "mailchimp": "csv",
    "cleverreach": "csv",
    "rapidmail": "csv",
}
CSV_ONLY = ("mailchimp",)
EMAIL_ONLY = ("rapidmail",)

# generic header, brevo, mailchimp, kind, width; the rows hold the values in this order
COLUMNS = [
    ("email", "EMAIL", "Email Address", "text", 30),
    ("first_name", "FIRSTNAME", "First Name", "text", 16),
    ("last_name", "LASTNAME", "Last Name", "text", 18),
    ("salutation", "SALUTATION", "Salutation", "text", 10),
    ("phone", "SMS", "Phone Number", "phone", 17),
    ("birthday", "BIRTHDAY", "Birthday", "date", 12),
    ("language", "LANGUAGE", "Language", "text", 9),
    ("tier", "TIER", "Tier", "text", 10),
    ("points", "POINTS", "Points", "int", 8),
    ("points_value", "POINTS_VALUE", "Points Value", "money", 12),
    ("points_expiring", "POINTS_EXPIRING", "Points Expiring", "int", 15),
    ("points_expire_on", "POINTS_EXPIRE_ON", "Points Expire On", "date", 16),
    ("customer_id", "EXT_ID", "Customer ID", "int", 11),
    ("consent_at", "CONSENT_AT", "Consent At", "text", 26),
    ("consent_method", "CONSENT_METHOD", "Consent Method", "text", 15),
    ("consent_text_version", "CONSENT_TEXT_VERSION", "Consent Text Version", "int", 20),
    ("tags", "TAGS", "Tags", "text", 24),
]


GENERIC = [c[0] for c in COLUMNS]
#: CleverReach: its own names for the first five, the rest under the generic names (fields
#: the shop creates once in its list).
CLEVERREACH = {
    "email": "email",
    "first_name": "firstname",
    "last_name": "lastname",
    "salutation": "salutation",
    "birthday": "birthday",
}
#: rapidmail: fixed field names and ten unnamed extra fields; which extra holds what is
#: documented in docs/exports.md.
RAPIDMAIL = [
    ("email", "email"),
    ("firstname", "first_name"),
    ("lastname", "last_name"),
    ("gender", "salutation"),
    ("birthdate", "birthday"),
    ("extra1", "tier"),
    ("extra2", "points"),
    ("extra3", "points_value"),
    ("extra4", "points_expiring"),
    ("extra5", "points_expire_on"),
    ("extra6", "customer_id"),
]
GENDER = {"Frau": "female", "Herr": "male"}


def _mailchimp_birthday(value):
    return value.strftime("%m/%d") if value else None  # Mailchimp takes MM/DD text


def _gender(value):
    return GENDER.get(value or "")


@dataclass(frozen=True)
class PresetColumn:
    column: Column
    source: int  # index into a row of rows()
    convert: Callable | None = None


def preset_columns(preset: str) -> list[PresetColumn]:
    """The columns a preset writes, in order: header, type, and where the value comes from."""
    spec = {c[0]: c for c in COLUMNS}
    if preset in ("generic", "brevo", "mailchimp"):
        picks: list[tuple[str, str]] = [(str(c[PRESETS.index(preset)]), c[0]) for c in COLUMNS]
    elif preset == "cleverreach":
        rest = [name for name in GENERIC if name not in CLEVERREACH]
        picks = [(header, name) for name, header in CLEVERREACH.items()]
        picks += [(name, name) for name in rest]
    elif preset == "rapidmail":
        picks = RAPIDMAIL
    else:
        raise ValueError(preset)
    out = []
    for header, name in picks:
        _, _, _, kind, width = spec[name]
        convert = None
        if preset == "mailchimp" and name == "birthday":
            kind, convert = "text", _mailchimp_birthday
        elif preset == "rapidmail" and name == "salutation":
            convert = _gender
        out.append(PresetColumn(Column(header, kind, width), GENERIC.index(name), convert))
    return out


def check_choice(channel: str, preset: str, file_format: str | None) -> str:
    """The format to write (the preset's own when none is asked for), or why not."""
    if preset not in PRESETS:
        raise InvalidInput(
            "The mailing tool must be one of {choices}.", field="preset", choices=", ".join(PRESETS)
        )
    file_format = file_format or DEFAULT_FORMAT[preset]
    if file_format not in FORMATS:
        raise InvalidInput(
            "The format must be one of {choices}.", field="format", choices=", ".join(FORMATS)
        )
    if preset in CSV_ONLY and file_format == "xlsx":
        raise InvalidInput("Mailchimp imports CSV files only: use --format csv.", field="format")
    if preset in EMAIL_ONLY and channel == "sms":
        raise InvalidInput(
            "rapidmail sends email only: export SMS contacts with another mailing tool.",
            field="preset",
        )
    return file_format
