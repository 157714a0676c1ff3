"""Tracking and pickup codes: wrong-code attempts, lock-out that does not lock out the customer.

Each fulfilment counts the wrong pickup codes tried at the counter and, at the limit,
records when its code was locked. Tracking limits need no schema change: their buckets
live in ``rate_limit_window`` under new names.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "fulfilment",
        sa.Column("pickup_code_failures", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "fulfilment",
        sa.Column("pickup_code_locked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_fulfilment_pickup_code_failures_not_negative"),
        "fulfilment",
        "pickup_code_failures >= 0",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_fulfilment_pickup_code_failures_not_negative"), "fulfilment", type_="check"
    )
    op.drop_column("fulfilment", "pickup_code_locked_at")
    op.drop_column("fulfilment", "pickup_code_failures")
