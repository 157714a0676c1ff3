"""Channel sync: partner connections, listings, stock signals, partner events.

``channel_sync`` holds a channel's adapter, its partner's address, the names of the
environment variables with its secrets, and its quantity policy; ``channel_feed_location``
the locations feeding its quantity. ``channel_listing`` maps (channel, SKU[, location]) to
the partner's ids and keeps what was last published. ``stock_signal`` is the stock gate's
append-only note of changed levels. ``channel_event`` stores partner webhooks raw under
their delivery id; ``channel_order`` keeps the newest version of each partner order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:20:05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_signal",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_signal")),
    )
    op.create_table(
        "channel_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("state", sa.String(length=16), server_default="received", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("external_order_id", sa.String(length=128), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('received', 'applied', 'ignored', 'failed')",
            name=op.f("ck_channel_event_state"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_event_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_event")),
        sa.UniqueConstraint("channel_id", "delivery_id", name="uq_channel_event_delivery"),
    )
    op.create_index(
        "ix_channel_event_channel_id", "channel_event", ["channel_id", "id"], unique=False
    )
    op.create_table(
        "channel_feed_location",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("partner_location_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_feed_location_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_channel_feed_location_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "location_id", name=op.f("pk_channel_feed_location")),
    )
    op.create_table(
        "channel_listing",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("partner_sku", sa.String(length=100), nullable=False),
        sa.Column("partner_item_id", sa.String(length=200), nullable=True),
        sa.Column("partner_location_id", sa.String(length=200), nullable=True),
        sa.Column("pending_seq", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("synced_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "pending_since",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=True,
        ),
        sa.Column("published_qty", sa.Integer(), nullable=True),
        sa.Column("force_push", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "published_qty IS NULL OR published_qty >= 0",
            name=op.f("ck_channel_listing_published_qty"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_listing_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_channel_listing_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["sku.id"], name=op.f("fk_channel_listing_sku_id_sku"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_listing")),
        sa.UniqueConstraint(
            "channel_id",
            "sku_id",
            "location_id",
            name="uq_channel_listing",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        "ix_channel_listing_due",
        "channel_listing",
        ["channel_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("pending_seq > synced_seq"),
    )
    op.create_index("ix_channel_listing_sku", "channel_listing", ["sku_id"], unique=False)
    op.create_table(
        "channel_push",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "pushed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("quantities", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_push_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_push")),
    )
    op.create_index(
        "ix_channel_push_channel_at", "channel_push", ["channel_id", "pushed_at"], unique=False
    )
    op.create_table(
        "channel_sync",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("adapter", sa.String(length=16), nullable=False),
        sa.Column("partner_url", sa.String(length=500), nullable=False),
        sa.Column("api_version", sa.String(length=16), nullable=True),
        sa.Column("credentials_env", sa.String(length=100), nullable=True),
        sa.Column("webhook_secret_env", sa.String(length=100), nullable=True),
        sa.Column("per_location", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("partner_location_id", sa.String(length=200), nullable=True),
        sa.Column("buffer", sa.Integer(), server_default="0", nullable=False),
        sa.Column("percent", sa.SmallInteger(), server_default="100", nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=True),
        sa.Column("zero_at_or_below", sa.Integer(), server_default="0", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("swept_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "adapter IN ('shopify', 'webhook')", name=op.f("ck_channel_sync_adapter")
        ),
        sa.CheckConstraint("buffer >= 0", name=op.f("ck_channel_sync_buffer")),
        sa.CheckConstraint(
            "max_quantity IS NULL OR max_quantity >= 0", name=op.f("ck_channel_sync_max_quantity")
        ),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_channel_sync_percent")),
        sa.CheckConstraint("zero_at_or_below >= 0", name=op.f("ck_channel_sync_zero_at_or_below")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_sync_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_sync")),
    )
    op.create_table(
        "channel_order",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("partner_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_order_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_channel_order_order_id_sales_order"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("channel_id", "external_id", name=op.f("pk_channel_order")),
    )


def downgrade() -> None:
    op.drop_table("channel_order")
    op.drop_table("channel_sync")
    op.drop_index("ix_channel_push_channel_at", table_name="channel_push")
    op.drop_table("channel_push")
    op.drop_index("ix_channel_listing_sku", table_name="channel_listing")
    op.drop_index(
        "ix_channel_listing_due",
        table_name="channel_listing",
        postgresql_where=sa.text("pending_seq > synced_seq"),
    )
    op.drop_table("channel_listing")
    op.drop_table("channel_feed_location")
    op.drop_index("ix_channel_event_channel_id", table_name="channel_event")
    op.drop_table("channel_event")
    op.drop_table("stock_signal")
