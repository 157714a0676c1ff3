"""Cross-cutting tables: API tokens, idempotency keys, the job outbox, import runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.base import Base, created_at_column
from oms.domain.access import TOKEN_ROLES

ROLES = tuple(role.value for role in TOKEN_ROLES)


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role"),
        CheckConstraint("kind IN ('api', 'session')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the secret: tokens are 256-bit random, so a slow hash adds nothing.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    channel_code: Mapped[str | None] = mapped_column(String(32))
    # ``api``: issued through /tokens for a script or integration; ``session``: a staff
    # member's sign-in to the app (its staff_session row), never listed with the API tokens.
    kind: Mapped[str] = mapped_column(String(8), default="api", server_default="api")
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiTokenLocation(Base):
    """The locations a store_manager or associate token may act on."""

    __tablename__ = "api_token_location"

    token_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True
    )


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    # Headers the handler added to the first response, sent again with every replay.
    response_headers: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    created_at: Mapped[datetime] = created_at_column()


class OutboxMessage(Base):
    """A job to enqueue once the transaction that wrote it has committed."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "id", postgresql_where=text("dispatched_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    queue_name: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StockImport(Base):
    __tablename__ = "stock_import"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'completed', 'failed')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitWindow(Base):
    """Hits per caller key in a fixed time window (shared by every API process)."""

    __tablename__ = "rate_limit_window"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
