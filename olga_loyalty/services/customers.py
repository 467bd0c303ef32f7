"""Registering and editing customers, consent records and erasure (the write actions on a
customer). Finding (services/lookup.py, services/search.py) and the card (services/card.py)
live beside it; their public names are importable from here too, as before issue 18."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from peewee import IntegrityError

from olga_loyalty.domain.adjustments import clean_staff
from olga_loyalty.domain.customers import (
    CustomerFields,
    CustomerInput,
    clean_name,
    clean_notes,
    consent_problems,
    normalize_email,
    normalize_phone,
    normalize_salutation,
    parse_birthday,
    phone_for_display,
    validate_customer,
)
from olga_loyalty.domain.errors import InvalidInput, NotFound, Refused
from olga_loyalty.domain.points import expiry_date
from olga_loyalty.services import erasure
from olga_loyalty.services.card import (
    SPREAD_KINDS,
    ConsentState,
    CustomerCard,
    HistoryRow,
    card,
    consent_records,
    consent_states,
    history,
)
from olga_loyalty.services.erasure import keyed_digest
from olga_loyalty.services.labels import PURPOSE_LABELS
from olga_loyalty.services.lookup import resolve
from olga_loyalty.services.search import (
    SEARCH_LIMIT,
    SearchHit,
    TodayContext,
    birthdays_today,
    find,
    latest_served,
    today_context,
)
from olga_loyalty.services.shop import CONSENT_METHODS, PURPOSES, Shop, current_consent_text
from olga_loyalty.storage import ledger
from olga_loyalty.storage.db import write_action
from olga_loyalty.storage.models import Consent, Customer, CustomerChange, Suppression, database
from olga_loyalty.storage.search import search_columns

__all__ = [
    "EDITABLE",
    "SEARCH_LIMIT",
    "SPREAD_KINDS",
    "ConsentState",
    "CustomerCard",
    "HistoryRow",
    "Registration",
    "SearchHit",
    "TodayContext",
    "birthdays_today",
    "card",
    "change_history",
    "consent_records",
    "consent_states",
    "edit",
    "erase",
    "find",
    "give_consent",
    "history",
    "latest_served",
    "register",
    "resolve",
    "today_context",
    "withdraw_consent",
]


def _check_unique(
    shop: Shop, phone: str | None, email: str | None, exclude_id: int | None = None
) -> None:
    if phone:
        other = Customer.get_or_none(Customer.phone == phone)
        if other is not None and other.id != exclude_id:
            raise InvalidInput(
                "The phone number {phone} is already registered to {name} (#{id}).",
                field="phone",
                phone=phone_for_display(phone, shop.region),  # as the lists show it
                name=f"{other.first_name} {other.last_name}",
                id=other.id,
            )
    if email:
        other = Customer.get_or_none(Customer.email_key == email.lower())
        if other is not None and other.id != exclude_id:
            raise InvalidInput(
                "The email {email} is already registered to {name} (#{id}).",
                field="email",
                email=email,
                name=f"{other.first_name} {other.last_name}",
                id=other.id,
            )


@dataclass(frozen=True)
class Registration:
    customer: Customer
    welcome_points: int
    welcome_expires_on: date | None


@write_action
def register(
    shop: Shop,
    data: CustomerInput,
    *,
    consents: set[str],
    method: str = "paper_signed",
    staff: str = "",
    referred_by: str | None = None,
    language: str | None = None,
    source: str = "",
    texts_shown: dict[str, int] | None = None,
) -> Registration:
    """A new customer with consent records and the welcome bonus, in one transaction.

    Each consent is recorded with the consent text current now. A form passes the versions
    it showed as `texts_shown` (purpose → version): if a text she agrees to has changed since
    (on another till or the command line), the registration is refused in words and nothing
    is written — she cannot agree to a wording she was never shown."""
    shop.refresh()
    values = validate_customer(data, region=shop.region, today=shop.today())
    unknown = set(consents) - set(PURPOSES)
    if unknown:
        raise InvalidInput("Unknown consent purpose '{purpose}'.", purpose=sorted(unknown)[0])
    if "data_processing" not in consents:
        raise InvalidInput(
            "Registration needs the customer's consent to data processing for the bonus programme.",
            field="consent_data",
        )
    if method not in CONSENT_METHODS:
        raise InvalidInput(
            "The consent method must be paper_signed, verbal or digital.", field="consent_method"
        )
    for problem in consent_problems(
        consents, email=values.email, phone=values.phone, region=shop.region
    ).values():
        raise problem  # email consent needs an email address, SMS consent a mobile number
    if texts_shown is not None:
        _check_texts_shown(consents, texts_shown)
    referrer = None
    if referred_by:
        try:
            referrer = resolve(shop, referred_by)
        except (NotFound, InvalidInput):
            raise InvalidInput(
                "The referring customer '{ref}' was not found.",
                field="referred_by",
                ref=str(referred_by)[:40],
            ) from None
    _check_unique(shop, values.phone, values.email)
    staff = clean_staff(staff)
    now, today, programme = shop.now(), shop.today(), shop.programme
    try:
        # A savepoint: on PostgreSQL a failed statement spoils the rest of the transaction, so
        # the check below must run after rolling back just this insert.
        with database.atomic():
            customer = Customer.create(
                first_name=values.first_name,
                last_name=values.last_name,
                salutation=values.salutation,
                phone=values.phone,
                email=values.email or None,
                birthday=values.birthday,
                notes=values.notes,
                language=language or shop.settings.language,
                referred_by=referrer.id if referrer else None,
                registered_at=now,
                registered_by=staff,
                **search_columns(values),
            )
    except IntegrityError:  # another till registered the same phone a moment ago
        _check_unique(shop, values.phone, values.email)
        raise
    for purpose in PURPOSES:
        if purpose in consents:
            _give(customer.id, purpose, method, staff, now, source)
    welcome = programme.welcome_points if programme.earning_open(today) else 0
    expires = None
    if welcome > 0:
        expires = expiry_date(today, programme.welcome_validity_days)
        ledger.award(
            customer.id,
            "welcome",
            welcome,
            today=today,
            expires_on=expires,
            now=now,
            staff=staff,
            reason="welcome bonus",
        )
    return Registration(customer, welcome, expires)


EDITABLE = ("first_name", "last_name", "phone", "email", "salutation", "birthday", "notes")


@write_action
def edit(shop: Shop, ref: str | int, changes: CustomerInput, *, staff: str = "") -> list[str]:
    """Change the given fields (None = unchanged); each change is kept in the history."""
    shop.refresh()
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    checks = {
        "first_name": lambda v: clean_name(v, field="first_name", label="first name"),
        "last_name": lambda v: clean_name(v, field="last_name", label="last name"),
        "phone": lambda v: normalize_phone(v, shop.region),
        "email": lambda v: normalize_email(v),
        "salutation": lambda v: normalize_salutation(v),
        "birthday": lambda v: parse_birthday(v, shop.today()),
        "notes": lambda v: clean_notes(v),
    }
    new_values = {}
    for f in fields(changes):
        raw = getattr(changes, f.name)
        if raw is not None:
            new_values[f.name] = checks[f.name](raw)
    current = {name: getattr(customer, name) for name in EDITABLE}
    current["email"] = current["email"] or ""
    merged = {**current, **new_values}
    changed = [name for name in EDITABLE if merged[name] != current[name]]
    if not changed:
        return []
    _check_contacts_for_consents(shop, customer.id, merged, changed)
    _check_unique(
        shop,
        merged["phone"] if "phone" in changed else None,
        merged["email"] if "email" in changed else None,
        exclude_id=customer.id,
    )
    now, staff = shop.now(), clean_staff(staff)
    for name in changed:
        CustomerChange.create(
            customer=customer.id,
            field=name,
            old_value=_as_text(current[name]),
            new_value=_as_text(merged[name]),
            changed_at=now,
            changed_by=staff,
        )
    update = {name: merged[name] for name in changed}
    if "email" in update:
        update["email"] = update["email"] or None
    update.update(search_columns(CustomerFields(**merged)))
    Customer.update(**update).where(Customer.id == customer.id).execute()
    return changed


def _check_contacts_for_consents(shop: Shop, customer_id: int, merged: dict, changed) -> None:
    """An edit may not take away what an active marketing consent needs: the email address
    of an email consent, a mobile number for an SMS consent (withdraw the consent first)."""
    if "email" not in changed and "phone" not in changed:
        return
    active = {p for p, state in consent_states(customer_id).items() if state.active}
    problems = consent_problems(
        active, email=merged["email"], phone=merged["phone"], region=shop.region
    )
    if "consent_email" in problems and "email" in changed:
        raise InvalidInput(
            "She has consented to newsletters by email: withdraw that consent before "
            "removing her email address.",
            field="email",
        )
    if "consent_sms" in problems and "phone" in changed:
        raise InvalidInput(
            "She has consented to offers by SMS: the new number must be a mobile number "
            "(or withdraw that consent first).",
            field="phone",
        )


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def change_history(customer_id: int) -> list[CustomerChange]:
    return list(
        CustomerChange.select()
        .where(CustomerChange.customer == customer_id)
        .order_by(CustomerChange.changed_at.desc(), CustomerChange.id.desc())
    )


# -- consent -------------------------------------------------------------------------


def _check_texts_shown(consents: set[str], texts_shown: dict[str, int]) -> None:
    for purpose in PURPOSES:
        if (
            purpose in consents
            and texts_shown.get(purpose) != current_consent_text(purpose).version
        ):
            raise Refused(
                "The consent text changed (on another till or the command line) since this "
                "form was opened; nothing was saved. The form now shows the new text: read it "
                "to the customer, then save again.",
                field="consent_data",
            )


def _give(customer_id: int, purpose: str, method: str, staff: str, now: datetime, source: str):
    text = current_consent_text(purpose)
    return Consent.create(
        customer=customer_id,
        purpose=purpose,
        given_at=now,
        method=method,
        text=text.id,
        text_version=text.version,
        recorded_by=staff,
        source=source,
    )


def _check_purpose_and_method(purpose: str, method: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(
            "The consent purpose must be data_processing, email or sms, not '{purpose}'.",
            field="purpose",
            purpose=purpose[:30],
        )
    if method not in CONSENT_METHODS:
        raise InvalidInput(
            "The consent method must be paper_signed, verbal or digital.", field="consent_method"
        )


@write_action
def give_consent(
    shop: Shop, ref: str | int, purpose: str, *, method: str = "paper_signed", staff: str = ""
) -> Consent:
    _check_purpose_and_method(purpose, method)
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    if consent_states(customer.id)[purpose].active:
        raise Refused("This consent ({purpose}) is already given.", purpose=PURPOSE_LABELS[purpose])
    for problem in consent_problems(
        {purpose}, email=customer.email or "", phone=customer.phone or "", region=shop.region
    ).values():
        raise Refused(problem.template, field=problem.field, **problem.params)
    _lift_suppression(customer, purpose)
    return _give(customer.id, purpose, method, clean_staff(staff), shop.now(), "")


def _lift_suppression(customer: Customer, purpose: str) -> None:
    """A consent given anew, in person, takes the contact off the suppression list."""
    if purpose == "email" and customer.email:
        Suppression.delete().where(  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
            Suppression.digest == keyed_digest("email", customer.email)
        ).execute()
    elif purpose == "sms" and customer.phone:
        Suppression.delete().where(  # type: ignore[misc, unused-ignore]  # some types-peewee builds type Model.delete over Self
            Suppression.digest == keyed_digest("phone", customer.phone)
        ).execute()


@write_action
def withdraw_consent(
    shop: Shop,
    ref: str | int,
    purpose: str,
    *,
    method: str = "verbal",
    staff: str = "",
    source: str = "",
    erase_confirmed: bool = False,
) -> Consent:
    """Withdrawal adds withdrawn_at to the active record; data processing leads to erasure."""
    _check_purpose_and_method(purpose, method)
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    active = (
        Consent.select()
        .where(
            (Consent.customer == customer.id)
            & (Consent.purpose == purpose)
            & Consent.withdrawn_at.is_null()
        )
        .order_by(Consent.id.desc())
        .first()
    )
    if active is None:
        raise Refused(
            "There is no active consent ({purpose}) to withdraw.", purpose=PURPOSE_LABELS[purpose]
        )
    if purpose == "data_processing" and not erase_confirmed:
        raise Refused(
            "Withdrawing consent to data processing erases the customer for good; "
            "confirm the erasure to go on."
        )
    now = shop.now()
    Consent.update(
        withdrawn_at=now,
        withdrawn_method=method,
        withdrawn_by=clean_staff(staff),
        withdrawn_source=source[:200],
    ).where(Consent.id == active.id).execute()
    if purpose == "data_processing":
        erasure.erase_customer(shop, customer, clean_staff(staff))
    return Consent.get_by_id(active.id)


# -- erasure (GDPR Art. 17) ----------------------------------------------------------


@write_action
def erase(shop: Shop, ref: str | int, *, staff: str = "") -> int:
    """Replace personal data for good; amounts stay for the books. Returns the customer id.
    The customer is locked first: a purchase at another till waits, then finds her erased."""
    customer = ledger.lock_active_customer(resolve(shop, ref).id)
    erasure.erase_customer(shop, customer, clean_staff(staff))
    return customer.id
