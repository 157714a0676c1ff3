"""Every background job as a typed message: its arguments, the actor that runs it, its queue.

A producer builds one (``enqueue_after_commit(session, SendNotification(notification_id=7))``,
or the scheduler's periodic ticks); the worker registers each actor under its message's
``actor_name`` and ``queue_name``. A reader finds both ends of a job from its type, and a
misspelt argument does not type-check.

On the wire a message is the actor's keyword arguments (``payload``), the same JSON object
the outbox table has always stored. A field left ``UNSET`` is not sent, so the actor's own
default applies.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

NOTIFICATIONS_QUEUE = "notifications"
# Periodic sweeps: a slow one delays the next tick, never a customer's message.
MAINTENANCE_QUEUE = "maintenance"


class JobMessage(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every job message; a subclass names its actor and queue as class attributes."""

    actor_name: ClassVar[str]
    queue_name: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        """The actor's keyword arguments, JSON-ready (fields left UNSET are left out)."""
        args: dict[str, Any] = msgspec.to_builtins(self)
        return args


class SendNotification(JobMessage, frozen=True, kw_only=True):
    """Send one stored customer message (``notification`` row), once."""

    actor_name: ClassVar[str] = "send_notification"
    queue_name: ClassVar[str] = NOTIFICATIONS_QUEUE

    notification_id: int


class ExpireHolds(JobMessage, frozen=True, kw_only=True):
    """Release holds past their expiry, in batches of ``batch_size``."""

    actor_name: ClassVar[str] = "expire_holds"
    queue_name: ClassVar[str] = MAINTENANCE_QUEUE

    batch_size: int | msgspec.UnsetType = msgspec.UNSET


class RouteBackorders(JobMessage, frozen=True, kw_only=True):
    """Offer stock that has arrived to up to ``limit`` backordered orders."""

    actor_name: ClassVar[str] = "route_backorders"
    queue_name: ClassVar[str] = MAINTENANCE_QUEUE

    limit: int | msgspec.UnsetType = msgspec.UNSET


class CancelUncollectedPickups(JobMessage, frozen=True, kw_only=True):
    """Cancel and restock pickups nobody collected in time, in batches of ``batch_size``."""

    actor_name: ClassVar[str] = "cancel_uncollected_pickups"
    queue_name: ClassVar[str] = MAINTENANCE_QUEUE

    batch_size: int | msgspec.UnsetType = msgspec.UNSET


class PurgeIdempotencyKeys(JobMessage, frozen=True, kw_only=True):
    """Drop idempotency keys older than ``older_than_hours`` and stale rate-limit windows."""

    actor_name: ClassVar[str] = "purge_idempotency_keys"
    queue_name: ClassVar[str] = MAINTENANCE_QUEUE

    older_than_hours: int | msgspec.UnsetType = msgspec.UNSET


# Channel sync. Pushes to one partner go to that adapter's queue, so a slow or throttling
# partner delays only its own channels.
SYNC_DISPATCH_QUEUE = "sync"
CHANNEL_EVENTS_QUEUE = "channel-events"


def channel_sync_queue(adapter: str) -> str:
    """The queue a partner's pushes run on (``sync-shopify``, ``sync-webhook``)."""
    return f"sync-{adapter}"


def channel_sync_actor(adapter: str) -> str:
    """The actor pushing one channel of this partner (``sync_shopify``); it takes
    ``channel`` (the code). One actor per partner, so each has its own queue."""
    return f"sync_{adapter}"


class DispatchSync(JobMessage, frozen=True, kw_only=True):
    """Fold stock signals into pending listings and start a push for every channel with
    listings due (a periodic tick: its interval is the coalescing window)."""

    actor_name: ClassVar[str] = "dispatch_sync"
    queue_name: ClassVar[str] = SYNC_DISPATCH_QUEUE


class ReconcileListings(JobMessage, frozen=True, kw_only=True):
    """Mark pending the listings whose last push is older than ``older_than_hours``."""

    actor_name: ClassVar[str] = "reconcile_listings"
    queue_name: ClassVar[str] = MAINTENANCE_QUEUE

    older_than_hours: int | msgspec.UnsetType = msgspec.UNSET


class ApplyChannelEvent(JobMessage, frozen=True, kw_only=True):
    """Apply one stored partner delivery (``channel_event`` row) through the orders service."""

    actor_name: ClassVar[str] = "apply_channel_event"
    queue_name: ClassVar[str] = CHANNEL_EVENTS_QUEUE

    event_id: int


class SweepChannelOrders(JobMessage, frozen=True, kw_only=True):
    """Ask every synced channel's partner for orders updated since the last sweep (with an
    overlap) and apply what we missed."""

    actor_name: ClassVar[str] = "sweep_channel_orders"
    queue_name: ClassVar[str] = CHANNEL_EVENTS_QUEUE
