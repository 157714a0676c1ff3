"""Channel sync as Prometheus gauges, read from the database at scrape time.

Pushes happen in worker processes, so in-process counters would show only one worker's
share; the database knows the whole fleet's. The figures are the sync status route's,
from the same statement.
"""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from oms.sync.services.status import sync_statuses

_LABELS = ["channel", "adapter"]
PENDING = Gauge(
    "oms_channel_listings_pending", "Listings whose change has not reached the partner", _LABELS
)
FAILING = Gauge("oms_channel_listings_failing", "Pending listings whose last try failed", _LABELS)
OLDEST = Gauge(
    "oms_channel_oldest_pending_seconds", "Age of the oldest change not yet published", _LABELS
)
LAST_SUCCESS = Gauge(
    "oms_channel_last_success_timestamp_seconds", "Last partner call that succeeded", _LABELS
)
PUSHES = Gauge(
    "oms_channel_pushes_last_minute", "Quantities the partner accepted in the last minute", _LABELS
)
CALLS = Gauge(
    "oms_channel_calls_last_hour",
    "Partner calls in the last hour by outcome",
    [*_LABELS, "outcome"],
)
PAUSED = Gauge(
    "oms_channel_paused", "1 while the partner asked us to wait (429 / throttled)", _LABELS
)
EVENTS_WAITING = Gauge(
    "oms_channel_events_waiting", "Partner events stored and not applied yet", _LABELS
)
OLDEST_EVENT = Gauge(
    "oms_channel_oldest_waiting_event_seconds", "Age of the oldest event not applied", _LABELS
)
EVENTS_FAILED = Gauge(
    "oms_channel_events_failed", "Partner events that could not be applied", _LABELS
)
_ALL = (
    PENDING,
    FAILING,
    OLDEST,
    LAST_SUCCESS,
    PUSHES,
    CALLS,
    PAUSED,
    EVENTS_WAITING,
    OLDEST_EVENT,
    EVENTS_FAILED,
)


async def refresh_sync_gauges(session: AsyncSession) -> None:
    """Set every channel sync gauge from the database (channels gone since are dropped)."""
    statuses = await sync_statuses(session)
    for gauge in _ALL:
        gauge.clear()
    for status in statuses:
        labels = (status.channel, status.adapter)
        PENDING.labels(*labels).set(status.pending)
        FAILING.labels(*labels).set(status.failing)
        OLDEST.labels(*labels).set(status.oldest_pending_seconds or 0.0)
        if status.last_success_at is not None:
            LAST_SUCCESS.labels(*labels).set(status.last_success_at.timestamp())
        PUSHES.labels(*labels).set(status.pushes_last_minute)
        PAUSED.labels(*labels).set(1 if status.paused_until is not None else 0)
        EVENTS_WAITING.labels(*labels).set(status.events_waiting)
        OLDEST_EVENT.labels(*labels).set(status.oldest_waiting_event_seconds or 0.0)
        EVENTS_FAILED.labels(*labels).set(status.events_failed)
        for outcome, calls in status.calls_last_hour.items():
            CALLS.labels(*labels, outcome).set(calls)
