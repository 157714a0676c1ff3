"""Which messages this service writes to a channel's customers
(``channel.customer_messages``): all of them, as until now, unless the channel's own
platform sends some (a marketplace's shipping confirmation).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALL = "'{order_placed,ready_for_pickup,parcel_shipped,order_cancelled}'::text[]"


def upgrade() -> None:
    op.add_column(
        "channel",
        sa.Column(
            "customer_messages",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text(_ALL),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_channel_customer_messages_known"), "channel", f"customer_messages <@ {_ALL}"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_channel_customer_messages_known"), "channel", type_="check")
    op.drop_column("channel", "customer_messages")
