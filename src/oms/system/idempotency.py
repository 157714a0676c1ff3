"""``Idempotency-Key`` support: same key + same request → the first response, replayed.

The key row is claimed inside the request's own transaction. A concurrent duplicate
blocks on the uncommitted row and, once the first commits, reads its stored response; if
the first request fails, its transaction (claim included) rolls back and a retry runs
afresh. Only successful responses are stored: a failed request leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.errors import IdempotencyKeyReused, InvalidInput

MAX_KEY_LENGTH = 255

_CLAIM = text(
    """
    INSERT INTO idempotency_key (scope, key, fingerprint, status_code, response_body)
    VALUES (:scope, :key, :fingerprint, 0, '')
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING 1
    """
)
_READ = text(
    "SELECT fingerprint, status_code, response_body FROM idempotency_key"
    " WHERE scope = :scope AND key = :key"
)
_STORE = text(
    "UPDATE idempotency_key SET status_code = :status, response_body = :body"
    " WHERE scope = :scope AND key = :key"
)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).digest()


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


async def claim(
    session: AsyncSession, scope: str, key: str, request_fingerprint: bytes
) -> StoredResponse | None:
    """None: this request owns the key and must run. Otherwise: the response to replay."""
    params = {"scope": scope, "key": validate_key(key)}
    if (await session.execute(_CLAIM, {**params, "fingerprint": request_fingerprint})).first():
        return None
    row = (await session.execute(_READ, params)).one()
    if row.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request", key=key
        )
    return StoredResponse(row.status_code, row.response_body)


async def store(session: AsyncSession, scope: str, key: str, status_code: int, body: bytes) -> None:
    await session.execute(_STORE, {"scope": scope, "key": key, "status": status_code, "body": body})
