"""A parcel's link to its carrier's tracking page (``fulfilment.carrier_tracking_url``),
shown on the customer's tracking page and in the message that the parcel is on its way.
Only https links: the page puts it in an ``href``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "fulfilment", sa.Column("carrier_tracking_url", sa.String(length=500), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_fulfilment_carrier_tracking_url_https"),
        "fulfilment",
        "carrier_tracking_url IS NULL OR carrier_tracking_url LIKE 'https://%'",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_fulfilment_carrier_tracking_url_https"), "fulfilment", type_="check"
    )
    op.drop_column("fulfilment", "carrier_tracking_url")
