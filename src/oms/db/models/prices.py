"""Price lists: a price per SKU per channel, in the channel's currency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, updated_at_column


class ChannelPrice(Base):
    """A SKU's price on a channel, in the channel's currency (minor units): what orders
    taken by staff charge unless a manager overrides it."""

    __tablename__ = "channel_price"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("sku.id", ondelete="CASCADE"), primary_key=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = updated_at_column()
    updated_by: Mapped[str] = mapped_column(String(100))
