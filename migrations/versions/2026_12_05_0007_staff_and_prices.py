"""Staff accounts and sessions for the associate app, price lists, the order's language.

``staff_user`` (Argon2id password hashes) and ``staff_user_location`` (their stores);
``staff_session`` ties a sign-in to an ``api_token`` of kind ``session``, so the app's
requests act as that token; ``channel_price`` is a price per SKU per channel;
``sales_order.language`` the customer's language for the tracking page and messages.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 05:06:59.551847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
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
            "role IN ('admin', 'store_manager', 'associate')", name=op.f("ck_staff_user_role")
        ),
        sa.CheckConstraint(
            "username = lower(username)", name=op.f("ck_staff_user_username_lower_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    op.create_table(
        "channel_price",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_channel_price_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_price_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["sku.id"], name=op.f("fk_channel_price_sku_id_sku"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", "sku_id", name=op.f("pk_channel_price")),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_staff_session_location_id_location"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_staff_session_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_session_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_staff_session")),
    )
    op.create_index(
        "ix_staff_session_live",
        "staff_session",
        ["last_seen_at"],
        unique=False,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index("ix_staff_session_user_id", "staff_session", ["user_id"], unique=False)
    op.create_table(
        "staff_user_location",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_staff_user_location_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_user_location_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "location_id", name=op.f("pk_staff_user_location")),
    )
    op.add_column(
        "api_token", sa.Column("kind", sa.String(length=8), server_default="api", nullable=False)
    )
    op.create_check_constraint(op.f("ck_api_token_kind"), "api_token", "kind IN ('api', 'session')")
    op.add_column("sales_order", sa.Column("language", sa.String(length=35), nullable=True))


def downgrade() -> None:
    op.drop_column("sales_order", "language")
    op.drop_constraint(op.f("ck_api_token_kind"), "api_token", type_="check")
    op.drop_column("api_token", "kind")
    op.drop_table("staff_user_location")
    op.drop_index("ix_staff_session_user_id", table_name="staff_session")
    op.drop_index(
        "ix_staff_session_live",
        table_name="staff_session",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_table("staff_session")
    op.drop_table("channel_price")
    op.drop_table("staff_user")
