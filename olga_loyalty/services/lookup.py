"""Finding one customer by what the counter types (a number, a phone, the end of a phone):
the lookup every service that acts on a customer starts with."""

from __future__ import annotations

import re

from olga_loyalty.domain.customers import normalize_phone, phone_start
from olga_loyalty.domain.errors import CustomerErased, InvalidInput, NotFound, Refused
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.models import Customer
from olga_loyalty.storage.search import prefix_range

ID_REF = re.compile(r"#?(\d{1,9})")
PHONE_CHARS = re.compile(r"[0-9+()\-./ ]+")
NOT_DIGITS = re.compile(r"\D")


def resolve(shop: Shop, ref: str | int) -> Customer:
    """A customer by number (`42`, `#42`), by phone in any format, or by the end of her phone
    number (4 digits or more) when it is one customer's only. A customer number wins: `1234`
    is customer #1234 when there is one (also when she was erased: then nobody is found),
    else the customer whose phone ends in 1234. Digits with a leading zero (`0815`) are never
    a customer number. Erased customers are not found: by her number, that is said
    (`CustomerErased`); her phone and email are gone with her."""
    text = str(ref).strip()
    match = ID_REF.fullmatch(text)
    if match and (text.startswith("#") or not text.startswith("0")):
        customer = Customer.get_or_none(Customer.id == int(match.group(1)))
        if customer is not None and customer.erased_at is not None:
            raise CustomerErased(
                "Customer #{id} has been erased: her personal data is gone.",
                field="customer",
                id=customer.id,
            )
        if customer is not None or text.startswith("#"):
            return _found(customer, text)
    if not PHONE_CHARS.fullmatch(text):
        raise InvalidInput(
            "'{ref}' is neither a customer number nor a phone number.",
            field="customer",
            ref=text[:40],
        )
    try:
        phone = normalize_phone(text, shop.region, field="customer")
    except InvalidInput as problem:
        phone, not_a_phone = None, problem
    if phone is not None:
        customer = Customer.get_or_none(Customer.phone == phone)
        if customer is not None:
            return _found(customer, text)
    digits = NOT_DIGITS.sub("", text)
    if len(digits) >= 4:
        customer = _by_phone_ending(digits, text)
        if customer is not None:
            return customer
    if phone is None and phone_start(text, shop.region) is not None:
        raise not_a_phone  # written like a whole number as dialled: say what is wrong with it
    return _found(None, text)


def _found(customer: Customer | None, text: str) -> Customer:
    if customer is None or customer.erased_at is not None:
        raise NotFound("No customer found for '{ref}'.", field="customer", ref=text[:40])
    return customer


def _by_phone_ending(digits: str, text: str) -> Customer | None:
    """The one customer whose phone ends in these digits; None for nobody; several: refused,
    with who they are, so that the next try can be the customer number. The whole row: the
    caller shows and changes her like one found by number."""
    low, high = prefix_range(digits[::-1])
    found = list(
        Customer.select()
        .where(
            (Customer.phone_rev >= low) & (Customer.phone_rev < high) & Customer.erased_at.is_null()
        )
        .order_by(Customer.id)
        .limit(6)
    )
    if len(found) > 1:
        shown = ", ".join(f"#{c.id} {c.first_name} {c.last_name}" for c in found[:5])
        raise Refused(
            "'{ref}' is the end of several customers' phone numbers ({customers}{more}); "
            "please type the customer number or the whole phone number.",
            field="customer",
            ref=text[:40],
            customers=shown,
            more=", …" if len(found) > 5 else "",
        )
    return found[0] if found else None
