"""Staff accounts for the associate app and their signed-in sessions.

A session is backed by an ``api_token`` of kind ``session``: the cookie carries that
token's secret, so a signed-in associate is the same principal, checked by the same rules,
as a script holding an API token with their role and stores.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column, updated_at_column
from oms.domain.access import STAFF_ROLES

STAFF_ROLE_VALUES = tuple(role.value for role in STAFF_ROLES)


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r}'" for r in STAFF_ROLE_VALUES) + ")", name="role"
        ),
        # Sign-in names compare without case: "Ana" and "ana" are one account.
        CheckConstraint("username = lower(username)", name="username_lower_case"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # Argon2id, in the PHC string format (parameters and salt included).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class StaffUserLocation(Base):
    """The stores a store manager or associate works at."""

    __tablename__ = "staff_user_location"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )


class StaffSession(Base):
    """One sign-in: its API token (the cookie's secret), the store the associate stands in,
    the form token that proves a form came from our page, and when it was last used."""

    __tablename__ = "staff_session"
    __table_args__ = (
        Index("ix_staff_session_user_id", "user_id"),
        Index("ix_staff_session_live", "last_seen_at", postgresql_where=text("ended_at IS NULL")),
    )

    token_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("staff_user.id", ondelete="CASCADE")
    )
    # The store picked at sign-in (None until picked; admins may pick none).
    location_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="SET NULL")
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    # Signed out, locked for idleness, or the account was disabled.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(16))
