"""``Idempotency-Key`` support: same key + same request → the first response, replayed.

The key row is claimed inside the request's own transaction. A concurrent duplicate
blocks on the uncommitted row and, once the first commits, reads its stored response; if
the first request fails, its transaction (claim included) rolls back and a retry runs
afresh. Only successful responses are stored: a failed request leaves nothing behind.

"Same request" means the same method, path and decoded body (``oms.domain.fingerprint``):
a client that re-serialises the same JSON with other key order or spacing is the same
request. The key itself is checked at the HTTP edge (``KEY_PATTERN``), before any of this.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.errors import IdempotencyKeyReused
from oms.domain.patterns import whole

MAX_KEY_LENGTH = 255
# Visible ASCII with spaces inside, as the IETF Idempotency-Key draft's string allows:
# anything else (control characters, bytes beyond ASCII) cannot be a key.
KEY_PATTERN = whole(r"[\x21-\x7E]([\x20-\x7E]*[\x21-\x7E])?")

_CLAIM = text(
    """
    INSERT INTO idempotency_key (scope, key, fingerprint, status_code, response_body)
    VALUES (:scope, :key, :fingerprint, 0, '')
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING 1
    """
)
_READ = text(
    "SELECT fingerprint, status_code, response_body, response_headers FROM idempotency_key"
    " WHERE scope = :scope AND key = :key"
)
_STORE = text(
    "UPDATE idempotency_key SET status_code = :status, response_body = :body,"
    " response_headers = CAST(:headers AS jsonb) WHERE scope = :scope AND key = :key"
)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestFingerprint:
    """What identifies a request: its decoded body's fingerprint, and how keys stored
    before fingerprints were taken of the decoded body identified it (the raw bytes)."""

    decoded: bytes
    raw: bytes


def raw_fingerprint(method: str, path: str, body: bytes) -> bytes:
    """The digest keys were stored with before bodies were compared decoded. A retry of
    such a key (they live ``idempotency_ttl_hours``) sends the same bytes, so it matches."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).digest()


async def claim(
    session: AsyncSession, scope: str, key: str, request: RequestFingerprint
) -> StoredResponse | None:
    """None: this request owns the key and must run. Otherwise: the response to replay."""
    params = {"scope": scope, "key": key}
    if (await session.execute(_CLAIM, {**params, "fingerprint": request.decoded})).first():
        return None
    row = (await session.execute(_READ, params)).one()
    if row.fingerprint not in (request.decoded, request.raw):
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request", key=key
        )
    return StoredResponse(row.status_code, row.response_body, dict(row.response_headers))


async def store(
    session: AsyncSession,
    scope: str,
    key: str,
    status_code: int,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    """Record the response under a key claimed earlier in this transaction (a claim to fill)."""
    await session.execute(
        _STORE,
        {
            "scope": scope,
            "key": key,
            "status": status_code,
            "body": body,
            "headers": json.dumps(headers or {}),
        },
    )
