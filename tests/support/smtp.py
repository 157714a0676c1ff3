"""A real SMTP server on 127.0.0.1 (aiosmtpd, in its own thread) that keeps what it gets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: Message


@dataclass
class MailSink:
    """The handler: records each message; can refuse recipients or defer messages."""

    username: str | None = None
    password: str | None = None
    refuse: set[str] = field(default_factory=set)  # answered 550: never deliverable
    defer_next: int = 0  # this many DATA commands answered 451 (try again later)
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.defer_next > 0:
                self.defer_next -= 1
                return "451 4.3.0 Try again later"
            content = envelope.original_content or envelope.content
            assert isinstance(content, bytes)
            self.received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    recipients=list(envelope.rcpt_tos),
                    message=message_from_bytes(content, policy=default_policy),
                )
            )
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(sink: MailSink) -> Iterator[int]:
    """Serve ``sink`` on 127.0.0.1; yields the port."""
    port = free_port()
    kwargs: dict[str, Any] = {}
    if sink.username is not None:
        # Plain-text AUTH is fine on loopback; real servers are reached with STARTTLS/TLS.
        kwargs = {"authenticator": sink.authenticate, "auth_require_tls": False}
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
