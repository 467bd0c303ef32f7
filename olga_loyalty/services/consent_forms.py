"""The consent form (SPEC §4): a one-page A4 PDF to print, sign and keep."""

from __future__ import annotations

from pathlib import Path

from olga_loyalty import logs, paths
from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.exports.cells import free_path
from olga_loyalty.files import make_private
from olga_loyalty.i18n import Translator
from olga_loyalty.services.lookup import resolve
from olga_loyalty.services.shop import PURPOSES, Shop

#: The headings of the consents on the form (the same words as the registration form's).
FORM_PURPOSE_LABELS = {
    "data_processing": "Data processing for the bonus programme (required)",
    "email": "Newsletters by email (optional)",
    "sms": "Offers by SMS or messenger (optional)",
}


def consent_form(shop: Shop, ref: str | int | None = None, folder: Path | None = None) -> Path:
    """A one-page A4 PDF in the shop's language: the shop's name and address, the customer's
    data (or lines to write on for a blank form), each consent with its purpose, whether it
    is required, its whole text, version and a box for "Ich stimme zu", then place, date and
    signature lines."""
    # Start-up speed: the PDF library (fpdf2) loads only when a form is made.
    from olga_loyalty.exports.consent_pdf import ConsentBlock, ConsentForm, write_consent_form

    customer = resolve(shop, ref) if ref not in (None, "") else None
    settings = shop.settings
    t = Translator(settings.language, settings.currency)
    c = customer
    details = [
        (t("Customer number"), f"#{c.id}" if c else ""),
        (
            t("Name"),
            " ".join(p for p in (c.salutation, c.first_name, c.last_name) if p) if c else "",
        ),
        (t("Phone"), phone_for_display(c.phone or "", shop.region) if c else ""),
        (t("Email"), (c.email or "") if c else ""),
        (t("Birthday"), t.date(c.birthday) if c and c.birthday else ""),
    ]
    texts = shop.consent_texts()
    blocks = [
        ConsentBlock(
            t(FORM_PURPOSE_LABELS[purpose]),
            texts[purpose].text,
            t("Text version {version}", version=texts[purpose].version),
            t("I agree"),
        )
        for purpose in PURPOSES
    ]
    form = ConsentForm(
        language=t.language,
        shop_name=settings.name or "Olga Loyalty",
        shop_address=settings.address,
        title=t("Consent to the bonus programme"),
        details=details,
        consents=blocks,
        place_date=t("Place, date"),
        signature=t("Signature"),
        made=shop.now(),
    )
    stem = f"consent-form-{customer.id}" if customer else "consent-form-blank"
    path = free_path(folder or paths.exports_folder(), f"{stem}-{shop.today().isoformat()}", ".pdf")
    write_consent_form(path, form)
    make_private(path)
    logs.action("gdpr.consent_form", customer=customer.id if customer else 0)
    return path
