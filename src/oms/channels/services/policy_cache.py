"""Channel policies cached per process for a few seconds, off the order hot path.

Every order reads its channel's policy; channels change a few times a year. A change
applies at once in the process that made it and within ``TTL_SECONDS`` in the others
(the same trade as API tokens).
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncConnection

from oms.channels.services.policy import ChannelPolicy, channel_policy

TTL_SECONDS = 5.0

_cache: dict[str, tuple[float, ChannelPolicy]] = {}


async def cached_channel_policy(conn: AsyncConnection, code: str) -> ChannelPolicy | None:
    """The channel's policy, at most ``TTL_SECONDS`` old; None for an unknown code (not cached)."""
    now = time.monotonic()
    hit = _cache.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    policy = await channel_policy(conn, code)
    if policy is not None:  # unknown codes are not cached: a new channel works at once
        _cache[code] = (now + TTL_SECONDS, policy)
    return policy


def forget(code: str) -> None:
    """Drop a changed channel so this process sees the change on its next order."""
    _cache.pop(code, None)
