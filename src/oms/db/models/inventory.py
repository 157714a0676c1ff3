"""Inventory levels, the append-only stock ledger, holds and transfers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column

MOVEMENT_KINDS = (
    "receipt",
    "adjustment",
    "count",
    "sale",
    "reserve",
    "release",
    "ship",
    "transfer_out",
    "transfer_in",
    "return",
    "damage",
    "import",
)


class InventoryLevel(Base):
    __tablename__ = "inventory_level"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
        Index("ix_inventory_level_location_id", "location_id"),
    )

    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id"), primary_key=True
    )
    on_hand: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    safety_stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when the shelf went below zero through a walk-in sale: somebody should count it.
    needs_count: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    updated_at: Mapped[datetime] = updated_at_column()


class StockMovement(Base):
    """One row per change of on_hand or reserved; never updated or deleted (trigger)."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in MOVEMENT_KINDS) + ")", name="kind"
        ),
        CheckConstraint("delta_on_hand <> 0 OR delta_reserved <> 0", name="changes_something"),
        Index("ix_stock_movement_level", "sku_id", "location_id", "id"),
        Index("ix_stock_movement_location_id_id", "location_id", "id"),
        Index("ix_stock_movement_reference", "ref_type", "ref_id"),
        # Points at the level row (which the writer already holds locked), not at sku and
        # location: many concurrent movements on one SKU then share no extra row locks.
        ForeignKeyConstraint(
            ["sku_id", "location_id"],
            ["inventory_level.sku_id", "inventory_level.location_id"],
            name="fk_stock_movement_level",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    location_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    delta_on_hand: Mapped[int] = mapped_column(Integer)
    delta_reserved: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(64))
    ref_type: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class Hold(Base):
    """Stock held at one location for a cart or an order, all lines or none."""

    __tablename__ = "hold"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'released', 'expired', 'consumed')", name="status"),
        CheckConstraint("purpose IN ('cart', 'order')", name="purpose"),
        Index(
            "ix_hold_active_expiry",
            "expires_at",
            postgresql_where=text("status = 'active' AND expires_at IS NOT NULL"),
        ),
        Index("ix_hold_location_id_created_at", "location_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    location_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("location.id"))
    status: Mapped[str] = mapped_column(String(16))
    # "order" holds belong to the fulfilment with the same id and change only through it.
    purpose: Mapped[str] = mapped_column(String(8), default="cart", server_default="cart")
    reference: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HoldLine(Base):
    __tablename__ = "hold_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        ForeignKeyConstraint(
            ["sku_id", "location_id"],
            ["inventory_level.sku_id", "inventory_level.location_id"],
            name="fk_hold_line_level",
        ),
    )

    hold_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("hold.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    location_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)


class Transfer(Base):
    """Stock moving between two locations; in transit between transfer_out and transfer_in."""

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("status IN ('in_transit', 'received')", name="status"),
        CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    from_location_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("location.id"))
    to_location_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("location.id"))
    status: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TransferLine(Base):
    __tablename__ = "transfer_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "received_quantity IS NULL OR received_quantity BETWEEN 0 AND quantity",
            name="received_within_shipped",
        ),
    )

    transfer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("transfer.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sku.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int | None] = mapped_column(Integer)
