"""Reminder mails (SPEC §12) as pure rules: the mail and reminder settings, the texts with
their placeholders, the occasion key that lets each reminder go out once, and what a mail
server's answer means. No database, no network: the services fill in and send.
"""

from __future__ import annotations

from olga_loyalty.domain.reminders.outbox import (
    BIRTHDAY_CATCH_UP_DAYS,
    KIND_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    STATUSES,
    Rendered,
    answer_text,
    is_permanent,
    occasion_key,
    render,
)
from olga_loyalty.domain.reminders.settings import (
    DEFAULT_PORTS,
    MAIL_KEYS,
    SECURITY,
    MailSettings,
    ReminderSettings,
    address_of,
    change_mail,
    change_reminders,
    name_of,
    parse_mailbox,
    parse_switch,
    unknown_setting,
)
from olga_loyalty.domain.reminders.texts import (
    BODY_MAX,
    DEFAULT_TEXTS,
    FOOTERS,
    KINDS,
    LANGUAGES,
    PLACEHOLDERS,
    SUBJECT_MAX,
    TEST_TEXTS,
    UNSUBSCRIBE_WORD,
    check_body,
    check_subject,
    check_template,
)

__all__ = [
    "BIRTHDAY_CATCH_UP_DAYS",
    "BODY_MAX",
    "DEFAULT_PORTS",
    "DEFAULT_TEXTS",
    "FOOTERS",
    "KINDS",
    "KIND_LABELS",
    "LANGUAGES",
    "MAIL_KEYS",
    "PLACEHOLDERS",
    "REASON_LABELS",
    "SECURITY",
    "STATUSES",
    "STATUS_LABELS",
    "SUBJECT_MAX",
    "TEST_TEXTS",
    "UNSUBSCRIBE_WORD",
    "MailSettings",
    "ReminderSettings",
    "Rendered",
    "address_of",
    "answer_text",
    "change_mail",
    "change_reminders",
    "check_body",
    "check_subject",
    "check_template",
    "is_permanent",
    "name_of",
    "occasion_key",
    "parse_mailbox",
    "parse_switch",
    "render",
    "unknown_setting",
]
