"""Channel sync, the pure part: the quantity policy and the port every partner adapter fills.

An adapter (``integrations/<partner>/``) speaks one partner's API. The service gives it
quantities to publish and partner deliveries to verify and read; it never sees our
database, and the service never sees the partner's wire format. Adapters raise the
exceptions below for what the sync loop must treat differently (wait, retry, give up on
one item); anything else is a bug in the adapter and is recorded as a failed pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

import msgspec


class QuantityPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How a channel turns the stock of its feeding locations into the quantity it shows."""

    buffer: int = 0  # units held back from the channel
    percent: int = 100  # share of what is left, rounded down
    max_quantity: int | None = None  # never show more than this
    zero_at_or_below: int = 0  # show 0 once the quantity is this low (an oversell guard)


def publishable(sellable_by_location: Iterable[int], policy: QuantityPolicy) -> int:
    """The quantity to publish: sum of what each feeding location can sell (a location
    short of stock counts as 0, not as a debt) -> minus buffer -> percent, rounded down ->
    capped -> zero at or below the threshold -> never below 0."""
    quantity = sum(max(units, 0) for units in sellable_by_location)
    quantity -= policy.buffer
    quantity = quantity * policy.percent // 100 if quantity > 0 else quantity
    if policy.max_quantity is not None:
        quantity = min(quantity, policy.max_quantity)
    if quantity <= policy.zero_at_or_below:
        return 0
    return max(quantity, 0)


# --- Outbound: publishing quantities --------------------------------------------------


class QuantityUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """One quantity to publish. ``previous`` is what we last published there (None: never),
    or what the partner showed when we read it: partners with compare-and-swap apply the
    update only if they still show it."""

    listing_id: int
    sku: str  # the partner's SKU
    partner_item_id: str | None
    partner_location_id: str | None
    quantity: int
    previous: int | None
    # Moves on with every change of the listing (its pending sequence): with the values it
    # identifies one push, so a retry of it reuses its idempotency key or message id, while
    # a later push that happens to repeat the same values (5 -> 8 -> 5 -> 8) gets a new one.
    version: int = 0


PushStatus = Literal["ok", "stale", "rejected"]


class PushResult(msgspec.Struct, frozen=True, kw_only=True):
    """What the partner said about one update.

    ``stale``: the partner's quantity was not ``previous`` (a sale we have not heard of);
    nothing was changed there. ``rejected``: the partner refused this item (``error``);
    the others in the call are unaffected.
    """

    listing_id: int
    status: PushStatus
    error: str | None = None


class PartnerThrottled(Exception):
    """The partner asked us to slow down; nothing in the call was applied."""

    def __init__(self, retry_after: float | None, message: str = "throttled") -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the partner said


class PartnerUnavailable(Exception):
    """5xx, a time-out or a broken connection: nothing known to be applied; retry later."""


class PartnerConfigError(Exception):
    """The channel's connection cannot work as configured (missing secret, bad address,
    refused credentials): retrying without a change will not help."""


class ChannelAdapter(Protocol):
    """One channel's connection to its partner (built per sync pass, closed after)."""

    @property
    def batch_size(self) -> int:
        """The most quantities one call may carry (the partner's limit)."""
        ...

    @property
    def compare_and_swap(self) -> bool:
        """Whether ``push`` refuses updates whose ``previous`` is not the partner's value."""
        ...

    async def resolve_items(
        self, skus: Sequence[str], partner_location_ids: Sequence[str | None]
    ) -> dict[str, str]:
        """The partner's item id for each SKU it knows (unknown SKUs are left out)."""
        ...

    async def push(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """Publish at most ``batch_size`` quantities; one result per update, in order."""
        ...

    async def current_quantities(self, updates: Sequence[QuantityUpdate]) -> dict[int, int]:
        """The partner's quantity now for each listing it can read, by ``listing_id``."""
        ...

    async def orders_updated_since(self, since: datetime) -> list[PartnerOrder]:
        """The partner's orders created or changed since ``since`` (the repair sweep and the
        stale-push path read these), oldest change first."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


class Connection(msgspec.Struct, frozen=True, kw_only=True):
    """What an adapter is built from: the channel's settings with its secrets resolved."""

    channel: str
    partner_url: str
    api_version: str | None
    credentials: str | None  # the value of the channel's credentials_env, if any
    timeout_seconds: float = 10.0
    # Partner location id -> our location code, for pickups in orders the adapter reads
    # (``orders_updated_since``), as ``InboundFormat.read_order`` takes them.
    stores: Mapping[str, str] = {}


# --- Inbound: partner deliveries -------------------------------------------------------


class InvalidDelivery(Exception):
    """A delivery whose signature is missing, wrong or expired: answered 401, not stored."""


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """A verified delivery: the partner's id for it (the dedup key) and its topic."""

    delivery_id: str
    topic: str
    # Non-secret headers worth keeping with the event (triggered-at, timestamp, ...).
    headers: Mapping[str, str] = {}


class PartnerOrder(msgspec.Struct, frozen=True, kw_only=True):
    """A partner's order as our order API takes it, plus what decides if it is news.

    ``order`` is a ``POST /orders`` body without ``channel`` (the service adds it) and is
    validated by the orders API's own strict schema; ``updated_at`` is the partner's
    version of the order (older never overwrites newer).
    """

    external_id: str
    updated_at: datetime
    cancelled: bool
    order: dict[str, Any]


class PayloadError(Exception):
    """The delivery is authentic but lacks something we need: a visible failed event."""


class InboundFormat(Protocol):
    """How a partner signs and shapes what it sends us (no network: pure functions)."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> Delivery:
        """The delivery if one of ``secrets`` signed ``body`` (constant-time), else raise
        InvalidDelivery. Several secrets: during a rotation both are accepted."""
        ...

    def read_order(self, topic: str, body: bytes, stores: Mapping[str, str]) -> PartnerOrder | None:
        """The order in the delivery; None for a topic that carries no order change.

        ``stores`` maps the partner's location ids to our location codes (a pickup at a
        partner location becomes a pickup at that store). Unknown fields are ignored; a
        missing field we need raises PayloadError.
        """
        ...


class Partner(msgspec.Struct, frozen=True, kw_only=True):
    """A partner as the service plugs it in: how to connect, how it signs what it sends."""

    name: str
    connect: Any  # Callable[[Connection], ChannelAdapter]
    inbound: InboundFormat


# --- Retrying ----------------------------------------------------------------------------

RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 300.0


def retry_delay(attempts: int, draw: float) -> float:
    """Seconds before the next try after ``attempts`` failures: exponential backoff with
    full jitter (``draw`` in [0, 1)), capped, so many failing listings spread their retries
    instead of hitting a recovering partner together. The schedule is stored with each
    listing (``next_attempt_at``), so it survives restarts and holds across workers."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2.0 ** min(attempts, 16))
    return max(0.5, ceiling * draw)
