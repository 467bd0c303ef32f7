"""A restore of this shop's backup keeps what customers asked for and were sent after it was
made (found by the adversarial test after issues 13-20): a backup from before an unsubscribe
import brought the email consent back (she was in the newsletter export again), and a backup
from before `reminders send` — today's daily backup — sent the mails again."""

from __future__ import annotations

from dataclasses import replace

import pytest

from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.services import customers, imports, newsletter, reminders, safety
from olga_loyalty.services import settings as settings_service
from olga_loyalty.services.erasure import _carry_file
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import Consent, OutboxMail, Suppression
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.sqlite_only  # restore copies the SQLite file


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch):
    import keyring
    from keyring.backends import fail

    from olga_loyalty.services import mail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(mail.PASSWORD_ENV, raising=False)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def add(shop, first, email, phone, consents=("data_processing", "email", "sms")):
    data = CustomerInput(first_name=first, last_name="Kundin", phone=phone, email=email)
    return customers.register(shop, data, consents=set(consents)).customer


def set_up_mail(shop, port):
    shop.save_settings(replace(shop.settings, name="Boutique Olga", setup_done=True))
    for key, value in {
        "mail.host": "127.0.0.1",
        "mail.port": str(port),
        "mail.security": "none",
        "mail.sender": "Boutique Olga <olga@example.de>",
        "mail.rate_per_minute": "1000",
    }.items():
        settings_service.set_value(shop, key, value)


def active(purpose: str) -> list[int]:
    return sorted(
        c.customer_id
        for c in Consent.select().where(
            (Consent.purpose == purpose) & Consent.withdrawn_at.is_null()
        )
    )


def test_an_unsubscribe_after_the_backup_stays_after_the_restore(shop, clock, tmp_path):
    anna = add(shop, "Anna", "anna@example.com", "0151 1000 0001")
    berta = add(shop, "Berta", "berta@example.com", "0151 1000 0002")
    backup = safety.backup(shop, "manual")
    clock.advance(hours=1)
    unsubscribes = tmp_path / "abmeldungen.csv"
    unsubscribes.write_text("Kontakt\nberta@example.com\n+49 151 10000001\n", "utf-8")
    report = imports.import_unsubscribes(shop, unsubscribes)
    assert report.withdrawn == 2
    withdrawn = {
        (c.customer_id, c.purpose): (c.withdrawn_at, c.withdrawn_method, c.withdrawn_source)
        for c in Consent.select().where(Consent.withdrawn_at.is_null(False))
    }
    suppressed = sorted((s.kind, s.digest) for s in Suppression.select())
    assert len(suppressed) == 2
    clock.advance(hours=1)

    safety.restore(shop, backup)

    assert active("email") == [anna.id]  # before the fix: [anna, berta]
    assert active("sms") == [berta.id]
    assert {
        (c.customer_id, c.purpose): (c.withdrawn_at, c.withdrawn_method, c.withdrawn_source)
        for c in Consent.select().where(Consent.withdrawn_at.is_null(False))
    } == withdrawn
    assert sorted((s.kind, s.digest) for s in Suppression.select()) == suppressed
    export = newsletter.select(shop, "email", newsletter.parse_segment("all", shop))
    assert [r.customer.id for r in export.recipients] == [anna.id]
    assert not _carry_file().exists()


def test_a_consent_given_anew_after_the_withdrawal_is_not_withdrawn(shop, clock):
    anna = add(shop, "Anna", "anna@example.com", "0151 1000 0001")
    clock.advance(hours=1)
    customers.withdraw_consent(shop, anna.id, "email")
    clock.advance(hours=1)
    backup = safety.backup(shop, "manual")  # withdrawn, not yet given again
    clock.advance(hours=1)
    customers.give_consent(shop, anna.id, "email")
    clock.advance(hours=1)
    restored_too = safety.backup(shop, "manual")  # given again
    safety.restore(shop, backup)
    assert active("email") == []
    safety.restore(shop, restored_too)
    assert active("email") == [anna.id]  # the old withdrawal does not touch the new consent


def test_mails_sent_after_the_backup_are_never_sent_again(shop, clock, smtp):
    anna = add(shop, "Anna", "anna@example.com", "0151 1000 0001")
    set_up_mail(shop, smtp.port)
    queued = reminders.queue_due(shop)
    assert queued.queued == 1
    daily = safety.backup(shop, "daily")  # the welcome mail pending in it
    berta = add(shop, "Berta", "berta@example.com", "0151 1000 0002")
    report = reminders.send(shop)
    assert (report.sent, len(smtp.inbox.mails)) == (2, 2)
    sent = {
        (m.customer_id, m.occasion): (m.status, m.sent_at, m.message_id)
        for m in OutboxMail.select()
    }

    safety.restore(shop, daily)

    # Anna's row was pending in the backup: sent now; Berta is not in the backup at all
    assert {
        (m.customer_id, m.occasion): (m.status, m.sent_at, m.message_id)
        for m in OutboxMail.select()
    } == {key: value for key, value in sent.items() if key[0] == anna.id}
    again = reminders.send(shop)
    assert (again.queued, again.sent, len(smtp.inbox.mails)) == (0, 0, 2)
    assert berta.id not in {c.id for c in customers.find(shop, "berta")}


def test_a_mail_queued_after_the_backup_is_carried_as_sent(shop, clock, smtp):
    anna_data = CustomerInput(first_name="Anna", last_name="Kundin", phone="0151 1000 0001")
    anna = customers.register(shop, anna_data, consents={"data_processing"}).customer
    customers.edit(shop, anna.id, CustomerInput(email="anna@example.com"))
    customers.give_consent(shop, anna.id, "email")
    backup = safety.backup(shop, "manual")  # Anna without a mail yet
    set_up_mail(shop, smtp.port)
    assert reminders.send(shop).sent == 1
    safety.restore(shop, backup)
    assert [(m.customer_id, m.occasion, m.status) for m in OutboxMail.select()] == [
        (anna.id, "welcome", "sent")
    ]
    set_up_mail(shop, smtp.port)  # the backup was made before mail was set up
    again = reminders.send(shop)
    assert (again.queued, again.sent, len(smtp.inbox.mails)) == (0, 0, 1)


def test_a_restore_cut_short_carries_them_at_the_next_start(shop, clock, db_path):
    from olga_loyalty.services import erasure

    berta = add(shop, "Berta", "berta@example.com", "0151 1000 0002")
    backup = safety.backup(shop, "manual")
    clock.advance(hours=1)
    customers.withdraw_consent(shop, berta.id, "email")
    carried = erasure.journal_before_restore()  # as a restore does, then a power cut
    assert carried.withdrawals and _carry_file().exists()
    from olga_loyalty.storage import backup as backups

    backups.restore_into(db_path, backup)  # ... and the power goes
    carry = _carry_file()
    assert "berta" not in carry.read_text().lower()
    close_database()
    shop = open_shop(str(db_path), clock)  # the next start
    assert active("email") == []
    assert not carry.exists()
