"""A synced channel as a sync pass sees it, and what the pass records about its partner.

Secrets are read from the environment variable the channel names, at the moment a pass
connects, and go nowhere else: not to the database, not to a log line, not to an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.channel_sync import Connection


@dataclass(frozen=True, slots=True)
class SyncedChannel:
    id: int
    code: str
    adapter: str
    partner_url: str
    api_version: str | None
    credentials_env: str | None
    enabled: bool
    paused_until: datetime | None  # the partner asked us to wait until then
    now: datetime  # the database's clock when read
    stores: dict[str, str]  # partner location id -> our location code
    swept_until: datetime | None  # the order sweep's high-water mark (partner time)

    @property
    def paused(self) -> bool:
        return self.paused_until is not None and self.paused_until > self.now

    def connection(
        self, timeout_seconds: float, environ: Mapping[str, str] = os.environ
    ) -> Connection:
        """How to reach the partner, with the secret read from ``environ`` now."""
        secret = environ.get(self.credentials_env) if self.credentials_env else None
        return Connection(
            channel=self.code,
            partner_url=self.partner_url,
            api_version=self.api_version,
            credentials=secret or None,
            timeout_seconds=timeout_seconds,
            stores=self.stores,
        )


_READ = text(
    """
    SELECT c.id, c.code, cs.adapter, cs.partner_url, cs.api_version, cs.credentials_env,
           cs.enabled, cs.paused_until, cs.swept_until, now() AS now,
           COALESCE((SELECT jsonb_object_agg(f.partner_location_id, loc.code)
                       FROM channel_feed_location f JOIN location loc ON loc.id = f.location_id
                      WHERE f.channel_id = c.id AND f.partner_location_id IS NOT NULL),
                    '{}'::jsonb) AS stores
      FROM channel c JOIN channel_sync cs ON cs.channel_id = c.id
     WHERE (CAST(:code AS text) IS NULL OR c.code = :code)
       AND (NOT CAST(:enabled_only AS boolean) OR cs.enabled)
     ORDER BY c.code
    """
)


async def synced_channel(session: AsyncSession, code: str) -> SyncedChannel | None:
    """The channel's sync settings, or None if it has none."""
    row = (await session.execute(_READ, {"code": code, "enabled_only": False})).one_or_none()
    return None if row is None else SyncedChannel(**row._mapping)


async def enabled_channels(session: AsyncSession) -> list[SyncedChannel]:
    """Every channel whose sync is enabled, in code order."""
    rows = await session.execute(_READ, {"code": None, "enabled_only": True})
    return [SyncedChannel(**row._mapping) for row in rows]


_PAUSE = text(
    """
    UPDATE channel_sync
       SET paused_until = GREATEST(COALESCE(paused_until, now()),
                                   now() + make_interval(secs => :seconds))
     WHERE channel_id = :channel_id
    """
)
_FAILED = text(
    """
    UPDATE channel_sync SET last_error = :error, last_error_at = now()
     WHERE channel_id = :channel_id
    """
)
_SUCCEEDED = text("UPDATE channel_sync SET last_success_at = now() WHERE channel_id = :channel_id")
_LOG_CALL = text(
    """
    INSERT INTO channel_push (channel_id, quantities, failed, outcome)
    VALUES (:channel_id, :quantities, :failed, :outcome)
    """
)


async def pause(session: AsyncSession, channel_id: int, seconds: float) -> None:
    """No push to this partner for ``seconds`` (never shortens a pause already set)."""
    await session.execute(_PAUSE, {"channel_id": channel_id, "seconds": seconds})


async def record_channel_error(session: AsyncSession, channel_id: int, error: str) -> None:
    """The partner failed as a whole (down, refused credentials): shown in the status."""
    await session.execute(_FAILED, {"channel_id": channel_id, "error": error[:2000]})


async def record_call(
    session: AsyncSession, channel_id: int, *, quantities: int, failed: int, outcome: str
) -> None:
    """One partner call (ok | stale | throttled | unavailable | refused), for status and
    metrics; a successful one also stamps the channel's last success."""
    await session.execute(
        _LOG_CALL,
        {"channel_id": channel_id, "quantities": quantities, "failed": failed, "outcome": outcome},
    )
    if outcome in ("ok", "stale"):
        await session.execute(_SUCCEEDED, {"channel_id": channel_id})
