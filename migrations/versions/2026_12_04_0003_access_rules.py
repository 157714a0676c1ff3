"""Access rules: channels that allow staff ordering, customer look-up grants.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "channel",
        sa.Column("staff_orders", sa.Boolean(), server_default="true", nullable=False),
    )
    # Marketplaces take their own customers' orders: store staff do not place them.
    op.execute("UPDATE channel SET staff_orders = false WHERE kind = 'marketplace'")
    op.create_table(
        "customer_access_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("via IN ('email', 'phone')", name=op.f("ck_customer_access_grant_via")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_access_grant_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_customer_access_grant_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_access_grant")),
    )
    op.create_index(
        "ix_customer_access_grant_token_customer_expires",
        "customer_access_grant",
        ["token_id", "customer_id", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_customer_access_grant_token_customer_expires", table_name="customer_access_grant"
    )
    op.drop_table("customer_access_grant")
    op.drop_column("channel", "staff_orders")
