"""Locations (stores, warehouses) and the SKU catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint("kind IN ('store', 'warehouse')", name="kind"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="coordinates"),
        CheckConstraint(
            "capabilities <@ ARRAY['pickup', 'ship_from', 'walk_in']::text[]", name="capabilities"
        ),
        CheckConstraint("daily_capacity >= 0", name="daily_capacity"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB)
    capabilities: Mapped[list[str]] = mapped_column(ARRAY(Text))
    daily_capacity: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Sku(Base):
    __tablename__ = "sku"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Barcode(Base):
    """A GTIN belongs to exactly one SKU (the primary key makes it unique network-wide)."""

    __tablename__ = "barcode"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    sku_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sku.id", ondelete="CASCADE"), index=True
    )


# Case-insensitive name prefix search ("tent" finds "Tent 2P ...") without pg_trgm.
Index(
    "ix_sku_lower_name",
    func.lower(Sku.__table__.c.name).label("lower_name"),
    postgresql_ops={"lower_name": "text_pattern_ops"},
)
