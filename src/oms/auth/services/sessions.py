"""Staff sign-ins to the associate app.

A sign-in creates an API token of kind ``session`` with the account's role and stores and
a ``staff_session`` row beside it; the cookie carries the token's secret (only its hash is
stored). Every request of the app therefore acts as an ordinary principal, checked by the
same access rules as the API. Bearer authentication refuses session tokens, so the cookie's
secret is no API key and the idle lock cannot be bypassed.

Each process caches what it read of a session for a few seconds and writes ``last_seen_at``
at most every ``TOUCH_SECONDS``, so a page view costs no database write; the idle lock is
therefore exact to within those few seconds.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field, replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.auth.services.resolver import create_token, hash_secret
from oms.auth.services.staff import StaffAccount
from oms.db.models import StaffSession
from oms.domain.access import Principal, Role
from oms.domain.errors import Forbidden

TOUCH_SECONDS = 30.0
_LOAD = text(
    """
    SELECT t.id AS token_id, t.name, t.role, s.user_id, s.location_id, s.csrf_token,
           u.display_name, loc.code AS store_code, loc.name AS store_name,
           loc.timezone AS store_timezone,
           extract(epoch FROM now() - s.last_seen_at) AS idle_for,
           extract(epoch FROM now() - s.created_at) AS age,
           ARRAY(SELECT l.location_id FROM api_token_location l WHERE l.token_id = t.id)
             AS location_ids
      FROM api_token t
      JOIN staff_session s ON s.token_id = t.id
      JOIN staff_user u ON u.id = s.user_id
      LEFT JOIN location loc ON loc.id = s.location_id
     WHERE t.token_hash = :hash AND t.kind = 'session' AND t.revoked_at IS NULL
       AND s.ended_at IS NULL AND u.active
    """
)
_TOUCH = text(
    "UPDATE staff_session SET last_seen_at = now() WHERE token_id = :token AND ended_at IS NULL"
)
_END = text(
    """
    WITH ended AS (
        UPDATE staff_session SET ended_at = now(), end_reason = :reason
         WHERE token_id = :token AND ended_at IS NULL
     RETURNING token_id)
    UPDATE api_token SET revoked_at = now()
     WHERE id = :token AND revoked_at IS NULL
    """
)
# Sessions nobody ended (a tablet left signed in) but that can no longer be used: idle past
# the lock or older than a shift. Ending them keeps "live" meaning live in the table.
_END_STALE = text(
    """
    WITH ended AS (
        UPDATE staff_session
           SET ended_at = now(),
               end_reason = CASE WHEN created_at < now() - make_interval(secs => :lifetime)
                                 THEN 'expired' ELSE 'idle' END
         WHERE ended_at IS NULL
           AND (last_seen_at < now() - make_interval(secs => :idle)
                OR created_at < now() - make_interval(secs => :lifetime))
     RETURNING token_id)
    UPDATE api_token SET revoked_at = now()
      FROM ended WHERE api_token.id = ended.token_id AND api_token.revoked_at IS NULL
    """
)
_PICK = text("UPDATE staff_session SET location_id = :location WHERE token_id = :token")


@dataclass(frozen=True, slots=True)
class SignIn:
    """A new sign-in: the cookie's secret (shown once) and the session's form token."""

    secret: str
    csrf_token: str


@dataclass(slots=True)
class SessionView:
    """What a request of the app knows about its session."""

    token_id: int
    user_id: int
    username: str
    display_name: str
    role: Role
    location_ids: frozenset[int]
    store_id: int | None
    store_code: str | None
    store_name: str | None
    store_timezone: str | None  # the store's clock, for the times its pages show
    csrf_token: str
    idle_for: float  # seconds since the last request, as of ``seen_at``
    age: float  # seconds since sign-in, as of ``seen_at``
    seen_at: float = field(default_factory=time.monotonic)

    @property
    def principal(self) -> Principal:
        return Principal(
            token_id=self.token_id,
            name=self.username,
            role=self.role,
            location_ids=self.location_ids,
        )

    def idle_now(self) -> float:
        return self.idle_for + time.monotonic() - self.seen_at

    def age_now(self) -> float:
        return self.age + time.monotonic() - self.seen_at

    def form_token_matches(self, sent: str | None) -> bool:
        """Whether a form's token is this session's (constant-time)."""
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf_token.encode())


async def start(session: AsyncSession, account: StaffAccount, store_id: int | None) -> SignIn:
    """Sign ``account`` in, standing in ``store_id`` (None: to be picked, or an admin who
    works at no store). Forbidden for a store outside the account's stores."""
    store_codes = [code for _, code, _ in account.stores]
    if store_id is not None and account.stores and store_id not in {s[0] for s in account.stores}:
        raise Forbidden("that store is not one of this account's stores")
    token, secret, _ = await create_token(
        session,
        name=account.username,
        role=account.role,
        location_codes=store_codes,
        kind="session",
    )
    csrf = secrets.token_urlsafe(32)
    session.add(
        StaffSession(token_id=token.id, user_id=account.id, location_id=store_id, csrf_token=csrf)
    )
    await session.flush()
    return SignIn(secret=secret, csrf_token=csrf)


async def end_stale_sessions(
    session: AsyncSession, *, idle_seconds: float, lifetime_seconds: float
) -> int:
    """End every session idle past the lock or older than its lifetime and revoke its
    token (the maintenance job); how many tokens were revoked."""
    result = await session.execute(_END_STALE, {"idle": idle_seconds, "lifetime": lifetime_seconds})
    return int(result.rowcount)  # type: ignore[attr-defined]


class SessionStore:
    """Reads sessions by their cookie's secret, with a short per-process cache."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl: float) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._cache: dict[bytes, SessionView] = {}

    async def resolve(self, secret: str) -> SessionView | None:
        """The live session behind ``secret`` (not ended, its token not revoked, its
        account active), or None."""
        digest = hash_secret(secret)
        view = self._cache.get(digest)
        if view is not None and time.monotonic() - view.seen_at < self._ttl:
            return view
        async with self._sessionmaker() as session:
            row = (await session.execute(_LOAD, {"hash": digest})).one_or_none()
        if row is None:
            self._cache.pop(digest, None)
            return None
        view = SessionView(
            token_id=row.token_id,
            user_id=row.user_id,
            username=row.name,
            display_name=row.display_name,
            role=Role(row.role),
            location_ids=frozenset(row.location_ids),
            store_id=row.location_id,
            store_code=row.store_code,
            store_name=row.store_name,
            store_timezone=row.store_timezone,
            csrf_token=row.csrf_token,
            idle_for=float(row.idle_for),
            age=float(row.age),
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = view
        return view

    async def touch(self, secret: str, view: SessionView) -> None:
        """Record a request, when the last recorded one is older than ``TOUCH_SECONDS``."""
        if view.idle_now() < TOUCH_SECONDS:
            return
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_TOUCH, {"token": view.token_id})
        self._cache[hash_secret(secret)] = replace(
            view, idle_for=0.0, age=view.age_now(), seen_at=time.monotonic()
        )

    async def end(self, secret: str, token_id: int, reason: str) -> None:
        """End a session (signed out, locked for idleness, expired) and revoke its token."""
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_END, {"token": token_id, "reason": reason})
        self._cache.pop(hash_secret(secret), None)

    async def pick_store(self, secret: str, view: SessionView, store_id: int) -> None:
        """Stand in ``store_id`` from now on; Forbidden outside the session's stores."""
        if not view.principal.sees_location(store_id):
            raise Forbidden("that store is not one of this account's stores")
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_PICK, {"token": view.token_id, "location": store_id})
        self._cache.pop(hash_secret(secret), None)
