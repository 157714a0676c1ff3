"""Standard Webhooks signing for the generic webhook channel, both ways.

A message is signed over ``"<webhook-id>.<webhook-timestamp>.<raw body>"`` with
HMAC-SHA256 under the channel's secret (``whsec_<base64 key>``); the ``standardwebhooks``
library does the signing and the constant-time, time-limited check. This module adds what
the library leaves open: a strict reading of the secret (the library quietly drops bytes
that are not base64, so a typo would become a different key), deterministic message ids,
and the header set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105  # the marker of the form, not a secret
# Shorter keys are too easy to guess; the specification itself suggests 24 to 64 bytes.
MIN_KEY_BYTES = 16
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# The receiver's clock may differ from ours by this much in either direction (the
# library's fixed tolerance; stated here for the documentation and the tests).
TOLERANCE_SECONDS = 5 * 60


class BadSecret(ValueError):
    """The configured value is not a usable ``whsec_`` secret (never carries the value)."""


def signer(secret: str | None) -> Webhook:
    """A signer/verifier for ``secret``; BadSecret if it is missing or malformed."""
    if not secret:
        raise BadSecret("no webhook secret is configured")
    if not secret.startswith(SECRET_PREFIX):
        raise BadSecret(f"the webhook secret must start with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise BadSecret("the webhook secret is not base64 after its prefix") from None
    if len(key) < MIN_KEY_BYTES:
        raise BadSecret(f"the webhook secret's key must be at least {MIN_KEY_BYTES} bytes")
    return Webhook(key)


def new_secret() -> str:
    """A fresh random secret in the ``whsec_`` form (32 bytes of key)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def content_id(content: bytes) -> str:
    """A message id that depends only on ``content``: a retry of the same message carries
    the same id, so the receiver can recognise it."""
    return "msg_" + hashlib.sha256(content).hexdigest()[:32]


def random_id() -> str:
    """A message id for a one-off message."""
    return "msg_" + secrets.token_hex(16)


def signed_headers(
    webhook: Webhook, message_id: str, timestamp: datetime, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(int(timestamp.timestamp())),
        SIGNATURE_HEADER: webhook.sign(message_id, timestamp, body),
    }


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive; the library looks them up in lower case."""
    return {name.lower(): value for name, value in headers.items()}


def now() -> datetime:
    """The signing time, to the second (the header carries whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)
