"""Foundation: catalogue, locations, inventory levels, ledger, holds, transfers, tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:42:28.277763
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("channel_code", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'store_manager', 'associate', 'integration')",
            name=op.f("ck_api_token_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("capabilities", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
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
        sa.CheckConstraint(
            "capabilities <@ ARRAY['pickup', 'ship_from', 'walk_in']::text[]",
            name=op.f("ck_location_capabilities"),
        ),
        sa.CheckConstraint("kind IN ('store', 'warehouse')", name=op.f("ck_location_kind")),
        sa.CheckConstraint("daily_capacity >= 0", name=op.f("ck_location_daily_capacity")),
        sa.CheckConstraint(
            "lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180",
            name=op.f("ck_location_coordinates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("code", name=op.f("uq_location_code")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("queue_name", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_table(
        "sku",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku")),
        sa.UniqueConstraint("code", name=op.f("uq_sku_code")),
    )
    op.create_index(
        "ix_sku_lower_name",
        "sku",
        [sa.literal_column("lower(name)").label("lower_name")],
        unique=False,
        postgresql_ops={"lower_name": "text_pattern_ops"},
    )
    op.create_table(
        "stock_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_changed", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("rows_failed", sa.Integer(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')", name=op.f("ck_stock_import_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_import")),
    )
    op.create_table(
        "api_token_location",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_api_token_location_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_api_token_location_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", "location_id", name=op.f("pk_api_token_location")),
    )
    op.create_table(
        "barcode",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["sku.id"], name=op.f("fk_barcode_sku_id_sku"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("gtin", name=op.f("pk_barcode")),
    )
    op.create_index(op.f("ix_barcode_sku_id"), "barcode", ["sku_id"], unique=False)
    op.create_table(
        "hold",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'released', 'expired', 'consumed')", name=op.f("ck_hold_status")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_hold_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
    )
    op.create_index(
        "ix_hold_active_expiry",
        "hold",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'active' AND expires_at IS NOT NULL"),
    )
    op.create_index(
        "ix_hold_location_id_created_at", "hold", ["location_id", "created_at"], unique=False
    )
    op.create_table(
        "inventory_level",
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("on_hand", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reserved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("safety_stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("needs_count", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_inventory_level_reserved_not_negative")),
        sa.CheckConstraint(
            "safety_stock >= 0", name=op.f("ck_inventory_level_safety_stock_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_inventory_level_location_id_location")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["sku.id"], name=op.f("fk_inventory_level_sku_id_sku")),
        sa.PrimaryKeyConstraint("sku_id", "location_id", name=op.f("pk_inventory_level")),
    )
    op.create_index(
        "ix_inventory_level_location_id", "inventory_level", ["location_id"], unique=False
    )
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("from_location_id", sa.BigInteger(), nullable=False),
        sa.Column("to_location_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('in_transit', 'received')", name=op.f("ck_transfer_status")),
        sa.CheckConstraint(
            "from_location_id <> to_location_id", name=op.f("ck_transfer_distinct_locations")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["location.id"],
            name=op.f("fk_transfer_from_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"], ["location.id"], name=op.f("fk_transfer_to_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer")),
    )
    op.create_table(
        "hold_line",
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_hold_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["hold.id"], name=op.f("fk_hold_line_hold_id_hold"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sku_id", "location_id"],
            ["inventory_level.sku_id", "inventory_level.location_id"],
            name="fk_hold_line_level",
        ),
        sa.PrimaryKeyConstraint("hold_id", "sku_id", name=op.f("pk_hold_line")),
    )
    op.create_table(
        "stock_movement",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delta_on_hand", sa.Integer(), nullable=False),
        sa.Column("delta_reserved", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("ref_type", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.String(length=128), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('receipt', 'adjustment', 'count', 'sale', 'reserve', 'release', 'ship', 'transfer_out', 'transfer_in', 'return', 'damage', 'import')",
            name=op.f("ck_stock_movement_kind"),
        ),
        sa.CheckConstraint(
            "delta_on_hand <> 0 OR delta_reserved <> 0",
            name=op.f("ck_stock_movement_changes_something"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id", "location_id"],
            ["inventory_level.sku_id", "inventory_level.location_id"],
            name="fk_stock_movement_level",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
    )
    op.create_index(
        "ix_stock_movement_level", "stock_movement", ["sku_id", "location_id", "id"], unique=False
    )
    op.create_index(
        "ix_stock_movement_location_id_id", "stock_movement", ["location_id", "id"], unique=False
    )
    op.create_index(
        "ix_stock_movement_reference", "stock_movement", ["ref_type", "ref_id"], unique=False
    )
    op.create_table(
        "transfer_line",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received_quantity", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_transfer_line_quantity_positive")),
        sa.CheckConstraint(
            "received_quantity IS NULL OR received_quantity BETWEEN 0 AND quantity",
            name=op.f("ck_transfer_line_received_within_shipped"),
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["sku.id"], name=op.f("fk_transfer_line_sku_id_sku")),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer.id"],
            name=op.f("fk_transfer_line_transfer_id_transfer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transfer_id", "sku_id", name=op.f("pk_transfer_line")),
    )
    # The ledger is append-only: the database refuses UPDATE and DELETE on it.
    op.execute(
        """
        CREATE FUNCTION stock_movement_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'stock_movement is append-only (% refused)', TG_OP
                USING ERRCODE = 'restrict_violation';
        END $$;
        """
    )
    op.execute(
        """
        CREATE TRIGGER stock_movement_append_only
        BEFORE UPDATE OR DELETE ON stock_movement
        FOR EACH ROW EXECUTE FUNCTION stock_movement_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER stock_movement_append_only ON stock_movement")
    op.execute("DROP FUNCTION stock_movement_append_only()")
    op.drop_table("transfer_line")
    op.drop_index("ix_stock_movement_reference", table_name="stock_movement")
    op.drop_index("ix_stock_movement_location_id_id", table_name="stock_movement")
    op.drop_index("ix_stock_movement_level", table_name="stock_movement")
    op.drop_table("stock_movement")
    op.drop_table("hold_line")
    op.drop_table("transfer")
    op.drop_index("ix_inventory_level_location_id", table_name="inventory_level")
    op.drop_table("inventory_level")
    op.drop_index("ix_hold_location_id_created_at", table_name="hold")
    op.drop_index(
        "ix_hold_active_expiry",
        table_name="hold",
        postgresql_where=sa.text("status = 'active' AND expires_at IS NOT NULL"),
    )
    op.drop_table("hold")
    op.drop_index(op.f("ix_barcode_sku_id"), table_name="barcode")
    op.drop_table("barcode")
    op.drop_table("api_token_location")
    op.drop_table("stock_import")
    op.drop_index(
        "ix_sku_lower_name", table_name="sku", postgresql_ops={"lower_name": "text_pattern_ops"}
    )
    op.drop_table("sku")
    op.drop_index(
        "ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("dispatched_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_table("location")
    op.drop_table("idempotency_key")
    op.drop_table("api_token")
