"""Orders: channels, customers, orders, routing decisions, fulfilments, returns, notifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:10:53.868351
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("backorders", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("transfer_to_store", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("max_split", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column(
            "routing_rules",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("pickup_hold_days", sa.SmallInteger(), server_default="7", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
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
        sa.CheckConstraint("kind IN ('pos', 'web', 'marketplace')", name=op.f("ck_channel_kind")),
        sa.CheckConstraint("max_split BETWEEN 1 AND 10", name=op.f("ck_channel_max_split")),
        sa.CheckConstraint(
            "pickup_hold_days BETWEEN 1 AND 90", name=op.f("ck_channel_pickup_hold_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel")),
        sa.UniqueConstraint("code", name=op.f("uq_channel_code")),
    )
    op.create_table(
        "customer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("phone_key", sa.String(length=32), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("email_key", name=op.f("uq_customer_email_key")),
        sa.UniqueConstraint("phone_key", name=op.f("uq_customer_phone_key")),
    )
    op.create_index("ix_customer_lower_name", "customer", ["name_key"], unique=False)
    op.create_table(
        "channel_location",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_location_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_channel_location_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "location_id", name=op.f("pk_channel_location")),
    )
    op.create_table(
        "location_day_load",
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fulfilments", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "fulfilments >= 0", name=op.f("ck_location_day_load_fulfilments_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_location_day_load_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "day", name=op.f("pk_location_day_load")),
    )
    op.create_table(
        "sales_order",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "number", sa.BigInteger(), sa.Identity(always=False, start=100001), nullable=False
        ),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deliveries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tracking_token", sa.String(length=64), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
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
            "status IN ('open', 'backordered', 'completed', 'cancelled')",
            name=op.f("ck_sales_order_status"),
        ),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_sales_order_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_sales_order_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_sales_order_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order")),
        sa.UniqueConstraint("channel_id", "external_id", name="uq_sales_order_channel_external"),
        sa.UniqueConstraint("number", name=op.f("uq_sales_order_number")),
        sa.UniqueConstraint("tracking_token", name=op.f("uq_sales_order_tracking_token")),
    )
    op.create_index("ix_sales_order_created_at", "sales_order", ["created_at"], unique=False)
    op.create_index(
        "ix_sales_order_customer_id_created_at",
        "sales_order",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "fulfilment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("delivery_no", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("destination_location_id", sa.BigInteger(), nullable=True),
        sa.Column("awaits_fulfilment_id", sa.Uuid(), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("pickup_code", sa.String(length=12), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("tracking_number", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
            "(method = 'transfer') = (destination_location_id IS NOT NULL)",
            name=op.f("ck_fulfilment_transfer_has_destination"),
        ),
        sa.CheckConstraint(
            "method IN ('ship', 'pickup', 'transfer')", name=op.f("ck_fulfilment_method")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'picking', 'packed', 'shipped', 'ready_for_pickup', 'picked_up', 'rejected', 'cancelled')",
            name=op.f("ck_fulfilment_state"),
        ),
        sa.ForeignKeyConstraint(
            ["awaits_fulfilment_id"],
            ["fulfilment.id"],
            name=op.f("fk_fulfilment_awaits_fulfilment_id_fulfilment"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_location_id"],
            ["location.id"],
            name=op.f("fk_fulfilment_destination_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_fulfilment_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_fulfilment_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfer.id"], name=op.f("fk_fulfilment_transfer_id_transfer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfilment")),
    )
    op.create_index(
        "ix_fulfilment_location_id_state_created_at",
        "fulfilment",
        ["location_id", "state", "created_at"],
        unique=False,
    )
    op.create_index("ix_fulfilment_order_id", "fulfilment", ["order_id"], unique=False)
    op.create_index(
        "ix_fulfilment_ready_at",
        "fulfilment",
        ["ready_at"],
        unique=False,
        postgresql_where=sa.text("state = 'ready_for_pickup'"),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_notification_status")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_notification_order_id_sales_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_order_id", "notification", ["order_id"], unique=False)
    op.create_table(
        "order_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("fulfilment_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_order_event_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_event")),
    )
    op.create_index("ix_order_event_order_id_id", "order_event", ["order_id", "id"], unique=False)
    op.create_table(
        "order_line",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("delivery_no", sa.SmallInteger(), nullable=False),
        sa.Column("quantity_cancelled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quantity_backordered", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_line_quantity_positive")),
        sa.CheckConstraint(
            "quantity_cancelled >= 0 AND quantity_backordered >= 0 AND quantity_cancelled + quantity_backordered <= quantity",
            name=op.f("ck_order_line_quantities_within_line"),
        ),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_line_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_order_line_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["sku.id"], name=op.f("fk_order_line_sku_id_sku")),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_line")),
    )
    op.create_index(
        "ix_order_line_backordered",
        "order_line",
        ["sku_id"],
        unique=False,
        postgresql_where="quantity_backordered > 0",
    )
    op.create_table(
        "order_return",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("refund_amount >= 0", name=op.f("ck_order_return_refund_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_order_return_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.id"], name=op.f("fk_order_return_order_id_sales_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_return")),
    )
    op.create_index("ix_order_return_order_id", "order_return", ["order_id"], unique=False)
    op.create_table(
        "routing_decision",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_routing_decision_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decision")),
    )
    op.create_index(
        "ix_routing_decision_order_id_id", "routing_decision", ["order_id", "id"], unique=False
    )
    op.create_table(
        "fulfilment_line",
        sa.Column("fulfilment_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_short", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_fulfilment_line_quantity_positive")),
        sa.CheckConstraint(
            "quantity_short BETWEEN 0 AND quantity",
            name=op.f("ck_fulfilment_line_short_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"],
            ["fulfilment.id"],
            name=op.f("fk_fulfilment_line_fulfilment_id_fulfilment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["sku.id"], name=op.f("fk_fulfilment_line_sku_id_sku")),
        sa.PrimaryKeyConstraint("fulfilment_id", "line_no", name=op.f("pk_fulfilment_line")),
    )
    op.create_table(
        "order_return_line",
        sa.Column("return_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "disposition IN ('restock', 'damaged')", name=op.f("ck_order_return_line_disposition")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_return_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["order_return.id"],
            name=op.f("fk_order_return_line_return_id_order_return"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["sku.id"], name=op.f("fk_order_return_line_sku_id_sku")
        ),
        sa.PrimaryKeyConstraint(
            "return_id", "line_no", "disposition", name=op.f("pk_order_return_line")
        ),
    )
    op.add_column(
        "hold", sa.Column("purpose", sa.String(length=8), server_default="cart", nullable=False)
    )
    op.create_table(
        "rate_limit_window",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_limit_window")),
    )
    op.create_check_constraint(op.f("ck_hold_purpose"), "hold", "purpose IN ('cart', 'order')")
    # The order timeline is append-only, like the stock ledger.
    op.execute(
        """
        CREATE FUNCTION order_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'order_event is append-only (% refused)', TG_OP
                USING ERRCODE = 'restrict_violation';
        END $$;
        """
    )
    op.execute(
        """
        CREATE TRIGGER order_event_append_only
        BEFORE UPDATE OR DELETE ON order_event
        FOR EACH ROW EXECUTE FUNCTION order_event_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER order_event_append_only ON order_event")
    op.execute("DROP FUNCTION order_event_append_only()")
    op.drop_constraint("ck_hold_purpose", "hold")
    op.drop_table("rate_limit_window")
    op.drop_column("hold", "purpose")
    op.drop_table("order_return_line")
    op.drop_table("fulfilment_line")
    op.drop_index("ix_routing_decision_order_id_id", table_name="routing_decision")
    op.drop_table("routing_decision")
    op.drop_index("ix_order_return_order_id", table_name="order_return")
    op.drop_table("order_return")
    op.drop_index(
        "ix_order_line_backordered",
        table_name="order_line",
        postgresql_where="quantity_backordered > 0",
    )
    op.drop_table("order_line")
    op.drop_index("ix_order_event_order_id_id", table_name="order_event")
    op.drop_table("order_event")
    op.drop_index("ix_notification_order_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index(
        "ix_fulfilment_ready_at",
        table_name="fulfilment",
        postgresql_where=sa.text("state = 'ready_for_pickup'"),
    )
    op.drop_index("ix_fulfilment_order_id", table_name="fulfilment")
    op.drop_index("ix_fulfilment_location_id_state_created_at", table_name="fulfilment")
    op.drop_table("fulfilment")
    op.drop_index("ix_sales_order_customer_id_created_at", table_name="sales_order")
    op.drop_index("ix_sales_order_created_at", table_name="sales_order")
    op.drop_table("sales_order")
    op.drop_table("location_day_load")
    op.drop_table("channel_location")
    op.drop_index("ix_customer_lower_name", table_name="customer")
    op.drop_table("customer")
    op.drop_table("channel")
