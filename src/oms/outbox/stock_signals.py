"""The stock signal: "a SKU's sellable quantity may have changed here", written with the change.

Channel sync listens to it. It is an outbox of stock changes: a row added in the same
statement (or transaction) as the change, folded into ``channel_listing`` by the sync
dispatcher. Append-only so that the order hot path never waits on another transaction
because of sync; a SKU no channel lists adds no row at all.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def signal_cte(changed: str) -> str:
    """A CTE (to append to a WITH list) signalling every level in the CTE ``changed``.

    ``changed`` has columns ``sku_id`` and ``location_id``. Only SKUs some channel lists
    are signalled: the check is one index probe per changed level.
    """
    return f""", stock_signal_{changed} AS (
            INSERT INTO stock_signal (sku_id, location_id)
            SELECT c.sku_id, c.location_id FROM {changed} c
             WHERE EXISTS (SELECT 1 FROM channel_listing cl WHERE cl.sku_id = c.sku_id)
        )"""


_SIGNAL_SKUS = text(
    """
    INSERT INTO stock_signal (sku_id, location_id)
    SELECT s.id, NULL FROM unnest(CAST(:sku_ids AS bigint[])) AS s(id)
     WHERE EXISTS (SELECT 1 FROM channel_listing cl WHERE cl.sku_id = s.id)
    """
)


async def signal_skus(session: AsyncSession, sku_ids: Collection[int]) -> None:
    """Signal the SKUs at every location (a SKU activated or deactivated), in the caller's
    transaction."""
    if sku_ids:
        await session.execute(_SIGNAL_SKUS, {"sku_ids": list(sku_ids)})


# Bumping the sequence (not only a flag) keeps a listing pending when the change lands
# while a push of the older value is in flight: the push records the sequence it read.
_MARK_CHANNEL = text(
    """
    UPDATE channel_listing
       SET pending_seq = pending_seq + 1, pending_since = COALESCE(pending_since, now()),
           force_push = force_push OR :force
     WHERE channel_id = :channel_id
    """
)


async def mark_channel_pending(
    session: AsyncSession, channel_id: int, *, force: bool = False
) -> int:
    """Mark every listing of the channel pending (its policy, feeding locations or state
    changed), in the caller's transaction; how many. ``force``: publish each again even
    if its quantity has not changed (a resync), in the same single write per listing."""
    result = await session.execute(_MARK_CHANNEL, {"channel_id": channel_id, "force": force})
    return int(result.rowcount)  # type: ignore[attr-defined]
