"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 on a free port, plain, with
STARTTLS or with SSL (a self-signed certificate made here), optionally with a login. It
keeps every mail it accepted, can refuse chosen recipients for good (550) or for now (450),
and can hold a mail's final answer back (to kill the sender at that moment)."""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "olga@example.de", "geheim-ß-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        # as a mail program reads it: the wire's CRLF line ends become plain line ends
        data = self.data.replace(b"\r\n", b"\n")
        return email.message_from_bytes(data, policy=default_policy)  # type: ignore[return-value]

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class Inbox:
    """The aiosmtpd handler: what arrived, and what to refuse."""

    mails: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." / "450 ..."
    refuse_sender: str = ""  # e.g. "553 5.7.1 ...": MAIL FROM is refused
    hold: threading.Event | None = None  # set: the final answer to DATA waits until cleared
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.arrived.set()
        if self.hold is not None:
            import asyncio

            while self.hold.is_set():
                await asyncio.sleep(0.05)
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.mails if address in m.rcpt_tos]


class SmtpServer:
    """`with SmtpServer(mode) as server:` a running server; `server.inbox` what it got."""

    def __init__(self, mode: str = "none", *, folder: Path | None = None, login: bool = False):
        self.mode, self.login = mode, login
        self.port = free_port()
        self.inbox = Inbox()
        self.cert: Path | None = None
        kwargs: dict = {}
        if mode in ("ssl", "starttls"):
            assert folder is not None
            self.cert, key = make_certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            kwargs["ssl_context" if mode == "ssl" else "tls_context"] = context
            if mode == "starttls":
                kwargs["require_starttls"] = True
        if login:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            # aiosmtpd counts only STARTTLS as TLS; an ssl connection is encrypted from the start
            kwargs["auth_require_tls"] = mode != "ssl"
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )

    @staticmethod
    def _authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        )
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
