"""Request and response bodies for a channel's sync settings and its listings.

Settings name environment variables, never secrets: the answers say whether each one is
set in this process, nothing more. Checks across fields (what an adapter needs, what a
per-location channel needs) run in ``__post_init__``, so a bad combination is a 400 like
any malformed field, before anything is read or written; each message starts with the
field it is about.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from oms.domain.patterns import whole
from oms.domain.stock import MAX_QUANTITY
from oms.schemas import Code, Input, LocationCode, Output, Page

# Every struct restates frozen=True: type checkers do not carry it over from the base.

Adapter = Literal["shopify", "webhook"]
ListingState = Literal["pending", "in_sync", "failing"]

DEFAULT_SHOPIFY_API_VERSION = "2026-04"
MAX_FEED_LOCATIONS = 500

PartnerUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=500,
        pattern=whole(r"https?://[^\s/?#@]+(?:[/?#]\S*)?"),
        description="The partner's base URL (Shopify: https://<shop>.myshopify.com)",
    ),
]
ApiVersion = Annotated[
    str,
    msgspec.Meta(
        pattern=whole(r"[0-9]{4}-(?:0[1-9]|1[0-2])"),
        description="Shopify Admin API version, YYYY-MM",
        examples=[DEFAULT_SHOPIFY_API_VERSION],
    ),
]
# Not OMS_*: those are the service's own settings, and an unknown one stops it starting.
EnvName = Annotated[
    str,
    msgspec.Meta(
        pattern=whole(r"(?!OMS_)[A-Z_][A-Z0-9_]{0,99}"),
        description=(
            "The NAME of an environment variable holding the secret (never the secret);"
            " not OMS_*, which are the service's own settings"
        ),
        examples=["SHOPIFY_ACCESS_TOKEN"],
    ),
]
PartnerId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
PartnerSku = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
Units = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]


class QuantityPolicyIn(Input, frozen=True):
    """How the channel turns stock into the quantity it shows, in this order: sum over the
    feeding locations -> minus ``buffer`` -> ``percent``, rounded down -> at most
    ``max_quantity`` -> 0 once at or below ``zero_at_or_below``."""

    buffer: Units = 0
    percent: Percent = 100
    max_quantity: Units | None = None
    zero_at_or_below: Units = 0


class FeedLocationIn(Input, frozen=True):
    location: LocationCode
    # Per-location channels: the partner's location this store's quantity goes to.
    # Network channels: optional, maps the partner's pickup location back to the store.
    partner_location_id: PartnerId | None = None


class SyncSettingsIn(Input, frozen=True):
    """A channel's whole sync settings (PUT replaces them all)."""

    adapter: Adapter
    partner_url: PartnerUrl
    # Shopify only (default 2026-04); the webhook channel has no API version (null or absent).
    api_version: ApiVersion | None = None
    # Shopify: the Admin API access token; webhook: the secret our quantity messages are
    # signed with. Required for both.
    credentials_env: EnvName | None = None
    # The secret(s) partners sign their order webhooks with; without it the channel takes
    # no webhooks.
    webhook_secret_env: EnvName | None = None
    policy: QuantityPolicyIn = msgspec.field(default_factory=QuantityPolicyIn)
    per_location: bool = False
    # Network channels: the partner location the one quantity goes to (Shopify: required).
    partner_location_id: PartnerId | None = None
    feed_locations: Annotated[list[FeedLocationIn], msgspec.Meta(max_length=MAX_FEED_LOCATIONS)] = (
        msgspec.field(default_factory=list)
    )
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.credentials_env is None:
            what = "access token" if self.adapter == "shopify" else "signing secret"
            raise ValueError(
                f"credentials_env: a {self.adapter} channel needs the name of the environment"
                f" variable holding its {what}"
            )
        if self.adapter == "webhook" and self.api_version is not None:
            raise ValueError("api_version: only shopify channels take an API version")
        seen: set[str] = set()
        for index, feed in enumerate(self.feed_locations):
            if feed.location in seen:
                raise ValueError(
                    f"feed_locations[{index}].location: {feed.location!r} is listed twice"
                )
            seen.add(feed.location)
        if self.per_location:
            self._check_per_location()
        elif self.adapter == "shopify" and self.partner_location_id is None:
            raise ValueError(
                "partner_location_id: a shopify channel publishing one network quantity"
                " needs the Shopify location it goes to"
            )

    def _check_per_location(self) -> None:
        if self.partner_location_id is not None:
            raise ValueError(
                "partner_location_id: a per-location channel takes a partner location per"
                " feeding location (feed_locations[].partner_location_id), not one for all"
            )
        if not self.feed_locations:
            raise ValueError(
                "feed_locations: a per-location channel lists its feeding locations, each"
                " with its partner_location_id"
            )
        for index, feed in enumerate(self.feed_locations):
            if feed.partner_location_id is None:
                raise ValueError(
                    f"feed_locations[{index}].partner_location_id: a per-location channel"
                    f" needs the partner location of {feed.location!r}"
                )

    @property
    def effective_api_version(self) -> str | None:
        """The API version stored: Shopify's default when none is given."""
        if self.adapter != "shopify":
            return None
        return self.api_version or DEFAULT_SHOPIFY_API_VERSION


class QuantityPolicyOut(Output, frozen=True, kw_only=True):
    buffer: int
    percent: int
    max_quantity: int | None
    zero_at_or_below: int


class FeedLocationOut(Output, frozen=True, kw_only=True):
    location: str
    partner_location_id: str | None


class SyncSettingsOut(Output, frozen=True, kw_only=True):
    channel: str
    adapter: Adapter
    partner_url: str
    api_version: str | None
    credentials_env: str | None
    # Whether the variable is set (non-empty) in this process's environment; never its value.
    credentials_set: bool
    webhook_secret_env: str | None
    webhook_secret_set: bool
    policy: QuantityPolicyOut
    per_location: bool
    partner_location_id: str | None
    # Empty: the channel's eligible locations feed it (every location when it has none).
    feed_locations: list[FeedLocationOut]
    enabled: bool
    # Listings marked pending by this change (0 on reads and when nothing they publish changed).
    listings_marked: int = 0
    created_at: datetime
    updated_at: datetime


# ---- listings ------------------------------------------------------------------------------


class ListingIn(Input, frozen=True):
    """A SKU to publish on the channel."""

    sku: Code
    # The partner's SKU; default: ours.
    partner_sku: PartnerSku | None = None
    # The partner's item id, when known (Shopify resolves it from the SKU otherwise).
    partner_item_id: PartnerId | None = None
    # Per-location channels: one feeding location; omitted: one listing per feeding
    # location. Network channels: none.
    location: LocationCode | None = None


class ListingOut(Output, frozen=True, kw_only=True):
    id: int
    sku: str
    location: str | None  # None: the network quantity
    partner_sku: str
    partner_item_id: str | None
    partner_location_id: str | None
    # What we would publish now (the channel's policy over its feeding locations' stock).
    quantity_now: int
    # What we last published (None: never).
    published_qty: int | None
    pushed_at: datetime | None
    # pending: a change has not reached the partner yet; failing: pending after a failed
    # try (``last_error``); in_sync: the partner has our latest quantity.
    state: ListingState
    last_error: str | None
    attempts: int
    next_attempt_at: datetime | None


class ListingPage(Page, frozen=True, kw_only=True):
    items: list[ListingOut]


class ListingsCreated(Output, frozen=True, kw_only=True):
    """The listings one request created (several for a per-location channel)."""

    items: list[ListingOut]


class BulkListingsOut(Output, frozen=True, kw_only=True):
    created: int
    skipped: int  # listed already: left as they were


class SyncStatusOut(Output, frozen=True, kw_only=True):
    channel: str
    adapter: str
    enabled: bool
    listings: int
    # Pending: a change has not reached the partner yet (folded or still a stock signal).
    pending: int
    # Pending after a failed try (rejected item, partner down): ``last_error`` says why.
    failing: int
    oldest_pending_seconds: float | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    # The partner asked us to wait until then (429 / THROTTLED).
    paused_until: datetime | None
    # Quantities the partner accepted, and calls made, in the last minute.
    pushes_last_minute: int
    calls_last_minute: int
    # Partner events (webhook deliveries, swept orders) stored and not applied yet, and
    # how long the oldest has waited: a job normally applies one within a second or two.
    events_waiting: int = 0
    oldest_waiting_event_seconds: float | None = None
    # Events that could not be applied (GET /channels/{code}/events?state=failed says why;
    # an admin may retry each): every one is a partner's order that is not here.
    events_failed: int = 0
    # Calls in the last hour by outcome: ok, stale, throttled, unavailable, refused.
    calls_last_hour: dict[str, int] = msgspec.field(default_factory=dict)


class ResyncOut(Output, frozen=True, kw_only=True):
    channel: str
    # Listings marked to be published again, changed or not, at the next tick.
    listings: int
