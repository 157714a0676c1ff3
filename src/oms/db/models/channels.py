"""Channel sync: how a channel reaches its partner, the listings it publishes, and the
stock signals and partner events that flow between the two.

``stock_signal`` is the stock gate's note that a SKU's sellable quantity may have changed
at a location. It is append-only on purpose: the order hot path adds a row in the same
statement as its reservation and never updates a shared row, so two orders for one SKU
at different stores never wait for each other because of sync. The sync dispatcher folds
signals into ``channel_listing`` (``pending_seq``) a moment later.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column

ADAPTERS = ("shopify", "webhook")
EVENT_STATES = ("received", "applied", "ignored", "failed")
# Events that did what they could and need nobody: deleted after OMS_CHANNEL_EVENT_KEEP_DAYS.
SETTLED_EVENT_STATES = ("applied", "ignored")


class ChannelSync(Base):
    """A channel's partner connection and quantity policy (one row per synced channel).

    Secrets are never stored: ``credentials_env`` and ``webhook_secret_env`` name the
    environment variables that hold them.
    """

    __tablename__ = "channel_sync"
    __table_args__ = (
        CheckConstraint(
            "adapter IN (" + ", ".join(f"'{a}'" for a in ADAPTERS) + ")", name="adapter"
        ),
        CheckConstraint("buffer >= 0", name="buffer"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint("max_quantity IS NULL OR max_quantity >= 0", name="max_quantity"),
        CheckConstraint("zero_at_or_below >= 0", name="zero_at_or_below"),
    )

    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    adapter: Mapped[str] = mapped_column(String(16))
    partner_url: Mapped[str] = mapped_column(String(500))
    api_version: Mapped[str | None] = mapped_column(String(16))
    credentials_env: Mapped[str | None] = mapped_column(String(100))
    webhook_secret_env: Mapped[str | None] = mapped_column(String(100))
    # One quantity per partner location (feeding location -> its partner location), or
    # one network quantity published at ``partner_location_id``.
    per_location: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    partner_location_id: Mapped[str | None] = mapped_column(String(200))
    # The quantity policy, applied in this order: sum -> buffer -> percent -> cap -> zero.
    buffer: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    percent: Mapped[int] = mapped_column(SmallInteger, default=100, server_default="100")
    max_quantity: Mapped[int | None] = mapped_column(Integer)
    zero_at_or_below: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # The partner asked us to wait (429 / THROTTLED): no push before this.
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last call that failed as a whole (partner down, refused credentials), for status.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The "updated since" order sweep's high-water mark (partner time).
    swept_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class ChannelFeedLocation(Base):
    """A location whose stock feeds the channel's quantity; none listed means the channel's
    eligible locations (``channel_location``), or every location when it has none."""

    __tablename__ = "channel_feed_location"

    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )
    # Per-location channels: the partner's location this store's quantity goes to.
    partner_location_id: Mapped[str | None] = mapped_column(String(200))


class ChannelListing(Base):
    """(channel, SKU[, location]) -> the partner's ids, and the state of its quantity.

    Pending while ``pending_seq > synced_seq``: every change that may alter the quantity
    bumps ``pending_seq``; a push records the sequence it computed from in ``synced_seq``,
    so a change that lands during a push keeps the listing pending.
    """

    __tablename__ = "channel_listing"
    __table_args__ = (
        UniqueConstraint(
            "channel_id",
            "sku_id",
            "location_id",
            name="uq_channel_listing",
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_channel_listing_sku", "sku_id"),
        Index(
            "ix_channel_listing_due",
            "channel_id",
            "next_attempt_at",
            postgresql_where=text("pending_seq > synced_seq"),
        ),
        CheckConstraint("published_qty IS NULL OR published_qty >= 0", name="published_qty"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE")
    )
    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id", ondelete="CASCADE"))
    # Per-location listings: the store whose quantity this is; NULL: the network quantity.
    location_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE")
    )
    partner_sku: Mapped[str] = mapped_column(String(100))
    # Resolved from the partner once (Shopify: the variant's inventory item) and kept.
    partner_item_id: Mapped[str | None] = mapped_column(String(200))
    partner_location_id: Mapped[str | None] = mapped_column(String(200))
    pending_seq: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    synced_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pending_since: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    published_qty: Mapped[int | None] = mapped_column(Integer)
    # Resync / reconcile: publish even if the value did not change (the partner may differ).
    force_push: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    # A sync pass owns the listing until then; a killed worker's lease simply runs out.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class StockSignal(Base):
    """A SKU's sellable quantity may have changed at a location (NULL: at every location)."""

    __tablename__ = "stock_signal"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: append-only, hot path
    location_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()


class ChannelPush(Base):
    """One call to a partner: how many quantities it carried and how it went (for status)."""

    __tablename__ = "channel_push"
    __table_args__ = (Index("ix_channel_push_channel_at", "channel_id", "pushed_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE")
    )
    pushed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    quantities: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # ok | throttled | unavailable | stale
    outcome: Mapped[str] = mapped_column(String(16))


class ChannelEvent(Base):
    """A partner's webhook delivery, stored raw under its delivery id before it is applied."""

    __tablename__ = "channel_event"
    __table_args__ = (
        UniqueConstraint("channel_id", "delivery_id", name="uq_channel_event_delivery"),
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in EVENT_STATES) + ")", name="state"
        ),
        Index("ix_channel_event_channel_id", "channel_id", "id"),
        # The upkeep's reads (oms.sync.services.event_upkeep) and the status's counts.
        Index(
            "ix_channel_event_waiting",
            "channel_id",
            "received_at",
            postgresql_where=text("state = 'received'"),
        ),
        Index("ix_channel_event_failed", "channel_id", postgresql_where=text("state = 'failed'")),
        # The purge's range: old events are nearly all settled ones, so no predicate.
        Index("ix_channel_event_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Non-secret delivery headers worth keeping (topic, triggered-at, timestamps).
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    state: Mapped[str] = mapped_column(String(16), default="received", server_default="received")
    error: Mapped[str | None] = mapped_column(Text)
    # What applying it did (placed, updated, cancelled, stale, ...) and anything of the
    # partner's change that was not applied, for whoever reads the event list.
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    external_order_id: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = created_at_column()
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChannelOrder(Base):
    """The newest version of a partner's order we have applied (or its cancellation seen
    before the order itself): older events never overwrite it."""

    __tablename__ = "channel_order"

    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    partner_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("sales_order.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = updated_at_column()
