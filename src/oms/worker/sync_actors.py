"""Channel sync's actors: the dispatcher tick, one pass actor per partner, the reconcile,
and partner orders (a stored delivery applied, the "updated since" sweep).

Each partner has its own actor and queue (``sync_shopify`` on ``sync-shopify``...), so a
slow or throttling partner delays only its own channels. A pass message carries only the
channel's code; what to push is read from the database when it runs, so a lost or
repeated message changes nothing but timing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq

from integrations.registry import partner_for
from oms.db.models.channels import ADAPTERS
from oms.outbox.messages import (
    ApplyChannelEvent,
    DispatchSync,
    JobMessage,
    ReconcileListings,
    SweepChannelOrders,
    channel_sync_actor,
    channel_sync_queue,
)
from oms.sync.services.apply import apply_channel_event
from oms.sync.services.dispatch import dispatch, reconcile_listings
from oms.sync.services.event_upkeep import apply_waiting_events, purge_settled_events
from oms.sync.services.push import SyncTiming, sync_channel
from oms.sync.services.status import purge_push_log
from oms.sync.services.sweep import ingest_recent_orders, sweep_channel_orders
from oms.worker.broker import enqueue_blocking
from oms.worker.specs import ActorSpec

log = logging.getLogger(__name__)


class _PassMessage(JobMessage, frozen=True, kw_only=True):
    """The arguments of every partner's pass actor (its name and queue are per partner)."""

    actor_name = "sync_channel"
    queue_name = "sync"

    channel: str


def sync_actor_specs(
    broker: dramatiq.Broker, database: Any, *, queue_prefix: str = ""
) -> list[ActorSpec]:
    """The sync actors for ``broker``; ``database`` is the worker's JobDatabase."""
    settings = database.settings
    timing = SyncTiming(
        pass_seconds=settings.sync_pass_seconds,
        lease_seconds=settings.sync_lease_seconds,
        window_seconds=settings.sync_window_seconds,
    )

    async def dispatch_sync() -> None:
        done = await dispatch(
            await database.sessionmaker(), window_seconds=settings.sync_window_seconds
        )
        for code, adapter in done.due:
            message: dramatiq.Message[Any] = dramatiq.Message(
                queue_name=queue_prefix + channel_sync_queue(adapter),
                actor_name=channel_sync_actor(adapter),
                args=(),
                kwargs={"channel": code},
                options={},
            )
            # Broker clients block on the network: not on the event loop.
            await asyncio.to_thread(enqueue_blocking, broker, message)

    async def push_channel(channel: str) -> None:
        report = await sync_channel(
            await database.sessionmaker(),
            channel,
            partners=partner_for,
            ingest_recent=ingest_recent_orders,
            timing=timing,
        )
        if report.calls or report.errors:
            log.info(
                "channel sync pass",
                extra={
                    "channel": channel,
                    "pushed": report.pushed,
                    "unchanged": report.unchanged,
                    "failed": report.failed,
                    "stale": report.stale,
                    "calls": report.calls,
                    "throttled": report.throttled,
                },
            )

    async def reconcile(older_than_hours: float = settings.sync_reconcile_hours) -> None:
        sessionmaker = await database.sessionmaker()
        marked = await reconcile_listings(sessionmaker, older_than_hours)
        async with sessionmaker() as session, session.begin():
            await purge_push_log(session)
        purged = await purge_settled_events(
            sessionmaker, keep_days=settings.channel_event_keep_days
        )
        if marked:
            log.info("listings due for reconcile", extra={"listings": marked})
        if purged:
            log.info("settled partner events deleted", extra={"events": purged})

    async def apply_event(event_id: int) -> None:
        await apply_channel_event(await database.sessionmaker(), event_id, partners=partner_for)

    async def sweep_orders() -> None:
        sessionmaker = await database.sessionmaker()
        # Deliveries already here first: a lost job is ours to repair, the partner's
        # feed (where there is one) only covers deliveries that never arrived.
        await apply_waiting_events(
            sessionmaker,
            partners=partner_for,
            older_than_seconds=settings.channel_event_redrive_seconds,
        )
        taken = await sweep_channel_orders(sessionmaker, partners=partner_for)
        if any(taken.values()):
            log.info("order sweep took in missed orders", extra={"orders": taken})

    # A pass stops starting calls after pass_seconds; its time limit leaves room for the
    # last call to finish, and stays under the lease so no second pass takes its listings.
    pass_limit_ms = int(min(timing.lease_seconds * 0.9, timing.pass_seconds + 60.0) * 1000)
    tick_ms = int(settings.sync_tick_seconds * 1000)
    specs = [
        # A tick is worthless once the next one is due: never retried, dropped when old.
        ActorSpec(
            DispatchSync, dispatch_sync, 60_000, max_age_ms=max(tick_ms * 4, 5_000), max_retries=0
        ),
        ActorSpec(ReconcileListings, reconcile, 300_000, max_age_ms=3_600_000),
        ActorSpec(ApplyChannelEvent, apply_event, 120_000),
        ActorSpec(SweepChannelOrders, sweep_orders, 600_000, max_age_ms=900_000),
    ]
    # Every adapter a channel may name, so a channel switched to another partner needs no
    # restart. The dispatcher re-sends a pass every tick while work is due: no retries.
    specs.extend(
        ActorSpec(
            _PassMessage,
            push_channel,
            pass_limit_ms,
            actor_name=channel_sync_actor(name),
            queue_name=channel_sync_queue(name),
            max_retries=0,
        )
        for name in ADAPTERS
    )
    return specs
