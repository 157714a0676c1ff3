"""A channel's listings: which SKUs it publishes, under which partner ids, and how each
one's quantity is doing.

A listing is (channel, SKU) for a channel that publishes one network quantity, or
(channel, SKU, feeding location) for a per-location channel; its partner location comes
from the channel's settings. A new listing is pending (``pending_seq`` 1 > ``synced_seq``
0), so the next sync tick publishes it. Creating and deleting are admin work; the
channel's own integration token may read them (``domain.access.require_listings_reader``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require, require_listings_reader
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import AlreadyExists, InvalidInput, InvalidState, NotFound
from oms.sync.schemas import ListingIn, ListingOut, ListingPage, ListingsCreated, ListingState
from oms.sync.services.quantities import quantities_now


@dataclass(frozen=True, slots=True)
class Target:
    """Where a listing's quantity goes: our location (None: the network) and the partner's."""

    location_id: int | None
    partner_location_id: str | None


@dataclass(frozen=True, slots=True)
class SyncedChannel:
    id: int
    code: str
    per_location: bool
    # Per-location channels: location code -> its target; network channels: empty.
    feeds: dict[str, Target]
    network: Target  # network channels: the one target

    def targets(self, location: str | None) -> list[Target]:
        """The listings one SKU gets: the network one; one feeding location's; or, with no
        location on a per-location channel, one per feeding location. InvalidInput for a
        location the channel does not take."""
        if not self.per_location:
            if location is not None:
                raise InvalidInput(
                    f"location: channel {self.code!r} publishes one network quantity;"
                    " its listings take no location",
                    location=location,
                )
            return [self.network]
        if location is None:
            return list(self.feeds.values())
        if location not in self.feeds:
            raise InvalidInput(
                f"location: {location!r} does not feed channel {self.code!r}"
                f" (its feeding locations: {', '.join(sorted(self.feeds)) or 'none'})",
                location=location,
            )
        return [self.feeds[location]]


_CHANNEL = text(
    """
    SELECT c.id, cs.per_location, cs.partner_location_id, cs.channel_id IS NOT NULL AS synced
      FROM channel c LEFT JOIN channel_sync cs ON cs.channel_id = c.id
     WHERE c.code = :code
    """
)
_FEEDS = text(
    """
    SELECT loc.code, f.location_id, f.partner_location_id
      FROM channel_feed_location f JOIN location loc ON loc.id = f.location_id
     WHERE f.channel_id = :channel_id
    """
)
_SKU = text("SELECT id FROM sku WHERE code = :code")
# One statement for every way of creating listings: the rows arrive as arrays, and a
# listing that exists already is left as it is (the caller counts what came back).
INSERT_LISTINGS = text(
    """
    INSERT INTO channel_listing (channel_id, sku_id, location_id, partner_sku,
                                 partner_item_id, partner_location_id)
    SELECT :channel_id, r.sku_id, r.location_id, r.partner_sku, r.partner_item_id,
           r.partner_location_id
      FROM unnest(CAST(:sku_ids AS bigint[]), CAST(:location_ids AS bigint[]),
                  CAST(:partner_skus AS text[]), CAST(:partner_item_ids AS text[]),
                  CAST(:partner_location_ids AS text[]))
           AS r(sku_id, location_id, partner_sku, partner_item_id, partner_location_id)
    ON CONFLICT ON CONSTRAINT uq_channel_listing DO NOTHING
    RETURNING id
    """
)
# Pending: a change has not reached the partner yet, folded (``pending_seq``) or still a
# stock signal the dispatcher has not folded; failing: pending after a failed try. The
# same reading as the channel's sync status.
_LIST = text(
    """
    SELECT * FROM (
        SELECT l.id, s.code AS sku, loc.code AS location, l.partner_sku, l.partner_item_id,
               l.partner_location_id, l.published_qty, l.pushed_at, l.last_error, l.attempts,
               l.next_attempt_at,
               CASE WHEN NOT (l.pending_seq > l.synced_seq OR EXISTS (
                                SELECT 1 FROM stock_signal ss
                                 WHERE ss.sku_id = l.sku_id
                                   AND (ss.location_id IS NULL OR l.location_id IS NULL
                                        OR ss.location_id = l.location_id)))
                      THEN 'in_sync'
                    WHEN l.last_error IS NOT NULL THEN 'failing'
                    ELSE 'pending' END AS state
          FROM channel_listing l
          JOIN sku s ON s.id = l.sku_id
          LEFT JOIN location loc ON loc.id = l.location_id
         WHERE l.channel_id = :channel_id
           AND (CAST(:id AS bigint) IS NULL OR l.id = :id)
           AND (CAST(:sku AS text) IS NULL OR s.code = :sku)
           AND (CAST(:after AS bigint) IS NULL OR l.id > :after)
    ) listing
     WHERE (CAST(:state AS text) IS NULL OR listing.state = :state)
     ORDER BY listing.id
     LIMIT :limit
    """
)
_DELETE = text(
    "DELETE FROM channel_listing WHERE channel_id = :channel_id AND id = :id RETURNING id"
)


async def synced_channel(session: AsyncSession, code: str) -> SyncedChannel:
    """The channel and where its listings publish; NotFound for an unknown channel,
    InvalidState for one without sync settings."""
    row = (await session.execute(_CHANNEL, {"code": code})).one_or_none()
    if row is None:
        raise NotFound(f"channel {code!r} not found", channel=code)
    if not row.synced:
        raise InvalidState(
            f"channel {code!r} has no sync settings yet: PUT /channels/{code}/sync first",
            channel=code,
        )
    feeds: dict[str, Target] = {}
    if row.per_location:
        feeds = {
            feed.code: Target(feed.location_id, feed.partner_location_id)
            for feed in await session.execute(_FEEDS, {"channel_id": row.id})
        }
    return SyncedChannel(
        id=row.id,
        code=code,
        per_location=row.per_location,
        feeds=feeds,
        network=Target(None, row.partner_location_id),
    )


def insert_params(
    channel_id: int,
    rows: Sequence[tuple[int, Target, str, str | None]],
) -> dict[str, Any]:
    """``INSERT_LISTINGS``' parameters for (SKU id, target, partner SKU, partner item id)."""
    return {
        "channel_id": channel_id,
        "sku_ids": [sku_id for sku_id, _, _, _ in rows],
        "location_ids": [target.location_id for _, target, _, _ in rows],
        "partner_skus": [partner_sku for _, _, partner_sku, _ in rows],
        "partner_item_ids": [item for _, _, _, item in rows],
        "partner_location_ids": [target.partner_location_id for _, target, _, _ in rows],
    }


async def create_listing(
    session: AsyncSession, principal: Principal, code: str, data: ListingIn
) -> ListingsCreated:
    """List a SKU on the channel (admins only): one listing, or one per feeding location of
    a per-location channel when no location is given. AlreadyExists when any of them is
    listed already (nothing is created); NotFound for an unknown SKU or channel."""
    require(principal, Action.MANAGE_CHANNELS)
    channel = await synced_channel(session, code)
    sku_id = await session.scalar(_SKU, {"code": data.sku})
    if sku_id is None:
        raise NotFound(f"SKU {data.sku!r} not found", sku=data.sku)
    targets = channel.targets(data.location)
    if not targets:
        raise InvalidState(f"channel {code!r} has no feeding locations to list at", channel=code)
    partner_sku = data.partner_sku or data.sku
    rows = [(sku_id, target, partner_sku, data.partner_item_id) for target in targets]
    created = list(await session.scalars(INSERT_LISTINGS, insert_params(channel.id, rows)))
    if len(created) < len(rows):
        raise AlreadyExists(
            f"SKU {data.sku!r} is listed on channel {code!r} already"
            + (f" at {data.location!r}" if data.location else ""),
            sku=data.sku,
        )
    created_ids = set(created)
    page = await _read(session, channel.id, listing_id=None, sku=data.sku, state=None, after=None)
    return ListingsCreated(items=[item for item in page if item.id in created_ids])


async def list_listings(
    session: AsyncSession,
    principal: Principal,
    code: str,
    *,
    state: ListingState | None,
    sku: str | None,
    limit: int,
    cursor: str | None,
) -> ListingPage:
    """The channel's listings in id order, optionally in one state or of one SKU."""
    require_listings_reader(principal, code)
    channel = await synced_channel(session, code)
    after = decode_cursor(cursor, int)[0] if cursor is not None else None
    items = await _read(
        session, channel.id, listing_id=None, sku=sku, state=state, after=after, limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    return ListingPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def get_listing(
    session: AsyncSession, principal: Principal, code: str, listing_id: int
) -> ListingOut:
    """One listing of the channel; NotFound if the channel has none with this id."""
    require_listings_reader(principal, code)
    channel = await synced_channel(session, code)
    found = await _read(
        session, channel.id, listing_id=listing_id, sku=None, state=None, after=None
    )
    if not found:
        raise NotFound(f"listing {listing_id} not found on channel {code!r}", listing=listing_id)
    return found[0]


async def delete_listing(
    session: AsyncSession, principal: Principal, code: str, listing_id: int
) -> None:
    """Stop publishing the SKU there (admins only). The partner keeps the last quantity it
    was sent: to stop sales, publish 0 first (deactivate the SKU, or a policy that zeroes
    it) and delete once it is in sync."""
    require(principal, Action.MANAGE_CHANNELS)
    channel = await synced_channel(session, code)
    deleted = await session.scalar(_DELETE, {"channel_id": channel.id, "id": listing_id})
    if deleted is None:
        raise NotFound(f"listing {listing_id} not found on channel {code!r}", listing=listing_id)


async def _read(
    session: AsyncSession,
    channel_id: int,
    *,
    listing_id: int | None,
    sku: str | None,
    state: ListingState | None,
    after: int | None,
    limit: int = 10_000,
) -> list[ListingOut]:
    rows = (
        await session.execute(
            _LIST,
            {
                "channel_id": channel_id,
                "id": listing_id,
                "sku": sku,
                "state": state,
                "after": after,
                "limit": limit,
            },
        )
    ).all()
    quantities = await quantities_now(await session.connection(), [row.id for row in rows])
    return [_out(row, quantities.get(row.id, 0)) for row in rows]


def _out(row: Row[Any], quantity_now: int) -> ListingOut:
    return ListingOut(quantity_now=quantity_now, **row._mapping)
