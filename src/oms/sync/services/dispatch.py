"""The sync dispatcher: turns stock signals into pending listings and starts channel passes.

It runs on every scheduler tick (``sync_tick_seconds``). Everything that happened since
the last tick is folded at once, so a burst of changes to one SKU becomes one bump of its
listings and, a moment later, one push of the latest value: the tick is the coalescing
window. Losing a tick (broker away, worker killed) loses nothing: the signals and pending
listings stay in the database until a later tick takes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.outbox.stock_signals import mark_channel_pending

# Signals folded per statement; a tick folds until none are left (bounded rounds).
FOLD_BATCH = 20_000
MAX_FOLD_ROUNDS = 20

# A SKU's signal at one location concerns the network listings of the SKU and its listing
# at that location; a signal for every location (NULL) concerns all of them. Duplicates
# in one batch bump a listing once.
_FOLD = text(
    """
    WITH taken AS (
        DELETE FROM stock_signal
         WHERE id IN (SELECT id FROM stock_signal ORDER BY id LIMIT :limit
                        FOR UPDATE SKIP LOCKED)
        RETURNING sku_id, location_id
    ), touched AS (
        -- Locked in id order, as every multi-row write of listings does: no deadlocks.
        SELECT l.id FROM channel_listing l
         WHERE l.id IN (SELECT l2.id
                          FROM taken t
                          JOIN channel_listing l2 ON l2.sku_id = t.sku_id
                         WHERE t.location_id IS NULL OR l2.location_id IS NULL
                            OR l2.location_id = t.location_id)
         ORDER BY l.id
           FOR UPDATE
    ), bumped AS (
        UPDATE channel_listing l
           SET pending_seq = l.pending_seq + 1,
               pending_since = COALESCE(l.pending_since, now())
          FROM touched WHERE l.id = touched.id
        RETURNING l.id
    )
    SELECT (SELECT count(*) FROM taken) AS signals, (SELECT count(*) FROM bumped) AS listings
    """
)

_DUE_CHANNELS = text(
    """
    SELECT c.code, cs.adapter
      FROM channel_sync cs JOIN channel c ON c.id = cs.channel_id
     WHERE cs.enabled AND (cs.paused_until IS NULL OR cs.paused_until <= now())
       AND EXISTS (
            SELECT 1 FROM channel_listing l
             WHERE l.channel_id = cs.channel_id AND l.pending_seq > l.synced_seq
               AND l.next_attempt_at <= now()
               AND (l.lease_until IS NULL OR l.lease_until < now())
               AND (l.pushed_at IS NULL OR l.pushed_at <= now() - make_interval(secs => :window)))
     ORDER BY c.code
    """
)


@dataclass(frozen=True, slots=True)
class Dispatched:
    signals: int  # stock signals folded
    listings: int  # listing bumps (a listing bumped in two rounds counts twice)
    # (channel code, adapter) of every channel with listings due: start a pass for each.
    due: list[tuple[str, str]]


async def fold_signals(session: AsyncSession) -> tuple[int, int]:
    """Fold one batch of stock signals into pending listings: (signals, listings)."""
    row = (await session.execute(_FOLD, {"limit": FOLD_BATCH})).one()
    return int(row.signals), int(row.listings)


async def dispatch(
    sessionmaker: async_sessionmaker[AsyncSession], *, window_seconds: float
) -> Dispatched:
    """Fold every signal, then name the channels with listings due. The caller starts a
    pass for each; a pass already running holds its listings' leases, so a second one
    started meanwhile finds nothing to do and ends at once."""
    signals = listings = 0
    for _ in range(MAX_FOLD_ROUNDS):
        async with sessionmaker() as session, session.begin():
            folded, bumped = await fold_signals(session)
        signals, listings = signals + folded, listings + bumped
        if folded < FOLD_BATCH:
            break
    async with sessionmaker() as session:
        due = (await session.execute(_DUE_CHANNELS, {"window": window_seconds})).all()
    return Dispatched(
        signals=signals, listings=listings, due=[(code, adapter) for code, adapter in due]
    )


_RECONCILE = text(
    """
    UPDATE channel_listing l
       SET pending_seq = l.pending_seq + 1, pending_since = COALESCE(l.pending_since, now()),
           force_push = true
      FROM channel_sync cs
     WHERE cs.channel_id = l.channel_id AND cs.enabled
       AND l.pending_seq <= l.synced_seq
       AND COALESCE(l.pushed_at, l.created_at) < now() - make_interval(secs => :seconds)
    """
)


async def reconcile_listings(
    sessionmaker: async_sessionmaker[AsyncSession], older_than_hours: float
) -> int:
    """Publish again listings not pushed for ``older_than_hours`` (even if our value did
    not change: the partner's may have drifted). Compare-and-swap partners check it."""
    async with sessionmaker() as session, session.begin():
        result = await session.execute(_RECONCILE, {"seconds": older_than_hours * 3600})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def resync_channel(session: AsyncSession, channel_id: int) -> int:
    """Publish every listing of the channel again, changed or not; how many listings."""
    return await mark_channel_pending(session, channel_id, force=True)
