"""Listing many SKUs at once: a file of listings, or every active SKU. Admins only.

Both are idempotent: a listing that exists is skipped and counted, never changed, so a
file can be sent again after fixing it, and "every active SKU" picks up the new ones.
A file is all or nothing: every line is checked (format, SKU, location) before anything
is written, and every bad line is reported in one answer.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain import listing_rows
from oms.domain.access import Action, Principal, require
from oms.domain.errors import InvalidInput
from oms.domain.listing_rows import InvalidRows, LineProblem, ListingLine
from oms.sync.schemas import BulkListingsOut
from oms.sync.services.listings import (
    INSERT_LISTINGS,
    SyncedChannel,
    Target,
    insert_params,
    synced_channel,
)

MEDIA_TYPES: dict[str, Literal["csv", "jsonl"]] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_ROWS = listing_rows.MAX_ROWS
# A per-location channel multiplies lines by its feeding locations: bound what one
# statement writes.
MAX_LISTINGS = 200_000

_SKUS = text("SELECT code, id FROM sku WHERE code = ANY(:codes)")
# Every active SKU at every target of the channel (the network, or each feeding location
# of a per-location channel), in one statement; what exists already is skipped.
_ALL_ACTIVE = text(
    """
    WITH targets AS (
        SELECT CAST(NULL AS bigint) AS location_id, cs.partner_location_id
          FROM channel_sync cs
         WHERE cs.channel_id = :channel_id AND NOT cs.per_location
        UNION ALL
        SELECT f.location_id, f.partner_location_id
          FROM channel_feed_location f
          JOIN channel_sync cs ON cs.channel_id = f.channel_id AND cs.per_location
         WHERE f.channel_id = :channel_id
    ), wanted AS (
        SELECT s.id AS sku_id, s.code, t.location_id, t.partner_location_id
          FROM sku s CROSS JOIN targets t
         WHERE s.active
    ), created AS (
        INSERT INTO channel_listing (channel_id, sku_id, location_id, partner_sku,
                                     partner_location_id)
        SELECT :channel_id, w.sku_id, w.location_id, w.code, w.partner_location_id
          FROM wanted w
        ON CONFLICT ON CONSTRAINT uq_channel_listing DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM wanted) AS wanted, (SELECT count(*) FROM created) AS created
    """
)


def format_for(media_type: str) -> Literal["csv", "jsonl"]:
    """The file format of a Content-Type (parameters ignored); InvalidInput if none."""
    fmt = MEDIA_TYPES.get(media_type.split(";", 1)[0].strip().lower())
    if fmt is None:
        raise InvalidInput(f"no listings import format for {media_type!r}")
    return fmt


async def import_listings(
    session: AsyncSession, principal: Principal, code: str, body: bytes, media_type: str
) -> BulkListingsOut:
    """Create the listings a CSV or JSON-lines file names, in one statement (admins only).
    InvalidRows listing every bad line (nothing written); existing listings are skipped."""
    require(principal, Action.MANAGE_CHANNELS)
    fmt = format_for(media_type)
    channel = await synced_channel(session, code)
    lines, problems = listing_rows.parse(body, fmt)
    rows = await _resolve(session, channel, lines, problems)
    if len(rows) > MAX_LISTINGS:
        raise InvalidInput(
            f"the file would create {len(rows)} listings; at most {MAX_LISTINGS} per import"
        )
    created = len(list(await session.scalars(INSERT_LISTINGS, insert_params(channel.id, rows))))
    return BulkListingsOut(created=created, skipped=len(rows) - created)


async def list_all_active_skus(
    session: AsyncSession, principal: Principal, code: str
) -> BulkListingsOut:
    """List every active SKU the channel does not list yet, under our own SKU codes
    (admins only)."""
    require(principal, Action.MANAGE_CHANNELS)
    channel = await synced_channel(session, code)
    row = (await session.execute(_ALL_ACTIVE, {"channel_id": channel.id})).one()
    return BulkListingsOut(created=row.created, skipped=row.wanted - row.created)


async def _resolve(
    session: AsyncSession,
    channel: SyncedChannel,
    lines: list[tuple[int, ListingLine]],
    problems: list[LineProblem],
) -> list[tuple[int, Target, str, str | None]]:
    """(SKU id, target, partner SKU, partner item id) per listing the lines ask for;
    InvalidRows naming every line that could not be read (``problems``) or names an unknown
    SKU, a location the channel does not take, or a listing an earlier line asked for."""
    codes = sorted({line.sku for _, line in lines})
    sku_ids: dict[str, int] = {
        row.code: row.id for row in await session.execute(_SKUS, {"codes": codes})
    }
    rows: list[tuple[int, Target, str, str | None]] = []
    first_line: dict[tuple[int, int | None], int] = {}
    for number, line in lines:
        sku_id = sku_ids.get(line.sku)
        if sku_id is None:
            problems.append(LineProblem(number, f"sku: unknown SKU {line.sku!r}"))
            continue
        try:
            targets = channel.targets(line.location)
        except InvalidInput as exc:
            problems.append(LineProblem(number, exc.detail))
            continue
        if not targets:
            problems.append(LineProblem(number, "location: the channel has no feeding locations"))
            continue
        for target in targets:
            key = (sku_id, target.location_id)
            if key in first_line:
                problems.append(
                    LineProblem(
                        number, f"sku: {line.sku!r} is listed there by line {first_line[key]}"
                    )
                )
                break
            first_line[key] = number
            rows.append((sku_id, target, line.partner_sku or line.sku, line.partner_item_id))
    if problems:
        raise InvalidRows(problems)
    return rows
