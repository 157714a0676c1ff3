"""Units picked so far, per fulfilment line (``fulfilment_line.quantity_picked``): a pick
counted by scanning survives a reload, a tablet going to sleep or another associate
taking over. Picked and short units together never exceed the line.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "fulfilment_line",
        sa.Column("quantity_picked", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_fulfilment_line_picked_within_quantity"),
        "fulfilment_line",
        "quantity_picked >= 0 AND quantity_picked + quantity_short <= quantity",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_fulfilment_line_picked_within_quantity"), "fulfilment_line", type_="check"
    )
    op.drop_column("fulfilment_line", "quantity_picked")
