"""Channels, customers, orders, their lines, routing decisions and the order timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column
from oms.domain.customer_messages import CUSTOMER_MESSAGES

CHANNEL_KINDS = ("pos", "web", "marketplace")
CUSTOMER_LOOKUP_KEYS = ("email", "phone")
ORDER_STATUSES = (
    "open",  # every unit is allocated to a fulfilment that has not finished
    "backordered",  # some units wait for stock
    "completed",  # every unit shipped, picked up or cancelled, at least one delivered
    "cancelled",  # every unit cancelled
)


_ALL_MESSAGES = "'{" + ",".join(CUSTOMER_MESSAGES) + "}'::text[]"


def staff_orders_default(context: DefaultExecutionContext) -> bool:
    """Store staff may place orders on tills and the web shop, not for a marketplace."""
    parameters: dict[str, object] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return parameters.get("kind") != "marketplace"


class Channel(Base):
    """A sales channel and its order policy (routing rules, backorders, splits)."""

    __tablename__ = "channel"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in CHANNEL_KINDS) + ")", name="kind"
        ),
        CheckConstraint("max_split BETWEEN 1 AND 10", name="max_split"),
        CheckConstraint("pickup_hold_days BETWEEN 1 AND 90", name="pickup_hold_days"),
        CheckConstraint(f"customer_messages <@ {_ALL_MESSAGES}", name="customer_messages_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    # When no location can fulfil a line: True accepts it as a backorder, False rejects.
    backorders: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # A pickup store short of stock may be sent it from another location.
    transfer_to_store: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    max_split: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    # Ordered routing rules (see domain.routing); an empty list means the default rules.
    routing_rules: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    pickup_hold_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    # Whether store staff (store managers, associates) may place orders on the channel.
    # Inserts through the models take the kind's default; the server default only covers
    # raw inserts, which name no marketplace.
    staff_orders: Mapped[bool] = mapped_column(
        Boolean, default=staff_orders_default, server_default="true"
    )
    # The messages this service writes to the channel's customers (oms.domain.customer_messages).
    customer_messages: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=lambda: list(CUSTOMER_MESSAGES), server_default=text(_ALL_MESSAGES)
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class ChannelLocation(Base):
    """Locations allowed to fulfil a channel's orders; none listed means every location."""

    __tablename__ = "channel_location"

    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )


class Customer(Base):
    """One person across channels, matched by normalised email, else normalised phone."""

    __tablename__ = "customer"
    __table_args__ = (Index("ix_customer_lower_name", "name_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # lower-cased, for search
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    email_key: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class CustomerAccessGrant(Base):
    """A store token found this customer by exact email or phone: for a while it may read
    the customer's profile and every order of theirs (each such read is in the order's
    timeline). Kept after expiry as the record of who looked whom up."""

    __tablename__ = "customer_access_grant"
    __table_args__ = (
        CheckConstraint(
            "via IN (" + ", ".join(f"'{k}'" for k in CUSTOMER_LOOKUP_KEYS) + ")", name="via"
        ),
        Index(
            "ix_customer_access_grant_token_customer_expires",
            "token_id",
            "customer_id",
            "expires_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_token.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customer.id", ondelete="CASCADE")
    )
    via: Mapped[str] = mapped_column(String(8))  # email or phone
    granted_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Order(Base):
    __tablename__ = "sales_order"  # ORDER is an SQL keyword
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", name="uq_sales_order_channel_external"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ORDER_STATUSES) + ")", name="status"
        ),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        Index("ix_sales_order_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_sales_order_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # The short number people read out (on receipts, over the phone).
    number: Mapped[int] = mapped_column(BigInteger, Identity(start=100001), unique=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("channel.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customer.id"))
    # The contact details as given on this order (the profile may change later).
    customer_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    # Delivery groups: [{"method": "ship", "address": {...}, "lat": .., "lon": ..} |
    # {"method": "pickup", "location": "CODE"}]; lines point at them by index.
    deliveries: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    placed_by: Mapped[str] = mapped_column(String(100))
    # The customer's language (a BCP 47 tag such as "ro" or "pt-BR"): the tracking page and
    # the customer's messages use it before the browser's Accept-Language. None: not given.
    language: Mapped[str | None] = mapped_column(String(35))
    # SHA-256 of the canonical decoded request that created the order: a resend of the
    # same (channel, external id) with another body is told so. None before it was kept.
    intake_fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class OrderLine(Base):
    """A line; quantity = cancelled + backordered + what its live fulfilment lines carry."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint(
            "quantity_cancelled >= 0 AND quantity_backordered >= 0"
            " AND quantity_cancelled + quantity_backordered <= quantity",
            name="quantities_within_line",
        ),
        Index("ix_order_line_backordered", "sku_id", postgresql_where="quantity_backordered > 0"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sales_order.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    delivery_no: Mapped[int] = mapped_column(SmallInteger)
    quantity_cancelled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quantity_backordered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderEvent(Base):
    """The order's timeline: append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sales_order.id", ondelete="CASCADE")
    )
    fulfilment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()


class RoutingDecision(Base):
    """Where the routing engine sent an order's units, and why (every candidate)."""

    __tablename__ = "routing_decision"
    __table_args__ = (Index("ix_routing_decision_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sales_order.id", ondelete="CASCADE")
    )
    trigger: Mapped[str] = mapped_column(String(20))  # placement, short_pick, backorder, edit
    attempts: Mapped[int] = mapped_column(SmallInteger, default=1)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
