"""How a channel's sync is doing: what waits, since when, what failed, how fast it goes.

One statement per question set, read by ``GET /channels/{code}/sync/status`` and by the
Prometheus gauges (``oms.system``), so the API and the metrics never disagree.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.sync.schemas import SyncStatusOut

_STATUS = text(
    """
    SELECT c.code AS channel, cs.adapter, cs.enabled, cs.last_success_at, cs.last_error,
           cs.last_error_at,
           CASE WHEN cs.paused_until > now() THEN cs.paused_until END AS paused_until,
           l.listings, l.pending, l.failing,
           EXTRACT(EPOCH FROM now() - l.oldest_pending)::float8 AS oldest_pending_seconds,
           COALESCE(p.pushes, 0) AS pushes_last_minute, COALESCE(p.calls, 0) AS calls_last_minute,
           COALESCE(h.by_outcome, '{}'::jsonb) AS calls_last_hour,
           w.events_waiting,
           EXTRACT(EPOCH FROM now() - w.oldest)::float8 AS oldest_waiting_event_seconds,
           f.events_failed
      FROM channel c
      JOIN channel_sync cs ON cs.channel_id = c.id
      CROSS JOIN LATERAL (
            SELECT count(*) AS listings,
                   count(*) FILTER (WHERE pending) AS pending,
                   count(*) FILTER (WHERE pending AND last_error IS NOT NULL) AS failing,
                   min(since) FILTER (WHERE pending) AS oldest_pending
              FROM (SELECT cl.last_error,
                           cl.pending_seq > cl.synced_seq OR s.at IS NOT NULL AS pending,
                           LEAST(CASE WHEN cl.pending_seq > cl.synced_seq THEN cl.pending_since END,
                                 s.at) AS since
                      FROM channel_listing cl
                      LEFT JOIN LATERAL (
                            SELECT min(created_at) AS at FROM stock_signal ss
                             WHERE ss.sku_id = cl.sku_id
                               AND (ss.location_id IS NULL OR cl.location_id IS NULL
                                    OR ss.location_id = cl.location_id)
                      ) s ON TRUE
                     WHERE cl.channel_id = c.id) per_listing
      ) l
      CROSS JOIN LATERAL (
            SELECT sum(quantities - failed) FILTER (WHERE outcome IN ('ok', 'stale')) AS pushes,
                   count(*) AS calls
              FROM channel_push
             WHERE channel_id = c.id AND pushed_at > now() - interval '1 minute'
      ) p
      CROSS JOIN LATERAL (
            SELECT jsonb_object_agg(outcome, n) AS by_outcome
              FROM (SELECT outcome, count(*) AS n FROM channel_push
                     WHERE channel_id = c.id AND pushed_at > now() - interval '1 hour'
                     GROUP BY outcome) o
      ) h
      -- Each count reads its own partial index (state = 'received' / 'failed').
      CROSS JOIN LATERAL (
            SELECT count(*) AS events_waiting, min(received_at) AS oldest
              FROM channel_event WHERE channel_id = c.id AND state = 'received'
      ) w
      CROSS JOIN LATERAL (
            SELECT count(*) AS events_failed
              FROM channel_event WHERE channel_id = c.id AND state = 'failed'
      ) f
     WHERE (CAST(:code AS text) IS NULL OR c.code = :code)
     ORDER BY c.code
    """
)


async def sync_statuses(session: AsyncSession, code: str | None = None) -> list[SyncStatusOut]:
    """The status of one synced channel (``code``) or of every one, in code order."""
    rows = await session.execute(_STATUS, {"code": code})
    return [msgspec.convert(dict(row._mapping), SyncStatusOut) for row in rows]


_PURGE = text("DELETE FROM channel_push WHERE pushed_at < now() - interval '2 days'")


async def purge_push_log(session: AsyncSession) -> int:
    """Drop call records older than the status looks back (and then some)."""
    result = await session.execute(_PURGE)
    return int(result.rowcount)  # type: ignore[attr-defined]
