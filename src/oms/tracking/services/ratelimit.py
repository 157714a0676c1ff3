"""Fixed-window rate limits in PostgreSQL, shared by every API process.

One row per (bucket, window): ``INSERT ... ON CONFLICT DO UPDATE SET hits = hits + 1``
counts a hit in one statement. Hits are counted in a transaction of their own, so a
request that fails afterwards (a 404 from a wrong guess) still counts: those are the
requests the limits exist for.

A bucket that counts failures only (wrong look-ups) is charged up front like any other,
so concurrent guesses cannot all slip under the limit before the first is counted, and
``refund`` gives the hit back, in the request's transaction, when the request succeeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.domain.errors import RateLimited

TOO_MANY = "too many requests; try again later"
_HIT = text(
    """
    INSERT INTO rate_limit_window AS r (bucket, window_start, hits)
    SELECT b.bucket, to_timestamp(floor(extract(epoch FROM now()) / b.seconds) * b.seconds), 1
      FROM unnest(CAST(:buckets AS text[]), CAST(:seconds AS int[])) AS b(bucket, seconds)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING r.bucket, r.hits, extract(epoch FROM r.window_start) AS started,
              extract(epoch FROM now()) AS now
    """
)
# Window starts are whole seconds since the epoch, so the round trip through a number is exact.
_REFUND = text(
    """
    UPDATE rate_limit_window AS r SET hits = r.hits - 1
      FROM unnest(CAST(:buckets AS text[]), CAST(:started AS bigint[])) AS b(bucket, started)
     WHERE r.bucket = b.bucket AND r.window_start = to_timestamp(b.started) AND r.hits > 0
    """
)
_PEEK = text(
    """
    SELECT hits, extract(epoch FROM window_start) AS started, extract(epoch FROM now()) AS now
      FROM rate_limit_window
     WHERE bucket = :bucket
       AND window_start = to_timestamp(
             floor(extract(epoch FROM now()) / CAST(:seconds AS int)) * CAST(:seconds AS int))
    """
)
_PURGE = text(
    "DELETE FROM rate_limit_window WHERE window_start < now() - make_interval(secs => :age)"
)
# Longer than the longest window in use, so a current window is never purged.
PURGE_AFTER_SECONDS = 2 * 3600


@dataclass(frozen=True, slots=True)
class Limit:
    bucket: str  # what is counted, e.g. "track-lookup:203.0.113.7"
    limit: int  # hits allowed per window
    seconds: int  # window length


@dataclass(frozen=True, slots=True)
class Counted:
    """A hit that was counted: which bucket, in the window starting at ``started``."""

    bucket: str
    started: int  # seconds since the epoch


async def hit(
    sessionmaker: async_sessionmaker[AsyncSession], limits: Sequence[Limit]
) -> list[Counted]:
    """Count one hit in every bucket (committed at once); RateLimited if any is over."""
    async with sessionmaker() as session, session.begin():
        rows = (
            await session.execute(
                _HIT,
                {
                    "buckets": [limit.bucket for limit in limits],
                    "seconds": [limit.seconds for limit in limits],
                },
            )
        ).all()
    by_bucket = {limit.bucket: limit for limit in limits}
    over = [(row, by_bucket[row.bucket]) for row in rows if row.hits > by_bucket[row.bucket].limit]
    if over:
        raise RateLimited(
            TOO_MANY,
            retry_after=max(_seconds_left(row, limit) for row, limit in over),
        )
    return [Counted(row.bucket, int(row.started)) for row in rows]


async def refund(session: AsyncSession, counted: Sequence[Counted]) -> None:
    """Take back hits counted by ``hit`` (in ``session``'s transaction: if the request
    fails after all, the hits stay counted)."""
    if counted:
        await session.execute(
            _REFUND,
            {"buckets": [c.bucket for c in counted], "started": [c.started for c in counted]},
        )


async def check(session: AsyncSession, limit: Limit) -> None:
    """Refuse when ``limit``'s bucket is already full this window; counts nothing."""
    row = (
        await session.execute(_PEEK, {"bucket": limit.bucket, "seconds": limit.seconds})
    ).one_or_none()
    if row is not None and row.hits >= limit.limit:
        raise RateLimited(TOO_MANY, retry_after=_seconds_left(row, limit))


def _seconds_left(row: Row[Any], limit: Limit) -> int:
    """Until the window ends, rounded up: the Retry-After to send."""
    return math.ceil(float(row.started) + limit.seconds - float(row.now))


async def purge_rate_limit_windows(
    session: AsyncSession, older_than_seconds: int = PURGE_AFTER_SECONDS
) -> int:
    """Delete finished windows (the hourly maintenance job); returns how many."""
    result = await session.execute(_PURGE, {"age": older_than_seconds})
    return int(result.rowcount)  # type: ignore[attr-defined]
