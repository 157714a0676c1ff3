"""API tokens: generated once, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import ApiToken, ApiTokenLocation, Location
from oms.domain.access import Principal, Role, check_token_scope
from oms.domain.errors import NotFound

TOKEN_PREFIX = "oms_"  # noqa: S105  (a recognisable prefix, not a secret)


def new_secret() -> str:
    """A fresh bearer secret: ``oms_`` and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    """The SHA-256 digest stored and looked up in place of the secret."""
    return hashlib.sha256(secret.encode()).digest()


async def create_token(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    location_codes: Sequence[str] = (),
    channel_code: str | None = None,
    kind: str = "api",
) -> tuple[ApiToken, str, list[str]]:
    """Create a token; returns (row, secret, location codes). The secret is never stored.
    ``kind="session"`` for a staff member's sign-in to the app."""
    check_token_scope(role, has_locations=bool(location_codes), has_channel=bool(channel_code))
    locations = []
    if location_codes:
        rows = await session.scalars(select(Location).where(Location.code.in_(location_codes)))
        locations = list(rows)
        missing = sorted(set(location_codes) - {loc.code for loc in locations})
        if missing:
            raise NotFound(f"unknown location(s): {', '.join(missing)}", locations=missing)
    secret = new_secret()
    token = ApiToken(
        name=name, token_hash=hash_secret(secret), role=role, channel_code=channel_code, kind=kind
    )
    session.add(token)
    await session.flush()
    session.add_all(ApiTokenLocation(token_id=token.id, location_id=loc.id) for loc in locations)
    await session.flush()
    return token, secret, sorted(loc.code for loc in locations)


class TokenResolver:
    """Looks a bearer secret up, with a short per-process cache.

    The cache keeps authentication off the hot path's database round trips; a revoked
    token stops working within ``ttl`` seconds.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl: float) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._cache: dict[bytes, tuple[float, Principal | None]] = {}

    async def resolve(self, secret: str) -> Principal | None:
        """The live token's principal, or None; either answer is cached for ``ttl`` seconds."""
        digest = hash_secret(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        principal = await self._load(digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self._ttl, principal)
        return principal

    def forget_all(self) -> None:
        """Drop every cached answer, so a revocation applies at once in this process."""
        self._cache.clear()

    async def _load(self, digest: bytes) -> Principal | None:
        async with self._sessionmaker() as session:
            token = await session.scalar(
                select(ApiToken).where(
                    ApiToken.token_hash == digest,
                    ApiToken.revoked_at.is_(None),
                    # A staff sign-in's secret opens the app only, under its idle lock.
                    ApiToken.kind == "api",
                )
            )
            if token is None:
                return None
            location_ids = await session.scalars(
                select(ApiTokenLocation.location_id).where(ApiTokenLocation.token_id == token.id)
            )
            return Principal(
                token_id=token.id,
                name=token.name,
                role=Role(token.role),
                location_ids=frozenset(location_ids),
                channel_code=token.channel_code,
            )
