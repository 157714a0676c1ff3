"""Indexes for the upkeep of partner events: the ones still waiting to be applied (the
repair sweep applies any a lost job left behind, and the sync status counts them) and the
failed ones (counted for the status), each partial, so it reads only the rows it is
about; and every event by arrival, for deleting settled ones after
``OMS_CHANNEL_EVENT_KEEP_DAYS`` (old events are nearly all settled: no predicate).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_channel_event_waiting",
        "channel_event",
        ["channel_id", "received_at"],
        postgresql_where=sa.text("state = 'received'"),
    )
    op.create_index(
        "ix_channel_event_failed",
        "channel_event",
        ["channel_id"],
        postgresql_where=sa.text("state = 'failed'"),
    )
    op.create_index("ix_channel_event_received_at", "channel_event", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_event_received_at", table_name="channel_event")
    op.drop_index("ix_channel_event_failed", table_name="channel_event")
    op.drop_index("ix_channel_event_waiting", table_name="channel_event")
