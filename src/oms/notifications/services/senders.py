"""Ways to deliver a customer message: a log line (development) or SMTP.

``OMS_SMTP_URL`` chooses SMTP; without it messages are only logged, so a fresh install
works without a mail server and nothing is mailed to real people by accident.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Literal, Protocol
from urllib.parse import unquote, urlsplit

from oms.config import Settings
from oms.domain.fulfilment_flow import PICKUP_CODE_ALPHABET, PICKUP_CODE_LENGTH

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0
Security = Literal["plain", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    notification_id: int
    kind: str
    recipient: str
    subject: str
    body: str


class PermanentSendError(Exception):
    """The message can never be delivered as it is (e.g. the address is refused): no retry."""


class NotificationSender(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Deliver or raise; PermanentSendError when trying again cannot help."""
        ...


class LogSender:
    """For development and demos: the message is written to the log instead of mailed.

    Logs are read by more people, kept longer and shipped further than a customer's mail,
    and a deployment that forgot ``OMS_SMTP_URL`` runs this sender in production. So the
    line carries the message without its secrets: the pickup code (which collects the
    parcel) and the tracking link's token (whose page shows the code). A developer trying
    a hand-over reads the code on the tracking page of the demo's tracking token.
    """

    async def send(self, message: OutgoingMessage) -> None:
        """Write the message to the log, its pickup code and tracking token redacted."""
        log.info(
            "notification (log sender)",
            extra={
                "notification_id": message.notification_id,
                "kind": message.kind,
                "recipient": message.recipient,
                "subject": redact_secrets(message.subject),
                "body": redact_secrets(message.body),
            },
        )


# The labelled code, whatever its shape; anything shaped like one of our codes; the token
# in a tracking link.
_SECRETS = (
    (re.compile(r"(?i)(pickup code:\s*)\S+"), r"\1[redacted]"),
    (re.compile(rf"\b[{PICKUP_CODE_ALPHABET}]{{{PICKUP_CODE_LENGTH}}}\b"), "[redacted]"),
    (re.compile(r"(/track/)[^\s/?#]+"), r"\1[redacted]"),
)


def redact_secrets(text: str) -> str:
    """``text`` with pickup codes and tracking tokens blanked, for logging a message."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://[user:pass@]host[:port]``; ``smtp+starttls://`` requires STARTTLS and
    ``smtps://`` is TLS from the first byte. User and password are percent-decoded."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ValueError(
            "OMS_SMTP_URL must look like smtp://user:pass@host:port"
            f" (schemes: {', '.join(_SCHEMES)})"
        )
    security, default_port = _SCHEMES[parts.scheme]
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpSender:
    """One connection per message: notifications are few, and a fresh connection never
    meets a server that closed an idle one."""

    def __init__(self, config: SmtpConfig, from_address: str) -> None:
        self._config = config
        self._from = from_address
        domain = parseaddr(from_address)[1].rpartition("@")[2]
        self._id_domain = domain or "oms.invalid"

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The email for a message; its Message-ID is the same on every retry of that message."""
        email = EmailMessage()
        email["From"] = self._from
        email["To"] = Address(addr_spec=message.recipient)
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        # The same id on a repeated delivery lets mail systems recognise the duplicate.
        email["Message-ID"] = f"<notification-{message.notification_id}@{self._id_domain}>"
        email.set_content(message.body)
        return email

    async def send(self, message: OutgoingMessage) -> None:
        """Mail the message on a fresh connection (off the event loop); PermanentSendError when
        the server refuses it for good (5xx), other errors are worth a retry."""
        email = self.build(message)
        await asyncio.to_thread(self._send_blocking, email)

    def _send_blocking(self, email: EmailMessage) -> None:
        config = self._config
        client: smtplib.SMTP
        if config.security == "tls":
            client = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=SMTP_TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.username is not None:
                client.login(config.username, config.password or "")
            try:
                client.send_message(email)
            except smtplib.SMTPRecipientsRefused as exc:
                if all(code >= 500 for code, _ in exc.recipients.values()):
                    raise PermanentSendError(f"recipient refused: {exc.recipients}") from exc
                raise
            except smtplib.SMTPDataError as exc:
                if exc.smtp_code >= 500:
                    raise PermanentSendError(f"message refused: {exc.smtp_code}") from exc
                raise


def sender_for(settings: Settings) -> NotificationSender:
    """SMTP when OMS_SMTP_URL is set, else a sender that only logs (secrets redacted)."""
    if settings.smtp_url:
        return SmtpSender(parse_smtp_url(settings.smtp_url), settings.smtp_from)
    return LogSender()
