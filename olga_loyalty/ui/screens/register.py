"""Registering a customer (with consents) and editing one: the same form, checked field by field."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from olga_loyalty.domain.customers import (
    CustomerInput,
    clean_name,
    clean_notes,
    consent_problems,
    normalize_email,
    normalize_phone,
    parse_birthday,
    phone_for_display,
)
from olga_loyalty.domain.errors import InvalidInput, LoyaltyError
from olga_loyalty.i18n import N_
from olga_loyalty.services import customers
from olga_loyalty.services.labels import FIELD_LABELS, METHOD_LABELS
from olga_loyalty.services.shop import PURPOSES
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.forms import FieldError, TickBox, show_field_errors
from olga_loyalty.ui.i18n import translator
from olga_loyalty.ui.screens.confirm import DiscardGuard
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class RefreshedResult(DbResult[Any]):
    """What the worker of `refreshed` found or did."""


class SavedResult(DbResult[Any]):
    """What the worker of `saved` found or did."""


PERSON_FIELDS = ["first_name", "last_name", "phone", "email", "birthday", "notes"]
PLACEHOLDERS = {
    "phone": "0151 1234 5678",
    "email": "name@example.com",
    "notes": "",
    "referred_by": "phone or customer number",
}
CONSENT_LABELS = {
    "data_processing": "Data processing for the bonus programme (required)",
    "email": "Newsletters by email (optional)",
    "sms": "Offers by SMS or messenger (optional)",
}


def check_field(name: str, value: str, region: str, today) -> None:
    """One field's rule, for messages as the person types."""
    if name == "first_name":
        clean_name(value, field=name, label="first name")
    elif name == "last_name":
        clean_name(value, field=name, label="last name")
    elif name == "phone":
        normalize_phone(value, region)
    elif name == "email":
        normalize_email(value)
    elif name == "birthday":
        parse_birthday(value, today)
    elif name == "notes":
        clean_notes(value)


class CustomerForm(DiscardGuard, BaseScreen):
    """The fields of a customer; registration adds consents, editing saves changes."""

    #: Enter in a text field moves to the next field at once (ui/typed_keys.py)
    ENTER_MOVES_ON = True

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    title_text = ""
    #: the widget to focus for a message that is not under an input of its own
    focus_for: dict[str, str] = {}

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        self.values = values
        self.existing_id: int | None = None
        self.saving = False

    def example(self, name: str) -> str:
        """A field's example: a birthday written as the card shows one (`24/12/1980`,
        `24.12.1980`), which the field reads back."""
        if name == "birthday":
            return self.t.date(date(1980, 12, 24))
        return self.t(PLACEHOLDERS.get(name, ""))

    def field_row(self, name: str) -> ComposeResult:
        t = self.t
        with Horizontal(classes="row"):
            yield Label(t(FIELD_LABELS[name]), classes="field-label")
            yield Input(
                value=self.values.get(name, ""),
                placeholder=self.example(name),
                id=name,
                compact=True,
            )
        yield FieldError(id=f"{name}-error")

    def person_fields(self) -> ComposeResult:
        t = self.t
        with Horizontal(classes="row"):
            yield Label(t("Salutation"), classes="field-label")
            yield Select(
                [(t("none"), ""), ("Frau", "Frau"), ("Herr", "Herr")],
                value=self.values.get("salutation", ""),
                allow_blank=False,
                id="salutation",
                compact=True,
            )
        for name in PERSON_FIELDS:
            yield from self.field_row(name)

    def extra_fields(self) -> ComposeResult:
        return iter(())

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="form"):
            yield from self.person_fields()
            yield from self.extra_fields()
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save (ctrl+s)"), id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.t(self.title_text)
        empty = [n for n in ("first_name", "last_name", "phone") if not self.values.get(n)]
        self.query_one(f"#{(empty or ['first_name'])[0]}", Input).focus()

    # -- messages as the person types ------------------------------------------------------
    @on(Input.Changed)
    def revalidate(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        if name not in PERSON_FIELDS:
            return
        label = self.query_one(f"#{name}-error", FieldError)
        if label.has_class(
            "-shown"
        ):  # once a field was marked wrong, clear it as soon as it is right
            self._check_one(name)

    @on(Input.Blurred)
    def left_field(self, event: Input.Blurred) -> None:
        name = event.input.id or ""
        if name in PERSON_FIELDS and event.input.value.strip():
            self._check_one(name)

    def _check_one(self, name: str) -> None:
        try:
            check_field(
                name, self.query_one(f"#{name}", Input).value, self.shop.region, self.shop.today()
            )
        except InvalidInput as error:
            self.query_one(f"#{name}-error", FieldError).show(error.render(self.t.gettext))
        else:
            self.query_one(f"#{name}-error", FieldError).show("")

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    # -- saving ------------------------------------------------------------------------------
    def form_input(self) -> CustomerInput:
        value = {name: self.query_one(f"#{name}", Input).value for name in PERSON_FIELDS}
        salutation = self.query_one("#salutation", Select).value
        return CustomerInput(salutation=salutation if isinstance(salutation, str) else "", **value)

    def all_fields(self) -> list[str]:
        return PERSON_FIELDS

    def local_errors(self) -> dict[str, LoyaltyError]:
        errors: dict[str, LoyaltyError] = {}
        for name in PERSON_FIELDS:
            if (
                name in ("email", "birthday", "notes")
                and not self.query_one(f"#{name}", Input).value.strip()
            ):
                continue
            try:
                check_field(
                    name,
                    self.query_one(f"#{name}", Input).value,
                    self.shop.region,
                    self.shop.today(),
                )
            except InvalidInput as error:
                errors[name] = error
        return errors

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.saving:
            return
        errors = self.local_errors()
        show_field_errors(self, errors, self.all_fields(), self.focus_for)
        self._hide_existing()
        if errors:
            self.notify(self.t("Please correct the marked fields."), severity="warning")
            return
        self.saving = True
        self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.saving = False
        if error.field in self.all_fields():
            show_field_errors(self, {error.field: error}, self.all_fields(), self.focus_for)
            existing = error.params.get("id")
            if existing:
                # the button right under the reason, so both are in view
                self.existing_id = int(str(existing))
                button = Button(
                    plain(self.t("Open the card of {name}", name=error.params.get("name", ""))),
                    id="open-existing",
                )
                self.query_one("#form").mount(button, after=self.query_one(f"#{error.field}-error"))
        else:
            self.show_error(error)

    def _hide_existing(self) -> None:
        self.existing_id = None
        self.query("#open-existing").remove()

    @on(Button.Pressed, "#open-existing")
    def open_existing(self) -> None:
        if self.existing_id:
            existing = self.existing_id
            self.app.pop_screen()
            self.loyalty.open_card(existing)

    def action_cancel(self) -> None:
        self.ask_before_discarding(lambda: self.dismiss(None))


def _register_and_remember(shop, data, consents, method, staff, referred_by, texts_shown):
    result = customers.register(
        shop,
        data,
        consents=consents,
        method=method,
        staff=staff,
        referred_by=referred_by or None,
        texts_shown=texts_shown,
    )
    if staff:
        shop.remember_staff(staff)
    shop.warm()
    return result


class RegisterScreen(CustomerForm):
    title_text = N_("New customer")
    focus_for = {"consent_data": "consent_data_processing"}

    def extra_fields(self) -> ComposeResult:
        t = self.t
        yield from self.field_row("referred_by")
        yield Static(
            t("Consents (read the text to the customer or let her read it):"), classes="section"
        )
        texts = self.shop.consent_texts()
        #: the version of each text the form shows: the registration records these or is
        #: refused (services/customers.py, `register`)
        self.texts_shown = {purpose: texts[purpose].version for purpose in PURPOSES}
        for purpose in PURPOSES:
            text = texts[purpose]
            yield TickBox(
                t(CONSENT_LABELS[purpose]), value=False, id=f"consent_{purpose}", compact=True
            )
            # its message right under its box (email needs an address, SMS a mobile number)
            if purpose == "data_processing":
                yield FieldError(id="consent_data-error")
            else:
                yield FieldError(id=f"consent_{purpose}-error")
            yield Static(
                plain(f"{text.text}  (v{text.version})"),
                classes="consent-text",
                id=f"consent_text_{purpose}",
            )
        with Horizontal(classes="row"):
            yield Label(t("Consent given"), classes="field-label")
            yield Select(
                [(t(label), key) for key, label in METHOD_LABELS.items()],
                value="paper_signed",
                allow_blank=False,
                id="consent_method",
                compact=True,
            )
        with Horizontal(classes="row"):
            yield Label(t("Staff"), classes="field-label")
            yield Input(
                value=self.loyalty.staff, placeholder=t("your name"), id="staff", compact=True
            )

    def on_mount(self) -> None:
        # (the form's own on_mount runs as well: Textual calls each class's handler)
        # the consent texts may have been changed on another till or the command line
        self.db(RefreshedResult, self.shop.refresh)

    @result_of(RefreshedResult)
    def on_refreshed(self, changed: bool) -> None:
        if changed:
            self.show_texts()

    def show_texts(self) -> None:
        """Show the consent texts as they are now (cached by the shop, re-read by refresh)."""
        texts = self.shop.consent_texts()
        for purpose in PURPOSES:
            text = texts[purpose]
            self.query_one(f"#consent_text_{purpose}", Static).update(
                plain(f"{text.text}  (v{text.version})")
            )
        self.texts_shown = {purpose: texts[purpose].version for purpose in PURPOSES}

    @failure_of(SavedResult)
    def on_saved_error(self, error: LoyaltyError) -> None:
        self.show_texts()  # a refusal for a changed text: the form shows the new one
        super().on_saved_error(error)

    def all_fields(self) -> list[str]:
        return [*PERSON_FIELDS, "referred_by", "consent_email", "consent_sms", "consent_data"]

    def local_errors(self) -> dict[str, LoyaltyError]:
        errors = super().local_errors()
        consents = {p for p in PURPOSES if self.query_one(f"#consent_{p}", Checkbox).value}
        if "data_processing" not in consents:
            errors["consent_data"] = InvalidInput(
                "Registration needs the customer's consent to data processing for the bonus programme.",
                field="consent_data",
            )
        # The service's rule: email consent needs an address, SMS consent a mobile number.
        email = self.query_one("#email", Input).value.strip()
        try:
            phone = normalize_phone(self.query_one("#phone", Input).value, self.shop.region)
        except InvalidInput:
            phone = ""  # the phone field says what is wrong with it
        errors.update(consent_problems(consents, email=email, phone=phone, region=self.shop.region))
        return errors

    def submit(self) -> None:
        consents = {p for p in PURPOSES if self.query_one(f"#consent_{p}", Checkbox).value}
        method = self.query_one("#consent_method", Select).value
        staff = " ".join(self.query_one("#staff", Input).value.split())
        self.loyalty.staff = staff
        self.db(
            SavedResult,
            _register_and_remember,
            self.shop,
            self.form_input(),
            consents,
            method if isinstance(method, str) else "paper_signed",
            staff,
            self.query_one("#referred_by", Input).value.strip(),
            dict(self.texts_shown),
        )

    @result_of(SavedResult)
    def on_saved(self, result: customers.Registration) -> None:
        t, c = self.t, result.customer
        message = t(
            "Registered {name} as customer #{id}.", name=f"{c.first_name} {c.last_name}", id=c.id
        )
        if result.welcome_points:
            message += " " + t(
                "Welcome bonus: {points}, valid until {date}.",
                points=t.points(result.welcome_points),
                date=t.date(result.welcome_expires_on),
            )
        self.app.notify(message, timeout=10)
        self.app.pop_screen()
        self.loyalty.open_card(c.id)


class EditScreen(CustomerForm):
    title_text = N_("Edit customer")

    def __init__(self, customer) -> None:
        birthday = customer.birthday
        values = {
            "salutation": customer.salutation,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone": phone_for_display(customer.phone or "", "ZZ") if customer.phone else "",
            "email": customer.email or "",
            # as the card shows it, which the field reads back (01.02.1990, 01/02/1990)
            "birthday": translator().date(birthday) if birthday else "",
            "notes": customer.notes,
        }
        super().__init__(values)
        self.customer_id = customer.id

    def submit(self) -> None:
        self.db(
            SavedResult,
            customers.edit,
            self.shop,
            self.customer_id,
            self.form_input(),
            staff=self.loyalty.staff,
        )

    @result_of(SavedResult)
    def on_saved(self, changed: list[str]) -> None:
        t = self.t
        if changed:
            fields = ", ".join(t(FIELD_LABELS[name]) for name in changed)
            self.app.notify(t("Saved: {fields}.", fields=fields))
        else:
            self.app.notify(t("Nothing changed."))
        self.dismiss(changed)
