"""The open shop: its database, its clock and its settings, passed to every service."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path

import peewee

from olga_loyalty.config import Clock
from olga_loyalty.domain.errors import InvalidInput, StorageError
from olga_loyalty.domain.points import Programme
from olga_loyalty.domain.text import check_typed
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import (
    close_database,
    is_sqlite,
    open_database,
    repair_sequences,
    write_action,
)
from olga_loyalty.storage.models import ConsentText, Setting

CURRENCIES = ("EUR", "CHF", "GBP", "USD", "PLN", "CZK", "DKK", "SEK", "NOK")
PURPOSES = ("data_processing", "email", "sms")
CONSENT_METHODS = ("paper_signed", "verbal", "digital")
#: The settings a `Shop` caches; each write of one (and each new consent text) also writes a
#: new `settings_stamp`, so every till notices a change made elsewhere (`Shop.refresh`).
CACHED_SETTINGS = ("programme", "shop", "staff")
SETTINGS_STAMP = "settings_stamp"
_UNREAD = object()


@dataclass(frozen=True)
class ShopSettings:
    name: str = ""
    address: str = ""  # one line, for the printed consent form: "Hauptstraße 1, 12345 Berlin"
    region: str = "DE"
    currency: str = "EUR"
    language: str = "de"
    setup_done: bool = False
    theme: str = "dark"  # the screen's look: dark, or light for a bright shop

    @property
    def named(self) -> bool:
        """Set up with a name: by the first-start dialog or `settings set name`. Another
        setting changed first (the theme in the palette, `settings set theme` on a new
        database) marks `setup_done` without a name; the first start still asks for it."""
        return self.setup_done and bool((self.name or "").strip())

    @property
    def locale(self) -> str:
        return f"{self.language}_{self.region}" if self.language == "de" else "en_GB"


#: What the first start's dialog asks (the address and the theme are set in the settings).
SETUP_FIELDS = ("name", "region", "currency", "language")


@dataclass(frozen=True)
class FirstStart:
    """What the first start's dialog saved: the shop's settings as they are stored now, and
    whether they are the ones typed at this till (False: another till, or the command line,
    had set the shop up first, and nothing was written)."""

    settings: ShopSettings
    saved: bool


def validate_shop_settings(settings: ShopSettings) -> ShopSettings:
    import phonenumbers

    name = check_typed(" ".join(settings.name.split()), field="name", label="shop name")
    if len(name) > 80:
        raise InvalidInput("The shop name is too long (at most 80 characters).", field="name")
    address = ", ".join(
        " ".join(line.split()) for line in settings.address.splitlines() if line.strip()
    )
    if len(address) > 120:
        raise InvalidInput("The address is too long (at most 120 characters).", field="address")
    if not address.isprintable():
        raise InvalidInput(
            "The address contains characters that cannot be printed.", field="address"
        )
    region = settings.region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            "'{region}' is not a country code like DE, AT or CH.",
            field="region",
            region=region[:10],
        )
    currency = settings.currency.strip().upper()
    if currency not in CURRENCIES:
        raise InvalidInput(
            "The currency must be one of {choices}.",
            field="currency",
            choices=", ".join(CURRENCIES),
        )
    if settings.language not in ("de", "en"):
        raise InvalidInput("The language must be de or en.", field="language")
    theme = settings.theme.strip().lower()
    if theme not in ("dark", "light"):
        raise InvalidInput("The theme must be dark or light.", field="theme")
    return replace(
        settings, name=name, address=address, region=region, currency=currency, theme=theme
    )


class Shop:
    """Everything a service needs. Settings are cached and re-read after each change: one
    made here at once, one made by another till or the command line when `refresh` next
    sees the settings stamp changed (the services call it at the start of each write
    action that uses the cached settings, the screens when they open a form)."""

    def __init__(self, clock: Clock, location: str = "") -> None:
        self.clock = clock
        self.location = location
        self._programme: Programme | None = None
        self._settings: ShopSettings | None = None
        self._texts: dict[str, ConsentText] | None = None
        self._staff: list[str] | None = None
        self._stamp = _UNREAD

    def refresh(self) -> bool:
        """Re-read the cached settings if they changed anywhere since they were read (one
        read of the settings stamp when nothing changed). True when they were re-read."""
        stamp = read_setting(SETTINGS_STAMP)
        if stamp == self._stamp:
            return False
        # the stamp is read before the settings: a change made between the two is seen
        # again by the next refresh, never missed
        self._programme = self._settings = self._texts = self._staff = None
        self._stamp = stamp
        self.warm()
        return True

    # -- time ------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    # -- settings ----------------------------------------------------------------
    @property
    def programme(self) -> Programme:
        if self._programme is None:
            raw = read_setting("programme")
            self._programme = Programme.from_dict(raw) if raw else Programme()
        return self._programme

    @property
    def settings(self) -> ShopSettings:
        if self._settings is None:
            self._settings = _shop_settings(read_setting("shop") or {})
        return self._settings

    @property
    def region(self) -> str:
        return self.settings.region

    def save_programme(self, programme: Programme) -> Programme:
        write_setting("programme", programme.to_dict())
        self._programme = None
        return self.programme

    def save_settings(self, settings: ShopSettings) -> ShopSettings:
        settings = validate_shop_settings(settings)
        write_setting("shop", asdict(settings))
        self._settings = None
        return self.settings

    def finish_setup(self, typed: ShopSettings) -> FirstStart:
        """The first start's dialog: the shop's name, country, currency and language as typed,
        saved unless the shop was set up elsewhere while the dialog was open (two tills
        started on a new database). Then nothing is written and the stored settings come
        back with `saved` False: the first till to save names the shop (docs/ui.md, "The
        first start")."""
        typed = validate_shop_settings(typed)
        saved = _save_first_settings(typed)
        self._settings = None
        return FirstStart(self.settings, saved)

    def staff_names(self) -> list[str]:
        if self._staff is None:
            self._staff = list(read_setting("staff") or [])
        return list(self._staff)

    def save_staff(self, names: list[str]) -> list[str]:
        cleaned = [
            check_typed(" ".join(n.split())[:80], field="staff", label="staff name") for n in names
        ]
        write_setting("staff", [n for n in dict.fromkeys(cleaned) if n])
        self._staff = None
        return self.staff_names()

    def remember_staff(self, name: str) -> None:
        name = check_typed(" ".join(name.split())[:80], field="staff", label="staff name")
        if name and name not in self.staff_names():
            self.save_staff([*self.staff_names(), name])

    def consent_texts(self) -> dict[str, ConsentText]:
        """The wording shown now, per purpose (cached; re-read after a change)."""
        if self._texts is None:
            self._texts = {p: current_consent_text(p) for p in PURPOSES}
        return dict(self._texts)

    def reset_caches(self) -> Shop:
        self._programme = self._settings = self._texts = self._staff = None
        self._stamp = _UNREAD
        return self.warm()

    def warm(self) -> Shop:
        """Read every cached setting now, so that a screen never waits for the database."""
        _ = self.settings, self.programme
        self.staff_names()
        self.consent_texts()
        return self

    def close(self) -> None:
        close_database()


def _shop_settings(raw: dict) -> ShopSettings:
    known = ShopSettings.__dataclass_fields__
    return ShopSettings(**{k: v for k, v in raw.items() if k in known})


@write_action
def _save_first_settings(typed: ShopSettings) -> bool:
    """In one transaction: read the shop's settings as stored, with their row locked, and
    write the dialog's fields over them only if no one has named the shop yet."""
    stored = _lock_shop_settings()
    if _shop_settings(stored).named:
        return False
    # what was set elsewhere before (the theme chosen in the palette) stays
    settings = replace(
        _shop_settings(stored),
        **{name: getattr(typed, name) for name in SETUP_FIELDS},
        setup_done=True,
    )
    write_setting("shop", asdict(validate_shop_settings(settings)))
    return True


def _lock_shop_settings() -> dict:
    """The stored shop settings, their row locked until the transaction ends: SQLite's write
    lock is already held (BEGIN IMMEDIATE); on PostgreSQL the row is made if missing (a new
    database has none) and locked, so a second till's first start waits here and then reads
    the first one's settings."""
    if not is_sqlite():
        Setting.insert(key="shop", value="{}").on_conflict_ignore().execute()
        row = Setting.select().where(Setting.key == "shop").for_update().get()
        return json.loads(row.value)
    return read_setting("shop") or {}


def read_setting(key: str):
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else None


@write_action
def write_setting(key: str, value) -> None:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    (
        Setting.insert(key=key, value=text)
        .on_conflict(conflict_target=[Setting.key], update={Setting.value: text})
        .execute()
    )
    if key in CACHED_SETTINGS:
        stamp_settings()


def stamp_settings() -> None:
    """A new settings stamp (random: two tills' changes never write the same one), in the
    transaction of the change it marks."""
    import uuid

    text = json.dumps(uuid.uuid4().hex)
    (
        Setting.insert(key=SETTINGS_STAMP, value=text)
        .on_conflict(conflict_target=[Setting.key], update={Setting.value: text})
        .execute()
    )


def current_consent_text(purpose: str) -> ConsentText:
    return (
        ConsentText.select()
        .where(ConsentText.purpose == purpose)
        .order_by(ConsentText.version.desc())
        .get()
    )


@write_action
def new_consent_text(shop: Shop, purpose: str, text: str) -> ConsentText:
    """A changed wording is a new version; old versions stay, for the records that cite them."""
    if purpose not in PURPOSES:
        raise InvalidInput("Unknown consent purpose '{purpose}'.", purpose=purpose[:30])
    text = check_typed(text.strip(), field="text", label="consent text", multiline=True)
    if not text or len(text) > 5000:
        raise InvalidInput("A consent text must have 1 to 5000 characters.", field="text")
    current = current_consent_text(purpose)
    if current.text == text:
        return current
    created = ConsentText.create(
        purpose=purpose, version=current.version + 1, text=text, created_at=shop.now()
    )
    stamp_settings()
    shop._texts = None
    return created


def open_shop(location: str, clock: Clock, *, migrate: bool = True) -> Shop:
    """Open the database, bring its schema up to date, and return the shop."""
    db = open_database(location)
    try:
        version = migrations.current_version(db)
    except peewee.DatabaseError as exc:
        close_database()
        raise StorageError(
            "Cannot read the database {location}: {reason}", location=location, reason=str(exc)
        ) from None
    if version > migrations.LATEST:
        close_database()
        raise StorageError(
            "The database {location} was written by a newer version of Olga Loyalty "
            "(schema {version}); please update the program.",
            location=location,
            version=version,
        )
    if migrate and 0 < version < migrations.LATEST and isinstance(db, peewee.SqliteDatabase):
        from olga_loyalty.storage.backup import make_backup  # only before a migration

        make_backup(Path(db.database), clock.now().astimezone().replace(tzinfo=None), "migration")
    if migrate and version < migrations.LATEST:
        try:
            migrations.migrate(clock, db)
        except peewee.DatabaseError as exc:
            close_database()
            raise StorageError(
                "Cannot prepare the database {location}: {reason}",
                location=location,
                reason=str(exc),
            ) from None
    if not isinstance(db, peewee.SqliteDatabase):
        # An interrupted `demo` or copy, or rows written by another tool, can leave an id
        # sequence behind its table: set it past the highest id before anyone registers.
        repair_sequences()
    shop = Shop(clock, location)
    if migrate:
        # Imported here, not with this module: what it loads (the ledger, the erasure
        # journal's files) is not needed before the first screen (start-up speed).
        from olga_loyalty.services import erasure

        erasure.resume(shop)  # a restore cut short by a crash: no one erased comes back
    return shop.warm()
