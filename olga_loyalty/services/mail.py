"""The shop's own mail account: SMTP with smtplib, the password from the system keyring or
`OLGA_LOYALTY_SMTP_PASSWORD` (never the database, a backup or a log), and every answer of
the server in words.

Nothing here logs: a server's answer often quotes the recipient's address.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

from olga_loyalty.domain.customers import normalize_email
from olga_loyalty.domain.errors import InvalidInput, Plural, Refused
from olga_loyalty.domain.reminders import (
    TEST_TEXTS,
    UNSUBSCRIBE_WORD,
    MailSettings,
    address_of,
    answer_text,
    is_permanent,
    name_of,
)

PASSWORD_ENV = "OLGA_LOYALTY_SMTP_PASSWORD"
KEYRING_SERVICE = "olga-loyalty"
#: Seconds to wait for the server at each step (connect, greeting, each command).
TIMEOUT = 20.0


class MailError(Refused):
    """The mail server could not be used; `kind` says why (connection, timeout, tls, auth,
    sender, recipient, setup). The message says it in words."""

    def __init__(
        self, template: str | Plural, *, kind: str, field: str | None = None, **params: object
    ) -> None:
        super().__init__(template, field=field, **params)
        self.kind = kind


# -- the password ---------------------------------------------------------------------


def _keyring():
    """The system keyring, or None where there is none (a headless Linux without a secret
    service, a locked-down PC)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:  # keyring missing or broken: the environment variable still works
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def _account(settings: MailSettings) -> str:
    return f"smtp:{settings.user}@{settings.host}"


def _from_keyring(settings: MailSettings) -> str | None:
    kr = _keyring()
    if kr is None or not settings.host:
        return None
    try:
        return kr.get_password(KEYRING_SERVICE, _account(settings))
    except Exception:
        return None


def password_source(settings: MailSettings) -> str:
    """Where the password comes from: `not_needed` (no user name), `keyring`,
    `environment`, or `none`."""
    if not settings.user:
        return "not_needed"
    if _from_keyring(settings):
        return "keyring"
    if os.environ.get(PASSWORD_ENV):
        return "environment"
    return "none"


def password(settings: MailSettings) -> str | None:
    return _from_keyring(settings) or os.environ.get(PASSWORD_ENV) or None


def store_password(settings: MailSettings, secret: str | None) -> None:
    """Keep the password in the system keyring (or remove it with None)."""
    if not settings.host or not settings.user:
        raise Refused(
            "Enter the mail server and the user name first; the password belongs to that account."
        )
    kr = _keyring()
    if kr is None:
        raise Refused(
            "There is no system keyring on this computer: set the password in the environment "
            "variable OLGA_LOYALTY_SMTP_PASSWORD of the till instead."
        )
    if secret is None:
        try:
            kr.delete_password(KEYRING_SERVICE, _account(settings))
        except Exception:  # nothing stored: nothing to remove
            pass
        return
    if not secret or len(secret) > 500 or any(not ch.isprintable() for ch in secret):
        raise InvalidInput("The password must be 1 to 500 printable characters.", field="password")
    try:
        kr.set_password(KEYRING_SERVICE, _account(settings), secret)
    except Exception as exc:
        raise Refused(
            "The system keyring did not take the password: {reason}", reason=str(exc)[:200]
        ) from None


# -- the message ----------------------------------------------------------------------


def build_message(
    settings: MailSettings,
    *,
    to_address: str,
    to_name: str,
    subject: str,
    body: str,
    language: str,
    now: datetime,
    unsubscribe: bool = True,
) -> EmailMessage:
    """A plain-text UTF-8 mail from the shop, with Reply-To and List-Unsubscribe."""
    message = EmailMessage(policy=SMTP_POLICY)
    sender = address_of(settings.sender)
    message["From"] = Address(display_name=name_of(settings.sender), addr_spec=sender)
    try:
        message["To"] = Address(display_name=to_name, addr_spec=to_address)
    except Exception:  # an address the header parser cannot split: send it bare
        message["To"] = to_address
    reply = settings.reply_address
    message["Reply-To"] = reply
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if unsubscribe:
        word = UNSUBSCRIBE_WORD.get(language, UNSUBSCRIBE_WORD["de"])
        message["List-Unsubscribe"] = f"<mailto:{reply}?subject={quote(word)}>"
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


# -- the connection -------------------------------------------------------------------


class _Tracking:
    """Remembers the last reply code: after a 354 ("send the mail") the server may have
    taken the mail even if its final answer never arrives."""

    last_code: int | None = None
    last_message: bytes = b""

    def getreply(self):
        code, message = super().getreply()  # type: ignore[misc]
        self.last_code, self.last_message = code, message
        return code, message

    def auth(self, mechanism, authobject, *, initial_response_ok=True):
        """smtplib's login, with the user name and password sent as UTF-8 (RFC 4616): its
        own sends ASCII only and fails on a password like "Blümchen-ß"."""
        import base64

        mechanism = mechanism.upper()
        initial = authobject() if initial_response_ok else None
        if initial is not None:
            encoded = base64.b64encode(initial.encode("utf-8")).decode("ascii")
            code, reply = self.docmd("AUTH", f"{mechanism} {encoded}")  # type: ignore[attr-defined]
            self._auth_challenge_count = 1
        else:
            code, reply = self.docmd("AUTH", mechanism)  # type: ignore[attr-defined]
            self._auth_challenge_count = 0
        while code == 334:
            self._auth_challenge_count += 1
            if self._auth_challenge_count > 5:
                raise smtplib.SMTPException("The server's login asks for ever.")
            answer = authobject(base64.decodebytes(reply))
            code, reply = self.docmd(base64.b64encode(answer.encode("utf-8")).decode("ascii"))  # type: ignore[attr-defined]
        if code in (235, 503):
            return code, reply
        raise smtplib.SMTPAuthenticationError(code, reply)

    def auth_cram_md5(self, challenge=None):
        import hmac

        if challenge is None:
            return None
        digest = hmac.HMAC(self.password.encode("utf-8"), challenge, "md5").hexdigest()  # type: ignore[attr-defined]
        return f"{self.user} {digest}"  # type: ignore[attr-defined]


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates (SSL_CERT_FILE works too), host names checked."""
    return ssl.create_default_context()


def _connection_error(exc: BaseException, settings: MailSettings) -> MailError:
    host, port = settings.host, settings.effective_port
    if isinstance(exc, socket.gaierror):
        return MailError(
            "The mail server {host} was not found. Check the server name in the mail settings.",
            kind="connection",
            host=host,
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailError(
            "The mail server {host} refused the connection on port {port}. Check the port and "
            "the security setting.",
            kind="connection",
            host=host,
            port=port,
        )
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib reports a read that timed out as "Connection unexpectedly closed"
        return MailError(
            Plural(
                "The mail server {host} did not answer within {seconds} second on port {port}. "
                "Check the port and the security setting (port 465: ssl, port 587: starttls).",
                "The mail server {host} did not answer within {seconds} seconds on port {port}. "
                "Check the port and the security setting (port 465: ssl, port 587: starttls).",
                int(TIMEOUT),
            ),
            kind="timeout",
            host=host,
            port=port,
            seconds=int(TIMEOUT),
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            "The certificate of the mail server {host} is not valid: {reason}.",
            kind="tls",
            host=host,
            reason=exc.verify_message or str(exc),
        )
    if isinstance(exc, ssl.SSLError):
        return MailError(
            "The encrypted connection to {host} on port {port} failed ({reason}). Port 465 "
            "needs the security setting ssl, port 587 starttls.",
            kind="tls",
            host=host,
            port=port,
            reason=exc.reason or str(exc),
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailError(
            "The mail server {host} closed the connection unexpectedly. Check the port and "
            "the security setting.",
            kind="connection",
            host=host,
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(
            "The mail server refused the user name or the password ({answer}).",
            kind="auth",
            answer=answer_text(exc.smtp_code, exc.smtp_error),
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc).upper():
        return MailError(
            "The mail server {host} offers no encryption (STARTTLS) on port {port}. Choose the "
            "security setting ssl (port 465) or ask the provider.",
            kind="tls",
            host=host,
            port=port,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper():
        return MailError(
            "The mail server {host} accepts no login on this connection; choose the security "
            "setting starttls or ssl.",
            kind="auth",
            host=host,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(
            "The mail server {host} answered with an error: {answer}",
            kind="connection",
            host=host,
            answer=answer_text(exc.smtp_code, exc.smtp_error),
        )
    return MailError(
        "The mail server {host} cannot be reached: {reason}",
        kind="connection",
        host=host,
        reason=str(exc)[:200] or type(exc).__name__,
    )


def check_ready(settings: MailSettings) -> str | None:
    """The password to log in with. Refuses when mail is not set up or a password is missing."""
    if not settings.configured:
        raise MailError(
            "Mail is not set up: enter the server and the sender in the settings (E-Mail).",
            kind="setup",
        )
    secret = password(settings)
    if settings.user and not secret:
        raise MailError(
            "No password for the mail account: store it in the settings (E-Mail) or set "
            "OLGA_LOYALTY_SMTP_PASSWORD.",
            kind="setup",
        )
    return secret


def connect(settings: MailSettings, secret: str | None, *, timeout: float | None = None):
    """An open, logged-in SMTP connection, or a MailError in words."""
    timeout = TIMEOUT if timeout is None else timeout
    host, port = settings.host, settings.effective_port
    connection: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            connection = _SMTPSSL(host, port, timeout=timeout, context=tls_context())
        else:
            connection = _SMTP(host, port, timeout=timeout)
        connection.ehlo()
        if settings.security == "starttls":
            connection.starttls(context=tls_context())
            connection.ehlo()
        if settings.user:
            connection.login(settings.user, secret or "")
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        if connection is not None:
            close(connection)
        raise _connection_error(exc, settings) from None
    return connection


def close(connection) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        try:
            connection.close()
        except OSError:
            pass


@dataclass(frozen=True)
class Delivery:
    """What became of one mail: `sent`, `failed` (5xx: never again by itself), `pending`
    (4xx: later), `lost` (no connection before the mail was handed over: later), or
    `unknown` (the connection broke after the mail was handed over: it may have arrived)."""

    outcome: str
    answer: str = ""
    error: MailError | None = None


def deliver(connection, message: EmailMessage, settings: MailSettings) -> Delivery:
    connection.last_code = None
    try:
        connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (None, b""))
        answer = answer_text(code, text)
        if code == 421:
            return Delivery("lost", answer, _connection_error(exc, settings))
        return Delivery("failed" if is_permanent(code) else "pending", answer)
    except smtplib.SMTPSenderRefused as exc:
        answer = answer_text(exc.smtp_code, exc.smtp_error)
        return Delivery(
            "lost",
            answer,
            MailError(
                "The mail server refused the sender {sender}: {answer}",
                kind="sender",
                sender=address_of(settings.sender),
                answer=answer,
            ),
        )
    except smtplib.SMTPDataError as exc:
        answer = answer_text(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code == 421:
            return Delivery("lost", answer, _connection_error(exc, settings))
        return Delivery("failed" if is_permanent(exc.smtp_code) else "pending", answer)
    except smtplib.SMTPNotSupportedError as exc:  # an address that needs SMTPUTF8
        return Delivery("failed", answer_text(None, str(exc)))
    except (smtplib.SMTPException, OSError) as exc:
        outcome = "unknown" if connection.last_code == 354 else "lost"
        return Delivery(outcome, "", _connection_error(exc, settings))
    return Delivery("sent", answer_text(connection.last_code, connection.last_message))


def send_test(
    settings: MailSettings, address: str, *, shop_name: str, language: str, now: datetime
) -> str:
    """Send a test mail to `address`; return the server's answer, or a MailError in words."""
    address = normalize_email(address, field="address")
    if not address:
        raise InvalidInput("Give the address to send the test mail to.", field="address")
    secret = check_ready(settings)
    subject, body = TEST_TEXTS.get(language, TEST_TEXTS["en"])
    message = build_message(
        settings,
        to_address=address,
        to_name="",
        subject=subject,
        body=body.format(
            shop=shop_name or "Olga Loyalty",
            host=f"{settings.host}:{settings.effective_port} ({settings.security})",
            sender=settings.sender,
            reply_to=settings.reply_address,
        ),
        language=language,
        now=now,
        unsubscribe=False,
    )
    connection = connect(settings, secret)
    try:
        result = deliver(connection, message, settings)
    finally:
        close(connection)
    if result.outcome == "sent":
        return result.answer
    if result.error is not None:
        raise result.error
    raise MailError(
        "The mail server refused the recipient {address}: {answer}",
        kind="recipient",
        address=address,
        answer=result.answer,
    )
