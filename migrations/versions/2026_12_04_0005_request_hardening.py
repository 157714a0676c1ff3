"""Request hardening: idempotent replays keep their headers, orders keep their intake's fingerprint.

``idempotency_key.response_headers``: the headers a handler added to the first response
(e.g. that a resent order's body differed), sent again on every replay. Keys stored
before have none, which is what their responses had.

``sales_order.intake_fingerprint``: SHA-256 of the canonical form of the decoded request
that created the order, so a resend of the same (channel, external id) with another body
can say so. Orders placed before have none, and a resend of them says nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "idempotency_key",
        sa.Column(
            "response_headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column(
        "sales_order", sa.Column("intake_fingerprint", sa.LargeBinary(length=32), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("sales_order", "intake_fingerprint")
    op.drop_column("idempotency_key", "response_headers")
