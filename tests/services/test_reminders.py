"""Reminder mails against a real SMTP server (aiosmtpd on 127.0.0.1, started here): each kind
with exact recipients, headers and body (parsed back with the email package), the consent
rules, once per occasion, two processes at once, a server down then up, refusals, a
withdrawal between queue and send, a crash between `sending` and `sent`, TLS and login."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.services import customers, mail, points, reminders
from olga_loyalty.services import settings as settings_service
from olga_loyalty.storage.models import OutboxMail, Suppression
from tests.conftest import POSTGRES, dump_database
from tests.smtp_server import PASSWORD, USER, SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-01-10T10:00:00+01:00"
SENDER = "Boutique Olga <olga@example.de>"
FOOTER_DE = (
    "-- \nSie erhalten diese E-Mail, weil Sie zugestimmt haben, E-Mails von Boutique Olga zu "
    "erhalten. Keine E-Mails mehr? Antworten Sie einfach mit „Abmelden“ oder sagen Sie es uns "
    "im Laden.\n"
)


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch):
    """The tests never touch a real keyring; the password comes from the environment."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(mail.PASSWORD_ENV, raising=False)
    yield


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def set_up_mail(shop, port: int, **extra) -> None:
    shop.save_settings(replace(shop.settings, name="Boutique Olga", setup_done=True))
    values = {
        "mail.host": "127.0.0.1",
        "mail.port": str(port),
        "mail.security": "none",
        "mail.sender": SENDER,
        "mail.reply_to": "kasse@example.de",
        "mail.rate_per_minute": "1000",
        **extra,
    }
    for key, value in values.items():
        settings_service.set_value(shop, key, value)


def add(shop, first, last, email, *, consents=("data_processing", "email"), language="de", **f):
    data = CustomerInput(
        first_name=first,
        last_name=last,
        phone=f"0151 {abs(hash(email)) % 10**8:08d}",
        email=email,
        **f,
    )
    return customers.register(shop, data, consents=set(consents), language=language).customer


def received(server) -> dict[str, list]:
    found: dict[str, list] = {}
    for item in server.inbox.mails:
        for rcpt in item.rcpt_tos:
            found.setdefault(rcpt, []).append(item.message)
    return found


def statuses() -> list[tuple[int, str, str, str]]:
    return sorted(
        (r.customer_id, r.occasion, r.status, r.reason)
        for r in OutboxMail.select().order_by(OutboxMail.id)
    )


def the_shop_of_the_issue(shop, clock):
    """Birthday today, points expiring in 10 days, registered today; with and without email
    consent, one withdrawn, one suppressed, one erased (the issue's "Done when")."""
    clock.moment = datetime.fromisoformat("2025-01-20T11:00:00+01:00")
    erika = add(shop, "Erika", "Öztürk", "erika@example.de")
    points.record_purchase(shop, erika.id, "123.45")  # 123 points, valid through 2026-01-20
    clock.moment = datetime.fromisoformat("2025-06-01T11:00:00+01:00")
    birgit = add(shop, "Birgit", "Bäcker", "birgit@example.de", birthday="1980-01-10")
    clock.moment = datetime.fromisoformat(TODAY)
    wilma = add(shop, "Wilma", "Weiß", "wilma@example.de")
    add(
        shop,
        "Nora",
        "Nein",
        "nora@example.de",
        consents=("data_processing",),
        birthday="1990-01-10",
    )
    wanda = add(shop, "Wanda", "Widerruf", "wanda@example.de", birthday="1991-01-10")
    customers.withdraw_consent(shop, wanda.id, "email")
    sanne = add(shop, "Sanne", "Sperre", "sanne@example.de")
    from olga_loyalty.services.newsletter import digest

    Suppression.create(
        kind="email", digest=digest("email", "sanne@example.de"), created_at=clock.now()
    )
    edda = add(shop, "Edda", "Erased", "edda@example.de", birthday="1985-01-10")
    customers.erase(shop, edda.id)
    return erika, birgit, wilma, sanne


def test_the_three_reminders_go_out_once_to_exactly_whom_they_should(shop, clock, smtp):
    erika, birgit, wilma, _ = the_shop_of_the_issue(shop, clock)
    set_up_mail(shop, smtp.port)
    points.daily(shop)
    report = reminders.send(shop)
    assert (report.sent, report.failed, report.pending, report.error) == (3, 0, 0, None)
    got = received(smtp)
    assert sorted(got) == ["birgit@example.de", "erika@example.de", "wilma@example.de"]
    assert all(len(mails) == 1 for mails in got.values())

    birthday = got["birgit@example.de"][0]
    assert birthday["From"] == SENDER
    assert birthday["To"] == "Birgit Bäcker <birgit@example.de>"
    assert birthday["Reply-To"] == "kasse@example.de"
    assert birthday["Subject"] == "Alles Gute zum Geburtstag, Birgit!"
    assert birthday["List-Unsubscribe"] == "<mailto:kasse@example.de?subject=Abmelden>"
    assert birthday.get_content_type() == "text/plain"
    assert birthday.get_content_charset() == "utf-8"
    assert birthday.get_content() == (
        "Hallo Birgit,\n\n"
        "herzlichen Glückwunsch zum Geburtstag! Zu Ihrem Ehrentag schenken wir Ihnen 200 "
        "Bonuspunkte im Wert von 10,00\xa0€, gültig bis zum 09.02.2026. Nennen Sie beim "
        "nächsten Einkauf einfach Ihre Telefonnummer an der Kasse.\n\n"
        "Wir freuen uns auf Ihren Besuch!\nIhr Team von Boutique Olga\n\n" + FOOTER_DE
    )
    expiring = got["erika@example.de"][0]
    assert expiring["To"] == "Erika Öztürk <erika@example.de>"
    assert expiring["Subject"] == "Ihre Bonuspunkte verfallen am 20.01.2026"
    assert expiring.get_content() == (
        "Hallo Erika,\n\n"
        "am 20.01.2026 verfallen 123 Ihrer Bonuspunkte im Wert von 6,15\xa0€. Lösen Sie sie "
        "bis dahin bei Ihrem nächsten Einkauf ein: Nennen Sie an der Kasse einfach Ihre "
        "Telefonnummer.\n\n"
        "Wir freuen uns auf Ihren Besuch!\nIhr Team von Boutique Olga\n\n" + FOOTER_DE
    )
    welcome = got["wilma@example.de"][0]
    assert welcome["Subject"] == "Willkommen im Bonusprogramm von Boutique Olga"
    assert welcome.get_content() == (
        "Hallo Wilma,\n\n"
        "schön, dass Sie dabei sind! Zur Begrüßung haben wir Ihnen 100 Bonuspunkte im Wert "
        "von 5,00\xa0€ gutgeschrieben, gültig bis zum 11.03.2026.\n\n"
        "So funktioniert es: Bei jedem Einkauf sammeln Sie Punkte, die Sie bei einem späteren "
        "Einkauf einlösen. Eine Karte brauchen Sie nicht, nennen Sie an der Kasse einfach Ihre "
        "Telefonnummer. Je mehr Sie im Jahr einkaufen, desto höher Ihre Stufe und desto mehr "
        "Punkte sammeln Sie; Ihre Stufe jetzt: Base.\n\n"
        "Bis bald!\nIhr Team von Boutique Olga\n\n" + FOOTER_DE
    )
    assert statuses() == [
        (erika.id, "expiring:2026-01-20", "sent", ""),
        (birgit.id, "birthday:2026", "sent", ""),
        (wilma.id, "welcome", "sent", ""),
    ]
    # a second send, and the next day's daily run and send, send nothing again
    again = reminders.send(shop)
    assert (again.sent, again.queued, len(smtp.inbox.mails)) == (0, 0, 3)
    clock.advance(days=1)
    points.daily(shop)
    next_day = reminders.send(shop)
    assert (next_day.sent, next_day.queued, len(smtp.inbox.mails)) == (0, 0, 3)


def test_english_customers_get_english_mails(shop, clock, smtp):
    add(shop, "Emma", "Stone", "emma@example.com", language="en")
    set_up_mail(shop, smtp.port)
    reminders.send(shop)
    (message,) = received(smtp)["emma@example.com"]
    assert message["Subject"] == "Welcome to the bonus programme of Boutique Olga"
    assert message["List-Unsubscribe"] == "<mailto:kasse@example.de?subject=Unsubscribe>"
    body = message.get_content()
    assert body.startswith(
        "Hello Emma,\n\nwelcome! As a thank-you for joining we have given you 100 bonus points "
        "worth €5.00, valid until 11/03/2026.\n"
    )
    assert body.endswith(
        "-- \nYou receive this email because you agreed to receive emails from Boutique Olga. "
        "No more emails? Just reply with “Unsubscribe” or tell us in the shop.\n"
    )


def test_one_mail_per_expiry_date_however_many_lots_share_it(shop, clock, smtp):
    clock.moment = datetime.fromisoformat("2025-01-20T09:00:00+01:00")
    erika = add(shop, "Erika", "Öztürk", "erika@example.de")
    points.record_purchase(shop, erika.id, "50.00")
    points.record_purchase(shop, erika.id, "30.00")
    clock.moment = datetime.fromisoformat("2025-01-22T09:00:00+01:00")
    points.record_purchase(shop, erika.id, "20.00")
    clock.moment = datetime.fromisoformat(TODAY)
    set_up_mail(shop, smtp.port)
    reminders.send(shop)
    subjects = sorted(m["Subject"] for m in received(smtp)["erika@example.de"])
    assert subjects == [
        "Ihre Bonuspunkte verfallen am 20.01.2026",
        "Ihre Bonuspunkte verfallen am 22.01.2026",
    ]
    bodies = {m["Subject"][-10:]: m.get_content() for m in received(smtp)["erika@example.de"]}
    assert "verfallen 80 Ihrer Bonuspunkte im Wert von 4,00\xa0€" in bodies["20.01.2026"]
    assert "verfallen 20 Ihrer Bonuspunkte im Wert von 1,00\xa0€" in bodies["22.01.2026"]


def test_nothing_is_queued_before_mail_is_set_up_and_switched_off_kinds_stay_home(
    shop, clock, smtp
):
    add(shop, "Wilma", "Weiß", "wilma@example.de", birthday="1980-01-10")
    points.daily(shop)
    assert reminders.queue_due(shop).queued == 0
    assert [i.kind for i in reminders.preview(shop)] == ["birthday", "welcome"]
    with pytest.raises(mail.MailError, match="Mail is not set up"):
        reminders.send(shop)
    set_up_mail(shop, smtp.port)
    settings_service.set_value(shop, "reminders.welcome.enabled", "off")
    assert reminders.send(shop).sent == 1
    assert [m["Subject"] for m in received(smtp)["wilma@example.de"]] == [
        "Alles Gute zum Geburtstag, Wilma!"
    ]


def test_the_welcome_is_skipped_for_customers_registered_long_ago(shop, clock, smtp):
    clock.moment = datetime.fromisoformat("2026-01-07T09:00:00+01:00")
    add(shop, "Alt", "Kundin", "alt@example.de")
    clock.moment = datetime.fromisoformat("2026-01-08T09:00:00+01:00")
    add(shop, "Neu", "Kundin", "neu@example.de")
    clock.moment = datetime.fromisoformat(TODAY)
    set_up_mail(shop, smtp.port)
    assert [i.address for i in reminders.preview(shop)] == ["neu@example.de"]


def test_the_outbox_takes_an_occasion_once_on_any_database(shop, smtp):
    from peewee import IntegrityError

    anna = add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, smtp.port)
    assert reminders.queue_due(shop).queued == 1
    assert reminders.queue_due(shop).queued == 0
    with pytest.raises(IntegrityError), OutboxMail._meta.database.atomic():
        OutboxMail.create(
            customer=anna.id, kind="welcome", occasion="welcome", queued_at=shop.now()
        )
    assert OutboxMail.select().count() == 1


def test_a_server_that_is_down_loses_nothing(shop, smtp):
    add(shop, "Anna", "Adler", "anna@example.de")
    add(shop, "Berta", "Bär", "berta@example.de")
    port = free_port()
    set_up_mail(shop, port)
    report = reminders.send(shop)
    assert (report.sent, report.pending) == (0, 2)
    assert report.error.kind == "connection"
    assert str(report.error) == (
        f"The mail server 127.0.0.1 refused the connection on port {port}. Check the port and "
        "the security setting."
    )
    assert {s for _, _, s, _ in statuses()} == {"pending"}
    with SmtpServer() as later:
        settings_service.set_value(shop, "mail.port", str(later.port))
        assert reminders.send(shop).sent == 2
        assert sorted(received(later)) == ["anna@example.de", "berta@example.de"]


def test_a_refused_recipient_fails_alone_and_a_busy_one_waits(shop, smtp):
    anna = add(shop, "Anna", "Adler", "anna@example.de")
    berta = add(shop, "Berta", "Bär", "berta@example.de")
    cora = add(shop, "Cora", "Cremer", "cora@example.de")
    smtp.inbox.refuse["anna@example.de"] = "550 5.1.1 <anna@example.de>: user unknown"
    smtp.inbox.refuse["cora@example.de"] = "450 4.2.1 mailbox busy, try later"
    set_up_mail(shop, smtp.port)
    report = reminders.send(shop)
    assert (report.sent, report.failed, report.pending, report.error) == (1, 1, 1, None)
    rows = {r.customer_id: r for r in OutboxMail.select()}
    assert (rows[anna.id].status, rows[anna.id].reason) == ("failed", "refused")
    assert rows[anna.id].server_answer == "550 5.1.1 <anna@example.de>: user unknown"
    assert rows[berta.id].status == "sent"
    assert (rows[cora.id].status, rows[cora.id].server_answer) == (
        "pending",
        "450 4.2.1 mailbox busy, try later",
    )
    # a refused mail is never sent again by itself; the owner may, once the address is fixed
    smtp.inbox.refuse.clear()
    assert reminders.send(shop).sent == 1  # only Cora's
    assert reminders.retry(shop, rows[anna.id].id).status == "pending"
    assert reminders.send(shop).sent == 1
    assert sorted(received(smtp)) == ["anna@example.de", "berta@example.de", "cora@example.de"]
    with pytest.raises(Refused, match="Only a refused mail"):
        reminders.retry(shop, rows[berta.id].id)
    with pytest.raises(InvalidInput, match="is not a mail number"):
        reminders.retry(shop, "x1")


def test_a_consent_withdrawn_between_queue_and_send_cancels_the_mail(shop, smtp):
    anna = add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, smtp.port)
    reminders.queue_due(shop)
    customers.withdraw_consent(shop, anna.id, "email")
    report = reminders.send(shop)
    assert (report.sent, report.cancelled, smtp.inbox.mails) == (0, 1, [])
    assert statuses() == [(anna.id, "welcome", "cancelled", "no_consent")]


def test_the_preview_shows_a_waiting_mail_as_the_send_will_write_it(shop, smtp):
    """A tester: after the shop's name changed, the preview (and the reminder screen) showed
    the queued mail with the old name, while the mail sent had the new one."""
    add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, smtp.port)
    reminders.queue_due(shop)
    settings_service.set_value(shop, "name", "Boutique Neu")
    [waiting] = reminders.preview(shop)
    assert waiting.status == "pending" and "Boutique Neu" in waiting.subject
    assert "Boutique Olga" not in waiting.subject + waiting.body
    dry = reminders.send(shop, dry_run=True)
    assert [item.subject for item in dry.would_send] == [waiting.subject]
    assert reminders.send(shop).sent == 1
    [sent] = received(smtp)["anna@example.de"]
    assert (sent["Subject"], sent.get_content().rstrip("\n")) == (
        waiting.subject,
        waiting.body.rstrip("\n"),
    )


def test_erasure_blanks_her_mails_and_the_access_export_lists_them(shop, smtp, tmp_path):
    from openpyxl import load_workbook

    from olga_loyalty.services import gdpr

    anna = add(shop, "Anna", "Adler", "anna@example.de", birthday="1980-01-10")
    set_up_mail(shop, smtp.port)
    settings_service.set_value(shop, "reminders.birthday.enabled", "off")
    reminders.send(shop)
    settings_service.set_value(shop, "reminders.birthday.enabled", "on")
    points.daily(shop)
    reminders.queue_due(shop)  # the birthday mail waits
    path = gdpr.access_export(shop, anna.id, folder=tmp_path)
    sheet = load_workbook(path)["Gesendete E-Mails"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Mail Nr.",
        "Art",
        "Anlass",
        "Status",
        "Vorgemerkt am",
        "Gesendet am",
        "E-Mail",
        "Betreff",
        "Text",
        "Antwort des Mailservers",
    )
    assert [(r[1], r[2], r[3], r[6], r[7]) for r in rows[1:]] == [
        (
            "Willkommen",
            "Willkommen",
            "gesendet",
            "anna@example.de",
            "Willkommen im Bonusprogramm von Boutique Olga",
        ),
        (
            "Geburtstag",
            "Geburtstag 2026",
            "wartet",
            "anna@example.de",
            "Alles Gute zum Geburtstag, Anna!",
        ),
    ]
    assert rows[1][9] == "250 2.0.0 Ok: queued"
    customers.erase(shop, anna.id)
    assert [
        (r.status, r.reason, r.address, r.subject, r.body, r.server_answer, r.message_id)
        for r in OutboxMail.select().order_by(OutboxMail.id)
    ] == [
        ("sent", "", "", "", "", "", ""),
        ("cancelled", "erased", "", "", "", "", ""),
    ]


def test_the_daily_run_queues_and_sends_when_automatic_and_never_fails(shop, smtp):
    add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, free_port(), **{"reminders.send": "on"})
    result = reminders.after_daily(shop)
    assert (result.queued, result.pending, result.error.kind) == (1, 1, "connection")
    settings_service.set_value(shop, "mail.port", str(smtp.port))
    result = reminders.after_daily(shop)
    assert (result.queued, result.pending, result.report.sent, result.error) == (0, 0, 1, None)
    settings_service.set_value(shop, "reminders.send", "off")
    add(shop, "Berta", "Bär", "berta@example.de")
    result = reminders.after_daily(shop)
    assert (result.queued, result.pending, result.report, result.automatic) == (1, 1, None, False)


def test_the_rate_limit_spaces_the_mails(shop, smtp):
    for n in range(3):
        add(shop, f"Kundin{n}", "Rate", f"k{n}@example.de")
    set_up_mail(shop, smtp.port, **{"mail.rate_per_minute": "120"})  # one each 0.5 s
    started = time.monotonic()
    assert reminders.send(shop).sent == 3
    assert time.monotonic() - started >= 1.0


# -- the server's answers in words ------------------------------------------------------


def test_ssl_and_starttls_with_a_login_and_the_answers_in_words(shop, tmp_path, monkeypatch):
    set_up_mail(shop, 1)
    for mode in ("ssl", "starttls"):
        with SmtpServer(mode, folder=tmp_path, login=True) as server:
            settings_service.set_value(shop, "mail.security", mode)
            settings_service.set_value(shop, "mail.port", str(server.port))
            settings_service.set_value(shop, "mail.user", USER)
            # no password anywhere yet
            with pytest.raises(mail.MailError, match="No password for the mail account"):
                reminders.send_test(shop, "olga@example.de")
            monkeypatch.setenv(mail.PASSWORD_ENV, PASSWORD)
            # the self-signed certificate is not trusted by the system
            with pytest.raises(mail.MailError) as error:
                reminders.send_test(shop, "olga@example.de")
            assert error.value.kind == "tls"
            assert str(error.value).startswith(
                "The certificate of the mail server 127.0.0.1 is not valid: "
            )
            monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
            answer = reminders.send_test(shop, "olga@example.de")
            assert answer == "250 2.0.0 Ok: queued"
            (test_mail,) = server.inbox.mails
            assert test_mail.message["Subject"] == "Testnachricht von Olga Loyalty"
            assert "List-Unsubscribe" not in test_mail.message
            monkeypatch.setenv(mail.PASSWORD_ENV, "wrong")
            with pytest.raises(mail.MailError) as error:
                reminders.send_test(shop, "olga@example.de")
            assert error.value.kind == "auth"
            assert str(error.value) == (
                "The mail server refused the user name or the password "
                "(535 5.7.8 Authentication credentials invalid)."
            )
            monkeypatch.delenv("SSL_CERT_FILE")
            monkeypatch.delenv(mail.PASSWORD_ENV)


def test_a_wrong_security_setting_is_named(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "TIMEOUT", 1.0)
    set_up_mail(shop, 1)
    with SmtpServer() as plain:
        settings_service.set_value(shop, "mail.port", str(plain.port))
        settings_service.set_value(shop, "mail.security", "ssl")
        with pytest.raises(mail.MailError) as error:
            reminders.send_test(shop, "olga@example.de")
        assert error.value.kind == "tls"
        assert "Port 465 needs the security setting ssl, port 587 starttls." in str(error.value)
        settings_service.set_value(shop, "mail.security", "starttls")
        with pytest.raises(mail.MailError, match=r"offers no encryption \(STARTTLS\)"):
            reminders.send_test(shop, "olga@example.de")
    with SmtpServer("ssl", folder=tmp_path) as secure:
        settings_service.set_value(shop, "mail.port", str(secure.port))
        settings_service.set_value(shop, "mail.security", "none")
        with pytest.raises(mail.MailError) as error:
            reminders.send_test(shop, "olga@example.de")
        assert error.value.kind == "timeout"
        assert str(error.value) == (
            f"The mail server 127.0.0.1 did not answer within 1 second on port {secure.port}. "
            "Check the port and the security setting (port 465: ssl, port 587: starttls)."
        )
    settings_service.set_value(shop, "mail.host", "nowhere.invalid")
    with pytest.raises(mail.MailError, match="The mail server nowhere.invalid was not found"):
        reminders.send_test(shop, "olga@example.de")


def test_a_refused_sender_and_a_bad_test_address(shop, smtp):
    anna = add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, smtp.port)
    with pytest.raises(InvalidInput, match="is not an email address"):
        reminders.send_test(shop, "olga@")
    smtp.inbox.refuse_sender = "553 5.7.1 <olga@example.de>: Sender address rejected"
    with pytest.raises(mail.MailError) as error:
        reminders.send_test(shop, "olga@example.de")
    assert (error.value.kind, str(error.value)) == (
        "sender",
        "The mail server refused the sender olga@example.de: "
        "553 5.7.1 <olga@example.de>: Sender address rejected",
    )
    report = reminders.send(shop)  # a refused sender stops the send; the mail waits
    assert (report.sent, report.pending, report.error.kind) == (0, 1, "sender")
    assert statuses() == [(anna.id, "welcome", "pending", "")]
    smtp.inbox.refuse_sender = ""
    smtp.inbox.refuse["olga@example.de"] = "550 5.1.1 no such user"
    with pytest.raises(mail.MailError) as error:
        reminders.send_test(shop, "olga@example.de")
    assert str(error.value) == (
        "The mail server refused the recipient olga@example.de: 550 5.1.1 no such user"
    )


# -- the password never goes into the database ------------------------------------------


class MemoryKeyring:
    """A system keyring for the test (keyring's own backend interface)."""

    def __new__(cls):
        from keyring.backend import KeyringBackend

        class Memory(KeyringBackend):
            priority = 1

            def __init__(self):
                super().__init__()
                self.store: dict = {}

            def get_password(self, service, username):
                return self.store.get((service, username))

            def set_password(self, service, username, password):
                self.store[(service, username)] = password

            def delete_password(self, service, username):
                self.store.pop((service, username), None)

        return Memory()


def test_the_password_lives_in_the_keyring_or_the_environment(shop, db_path, monkeypatch):
    import keyring

    set_up_mail(shop, 1, **{"mail.user": USER})
    account = reminders.mail_settings()
    assert mail.password_source(account) == "none"
    with pytest.raises(Refused, match="There is no system keyring"):
        mail.store_password(account, PASSWORD)
    monkeypatch.setenv(mail.PASSWORD_ENV, "from-env")
    assert (mail.password_source(account), mail.password(account)) == ("environment", "from-env")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    mail.store_password(account, PASSWORD)
    assert (mail.password_source(account), mail.password(account)) == ("keyring", PASSWORD)
    assert memory.store == {("olga-loyalty", f"smtp:{USER}@127.0.0.1"): PASSWORD}
    assert reminders.settings_view()["mail"]["password"] == "keyring"
    assert PASSWORD not in repr(dump_database(db_path))
    mail.store_password(account, None)
    assert mail.password_source(account) == "environment"


# -- two processes, and a crash between `sending` and `sent` ------------------------------


def cli(db, *args, now=TODAY, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "olga_loyalty", "--db", str(db), "--lang", "en", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "OLGA_LOYALTY_NOW": now,
            "OLGA_LOYALTY_LANG": "en",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_sending_at_once_send_each_mail_once(shop, db_path, smtp):
    for n in range(12):
        add(shop, f"Kundin{n}", "Doppelt", f"k{n}@example.de")
    set_up_mail(shop, smtp.port)
    runs = [cli(db_path, "reminders", "send", "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    import json

    sent = [json.loads(out)["sent"] for out, _ in outputs]
    assert sum(sent) == 12
    got = received(smtp)
    assert sorted(got) == sorted(f"k{n}@example.de" for n in range(12))
    assert all(len(mails) == 1 for mails in got.values())
    assert {s for _, _, s, _ in statuses()} == {"sent"}


def test_a_crash_between_sending_and_sent_never_sends_twice(shop, db_path, smtp, clock):
    import threading

    anna = add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, smtp.port)
    smtp.inbox.hold = threading.Event()
    smtp.inbox.hold.set()  # the server takes the mail but keeps its answer back
    run = cli(db_path, "reminders", "send")
    assert smtp.inbox.arrived.wait(60)
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    smtp.inbox.hold.clear()
    (row,) = OutboxMail.select()
    assert (row.status, row.attempts) == ("sending", 1)
    clock.advance(minutes=5)
    report = reminders.send(shop)
    assert (report.sent, report.pending, report.unknown) == (0, 0, 1)
    assert len(smtp.inbox.mails) == 1
    (item,) = reminders.history(shop)
    assert item.status == "unknown"
    # the owner looked into the mail account: it is in the sent folder
    reminders.mark_sent(shop, row.id)
    assert OutboxMail.get_by_id(row.id).status == "sent"
    assert reminders.send(shop).sent == 0
    assert len(received(smtp)["anna@example.de"]) == 1
    assert anna.id == row.customer_id


@pytest.mark.skipif(bool(POSTGRES), reason="the command line's daily output, once is enough")
def test_daily_with_the_server_down_says_why_and_exits_0(shop, db_path, smtp):
    add(shop, "Anna", "Adler", "anna@example.de")
    set_up_mail(shop, free_port(), **{"reminders.send": "on"})
    run = cli(db_path, "daily")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert out.splitlines()[-1].startswith(
        "Reminders: 1 waiting, not sent now: The mail server 127.0.0.1 refused the connection"
    )
    assert {s for _, _, s, _ in statuses()} == {"pending"}
