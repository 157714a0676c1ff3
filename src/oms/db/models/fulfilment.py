"""Fulfilments (one per location and method), store load per day, returns, notifications."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column
from oms.domain.fulfilment_flow import METHODS, STATES


def _in(values: tuple[str, ...]) -> str:
    """A CHECK constraint's list, from the domain's vocabulary (constants, never input):
    the constraint text stays what the migrations created as long as the order does."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Fulfilment(Base):
    """Units of one order fulfilled at one location by one method.

    Its reservation is the hold with the same id (purpose ``order``). ``transfer``
    fulfilments send stock to the pickup store named in ``destination_location_id``; the
    pickup fulfilment waiting for them names them in ``awaits_fulfilment_id``.
    """

    __tablename__ = "fulfilment"
    __table_args__ = (
        CheckConstraint(f"method IN {_in(METHODS)}", name="method"),
        CheckConstraint(f"state IN {_in(STATES)}", name="state"),
        CheckConstraint(
            "(method = 'transfer') = (destination_location_id IS NOT NULL)",
            name="transfer_has_destination",
        ),
        CheckConstraint("pickup_code_failures >= 0", name="pickup_code_failures_not_negative"),
        # The tracking page puts it in an href: never a javascript: or http: link.
        CheckConstraint(
            "carrier_tracking_url IS NULL OR carrier_tracking_url LIKE 'https://%'",
            name="carrier_tracking_url_https",
        ),
        Index("ix_fulfilment_location_id_state_created_at", "location_id", "state", "created_at"),
        Index("ix_fulfilment_order_id", "order_id"),
        Index(
            "ix_fulfilment_ready_at",
            "ready_at",
            postgresql_where=text("state = 'ready_for_pickup'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sales_order.id", ondelete="CASCADE")
    )
    location_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("location.id"))
    method: Mapped[str] = mapped_column(String(16))
    delivery_no: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(String(20))
    destination_location_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("location.id")
    )
    awaits_fulfilment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fulfilment.id")
    )
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("transfer.id"))
    pickup_code: Mapped[str | None] = mapped_column(String(12))
    # Wrong codes tried at the counter since the code was issued or last unlocked; at the
    # limit the code is locked (``pickup_code_locked_at``) until a store manager unlocks it.
    pickup_code_failures: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    pickup_code_locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(128))
    # The carrier's own page for the parcel, as the shipper's label system gave it.
    carrier_tracking_url: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str | None] = mapped_column(String(64))
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class FulfilmentLine(Base):
    """Units of one order line in a fulfilment; ``quantity_short`` were not found or unfit,
    ``quantity_picked`` are in the tote so far (counted by scanning while picking)."""

    __tablename__ = "fulfilment_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_short BETWEEN 0 AND quantity", name="short_within_quantity"),
        CheckConstraint(
            "quantity_picked >= 0 AND quantity_picked + quantity_short <= quantity",
            name="picked_within_quantity",
        ),
    )

    fulfilment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fulfilment.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    quantity_short: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quantity_picked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LocationDayLoad(Base):
    """Fulfilments given to a location on one of its local days, against daily_capacity."""

    __tablename__ = "location_day_load"
    __table_args__ = (CheckConstraint("fulfilments >= 0", name="fulfilments_not_negative"),)

    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    fulfilments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderReturn(Base):
    __tablename__ = "order_return"
    __table_args__ = (
        CheckConstraint("refund_amount >= 0", name="refund_not_negative"),
        Index("ix_order_return_order_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sales_order.id"))
    location_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("location.id"))
    refund_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()


class OrderReturnLine(Base):
    __tablename__ = "order_return_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("disposition IN ('restock', 'damaged')", name="disposition"),
    )

    return_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("order_return.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    disposition: Mapped[str] = mapped_column(String(16), primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(64))


class Notification(Base):
    """A message to a customer, written with the change that caused it, sent by a job."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_notification_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sales_order.id"))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. ready_for_pickup
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
