"""Which sync pass owns which listings, and what a pass records about them.

A pass claims due listings with a lease (``lease_until`` + a token of its own) in a short
transaction, talks to the partner with no transaction open, then records each outcome
where its token still holds. Two passes never hold the same listing (``FOR UPDATE SKIP
LOCKED`` at claim time, the token at record time); a killed pass's lease runs out and the
listings are claimed again, still pending, since only a recorded push clears them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Claimed:
    """A listing a pass owns, as it was when claimed."""

    id: int
    seq: int  # pending_seq at claim time: a push records it as synced
    sku_id: int
    partner_sku: str
    partner_item_id: str | None
    partner_location_id: str | None
    published_qty: int | None
    force_push: bool
    attempts: int  # failures in a row so far: the next retry waits longer


# Due: pending, past its retry time, not leased, and not pushed within the window (one
# push per listing per coalescing window).
_CLAIM = text(
    """
    UPDATE channel_listing l
       SET lease_until = now() + make_interval(secs => :lease_seconds), lease_token = :token
     WHERE l.id IN (
            SELECT id FROM channel_listing
             WHERE channel_id = :channel_id AND pending_seq > synced_seq
               AND next_attempt_at <= now()
               AND (lease_until IS NULL OR lease_until < now())
               AND (pushed_at IS NULL OR pushed_at <= now() - make_interval(secs => :window))
             ORDER BY next_attempt_at, id
             LIMIT :limit
               FOR UPDATE SKIP LOCKED)
    RETURNING l.id, l.pending_seq, l.sku_id, l.partner_sku, l.partner_item_id,
              l.partner_location_id, l.published_qty, l.force_push, l.attempts
    """
)

_RELEASE = """lease_until = NULL, lease_token = NULL, updated_at = now()"""
# Every multi-row write of listings locks them in id order first (the dispatcher's fold
# too), so two such statements never deadlock.
_LOCK_IN_ORDER = """WITH locked AS (
        SELECT id FROM channel_listing WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id
           FOR UPDATE)"""

# Published (or found equal, ``pushed`` false): synced up to the claimed sequence. A change
# that arrived meanwhile bumped pending_seq past it, so the listing stays pending.
_RECORD_SYNCED = text(
    f"""
    {_LOCK_IN_ORDER}
    UPDATE channel_listing l
       SET published_qty = u.quantity,
           pushed_at = CASE WHEN u.pushed THEN now() ELSE l.pushed_at END,
           synced_seq = GREATEST(l.synced_seq, u.seq),
           pending_since = CASE WHEN l.pending_seq <= u.seq THEN NULL ELSE l.pending_since END,
           attempts = 0, last_error = NULL, force_push = false, {_RELEASE}
      FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS bigint[]), CAST(:quantities AS int[]),
                  CAST(:pushed AS boolean[])) AS u(id, seq, quantity, pushed)
     WHERE l.id = u.id AND l.id IN (SELECT id FROM locked) AND l.lease_token = :token
    """
)

_RECORD_FAILED = text(
    f"""
    {_LOCK_IN_ORDER}
    UPDATE channel_listing l
       SET attempts = l.attempts + 1, last_error = u.error,
           next_attempt_at = now() + make_interval(secs => u.delay), {_RELEASE}
      FROM unnest(CAST(:ids AS bigint[]), CAST(:errors AS text[]),
                  CAST(:delays AS float8[])) AS u(id, error, delay)
     WHERE l.id = u.id AND l.id IN (SELECT id FROM locked) AND l.lease_token = :token
    """
)

_RELEASE_UNCHANGED = text(
    f"""
    UPDATE channel_listing SET {_RELEASE}
     WHERE id = ANY(CAST(:ids AS bigint[])) AND lease_token = :token
    """
)

_STORE_ITEM_IDS = text(
    """
    UPDATE channel_listing l SET partner_item_id = u.item_id, updated_at = now()
      FROM unnest(CAST(:ids AS bigint[]), CAST(:item_ids AS text[])) AS u(id, item_id)
     WHERE l.id = u.id AND l.lease_token = :token
    """
)


async def claim(
    session: AsyncSession,
    channel_id: int,
    token: uuid.UUID,
    *,
    limit: int,
    lease_seconds: float,
    window_seconds: float,
) -> list[Claimed]:
    """Lease up to ``limit`` due listings of the channel to ``token``, oldest due first."""
    rows = await session.execute(
        _CLAIM,
        {
            "channel_id": channel_id,
            "token": token,
            "limit": limit,
            "lease_seconds": lease_seconds,
            "window": window_seconds,
        },
    )
    return sorted(
        (
            Claimed(
                id=row.id,
                seq=row.pending_seq,
                sku_id=row.sku_id,
                partner_sku=row.partner_sku,
                partner_item_id=row.partner_item_id,
                partner_location_id=row.partner_location_id,
                published_qty=row.published_qty,
                force_push=row.force_push,
                attempts=row.attempts,
            )
            for row in rows
        ),
        key=lambda c: c.id,
    )


async def record_synced(
    session: AsyncSession,
    token: uuid.UUID,
    synced: Sequence[tuple[Claimed, int, bool]],
) -> None:
    """Record (listing, quantity the partner now shows, whether we pushed it)."""
    if synced:
        await session.execute(
            _RECORD_SYNCED,
            {
                "token": token,
                "ids": [c.id for c, _, _ in synced],
                "seqs": [c.seq for c, _, _ in synced],
                "quantities": [q for _, q, _ in synced],
                "pushed": [p for _, _, p in synced],
            },
        )


async def record_failed(
    session: AsyncSession, token: uuid.UUID, failed: Sequence[tuple[Claimed, str, float]]
) -> None:
    """Record (listing, error, seconds until its next try); it stays pending."""
    if failed:
        await session.execute(
            _RECORD_FAILED,
            {
                "token": token,
                "ids": [c.id for c, _, _ in failed],
                "errors": [error[:2000] for _, error, _ in failed],
                "delays": [delay for _, _, delay in failed],
            },
        )


async def release(session: AsyncSession, token: uuid.UUID, listing_ids: Sequence[int]) -> None:
    """Give listings back untouched (the partner asked us to wait): still pending."""
    if listing_ids:
        await session.execute(_RELEASE_UNCHANGED, {"token": token, "ids": list(listing_ids)})


async def store_item_ids(session: AsyncSession, token: uuid.UUID, item_ids: dict[int, str]) -> None:
    """Keep the partner's item ids resolved for listings (resolved once, then reused)."""
    if item_ids:
        await session.execute(
            _STORE_ITEM_IDS,
            {"token": token, "ids": list(item_ids), "item_ids": list(item_ids.values())},
        )
