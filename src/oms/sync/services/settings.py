"""A channel's sync settings: how it reaches its partner and how it turns stock into the
quantity it shows. Admins only: they name our environment variables.

Secrets never pass through here: the settings hold the NAMES of the environment variables
that hold them, and a read says only whether each one is set in this process.

A change that alters what the channel publishes (its policy, feeding locations, being
enabled) marks every listing pending in the same transaction, so the next sync tick
publishes the new quantities. A change of where they go (another partner, address or
partner location) also forces the push even where our number did not change: the new
destination has never seen it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require
from oms.domain.errors import InvalidState, NotFound
from oms.outbox.stock_signals import mark_channel_pending
from oms.sync.schemas import (
    FeedLocationOut,
    QuantityPolicyOut,
    SyncSettingsIn,
    SyncSettingsOut,
)
from oms.sync.services.dispatch import resync_channel

# FOR NO KEY UPDATE: two settings changes of one channel take turns, while orders (whose
# foreign key takes a key-share lock on the channel row) are not held up.
_LOCK_CHANNEL = text("SELECT id FROM channel WHERE code = :code FOR NO KEY UPDATE")
_CURRENT = text("SELECT * FROM channel_sync WHERE channel_id = :channel_id")
_CURRENT_FEEDS = text(
    "SELECT location_id, partner_location_id FROM channel_feed_location"
    " WHERE channel_id = :channel_id"
)
_LOCATIONS = text("SELECT code, id FROM location WHERE code = ANY(:codes)")
_HAS_LISTINGS = text("SELECT EXISTS (SELECT 1 FROM channel_listing WHERE channel_id = :channel_id)")
_UPSERT = text(
    """
    INSERT INTO channel_sync (channel_id, adapter, partner_url, api_version, credentials_env,
                              webhook_secret_env, per_location, partner_location_id, buffer,
                              percent, max_quantity, zero_at_or_below, enabled)
    VALUES (:channel_id, :adapter, :partner_url, :api_version, :credentials_env,
            :webhook_secret_env, :per_location, :partner_location_id, :buffer, :percent,
            :max_quantity, :zero_at_or_below, :enabled)
    ON CONFLICT (channel_id) DO UPDATE
       SET adapter = EXCLUDED.adapter, partner_url = EXCLUDED.partner_url,
           api_version = EXCLUDED.api_version, credentials_env = EXCLUDED.credentials_env,
           webhook_secret_env = EXCLUDED.webhook_secret_env,
           per_location = EXCLUDED.per_location,
           partner_location_id = EXCLUDED.partner_location_id, buffer = EXCLUDED.buffer,
           percent = EXCLUDED.percent, max_quantity = EXCLUDED.max_quantity,
           zero_at_or_below = EXCLUDED.zero_at_or_below, enabled = EXCLUDED.enabled,
           updated_at = now()
    """
)
_CLEAR_FEEDS = text("DELETE FROM channel_feed_location WHERE channel_id = :channel_id")
_ADD_FEEDS = text(
    """
    INSERT INTO channel_feed_location (channel_id, location_id, partner_location_id)
    SELECT :channel_id, f.location_id, f.partner_location_id
      FROM unnest(CAST(:location_ids AS bigint[]), CAST(:partner_ids AS text[]))
           AS f(location_id, partner_location_id)
    """
)
# Listings carry their partner location (the sync pass reads it with the listing): keep it
# with the settings. A listing at a location that no longer feeds keeps its id and
# publishes 0 (``quantities_now``).
_NETWORK_DESTINATION = text(
    """
    UPDATE channel_listing SET partner_location_id = :partner_location_id
     WHERE channel_id = :channel_id AND location_id IS NULL
       AND partner_location_id IS DISTINCT FROM :partner_location_id
    """
)
_STORE_DESTINATIONS = text(
    """
    UPDATE channel_listing l SET partner_location_id = f.partner_location_id
      FROM channel_feed_location f
     WHERE l.channel_id = :channel_id AND f.channel_id = l.channel_id
       AND f.location_id = l.location_id
       AND l.partner_location_id IS DISTINCT FROM f.partner_location_id
    """
)
# Item ids belong to one partner: after a move to another they are resolved again.
_FORGET_ITEMS = text(
    "UPDATE channel_listing SET partner_item_id = NULL WHERE channel_id = :channel_id"
)
_READ = text(
    """
    SELECT c.code AS channel, cs.adapter, cs.partner_url, cs.api_version, cs.credentials_env,
           cs.webhook_secret_env, cs.per_location, cs.partner_location_id, cs.buffer,
           cs.percent, cs.max_quantity, cs.zero_at_or_below, cs.enabled, cs.created_at,
           cs.updated_at,
           COALESCE((SELECT json_agg(json_build_object(
                              'location', loc.code,
                              'partner_location_id', f.partner_location_id) ORDER BY loc.code)
                       FROM channel_feed_location f JOIN location loc ON loc.id = f.location_id
                      WHERE f.channel_id = c.id), '[]') AS feed_locations
      FROM channel c JOIN channel_sync cs ON cs.channel_id = c.id
     WHERE c.code = :code
    """
)
_CHANNEL = text("SELECT id FROM channel WHERE code = :code")
_WAS_ENABLED = text("SELECT enabled FROM channel_sync WHERE channel_id = :channel_id FOR UPDATE")
_SET_DISABLED = text(
    "UPDATE channel_sync SET enabled = false, updated_at = now() WHERE channel_id = :channel_id"
)

# Fields whose change alters the quantity a listing publishes.
_QUANTITY_FIELDS = ("buffer", "percent", "max_quantity", "zero_at_or_below", "enabled")
# Fields whose change sends the quantities somewhere new.
_DESTINATION_FIELDS = ("adapter", "partner_url", "partner_location_id")


async def put_settings(
    session: AsyncSession,
    principal: Principal,
    code: str,
    data: SyncSettingsIn,
    environ: Mapping[str, str] = os.environ,
) -> SyncSettingsOut:
    """Create or replace the channel's sync settings (admins only). NotFound for an unknown
    channel or feeding location; InvalidState for switching ``per_location`` while the
    channel has listings (they would publish the wrong kind of quantity)."""
    require(principal, Action.MANAGE_CHANNELS)
    channel_id = await session.scalar(_LOCK_CHANNEL, {"code": code})
    if channel_id is None:
        raise _no_channel(code)
    feeds = await _feed_rows(session, data)
    old = (await session.execute(_CURRENT, {"channel_id": channel_id})).one_or_none()
    old_feeds = {
        (r.location_id, r.partner_location_id)
        for r in await session.execute(_CURRENT_FEEDS, {"channel_id": channel_id})
    }
    if (
        old is not None
        and old.per_location != data.per_location
        and await session.scalar(_HAS_LISTINGS, {"channel_id": channel_id})
    ):
        raise InvalidState(
            f"channel {code!r} has listings: delete them before switching per_location"
            " (a network listing and a store's listing publish different quantities)",
            channel=code,
        )
    new = _values(channel_id, data)
    await session.execute(_UPSERT, new)
    await session.execute(_CLEAR_FEEDS, {"channel_id": channel_id})
    await session.execute(
        _ADD_FEEDS,
        {
            "channel_id": channel_id,
            "location_ids": [location_id for location_id, _ in feeds],
            "partner_ids": [partner_id for _, partner_id in feeds],
        },
    )
    marked = await _follow_change(session, channel_id, old, old_feeds, new, set(feeds))
    return await _read(session, code, environ, marked)


async def get_settings(
    session: AsyncSession,
    principal: Principal,
    code: str,
    environ: Mapping[str, str] = os.environ,
) -> SyncSettingsOut:
    """The channel's sync settings (admins only); NotFound without any."""
    require(principal, Action.MANAGE_CHANNELS)
    return await _read(session, code, environ, 0)


async def disable_sync(
    session: AsyncSession,
    principal: Principal,
    code: str,
    environ: Mapping[str, str] = os.environ,
) -> SyncSettingsOut:
    """Stop syncing the channel (admins only): settings and listings are kept, so PUT with
    ``enabled: true`` resumes where it stopped. NotFound without settings."""
    require(principal, Action.MANAGE_CHANNELS)
    channel_id = await session.scalar(_CHANNEL, {"code": code})
    if channel_id is None:
        raise _no_channel(code)
    was_enabled = await session.scalar(_WAS_ENABLED, {"channel_id": channel_id})
    if was_enabled is None:
        raise _no_settings(code)
    marked = 0
    if was_enabled:
        await session.execute(_SET_DISABLED, {"channel_id": channel_id})
        # Same rule as any change of ``enabled``: re-enabling finds them all pending.
        marked = await mark_channel_pending(session, channel_id)
    return await _read(session, code, environ, marked)


async def _feed_rows(session: AsyncSession, data: SyncSettingsIn) -> list[tuple[int, str | None]]:
    """(location id, partner location id) per feeding location; NotFound naming every
    unknown code."""
    if not data.feed_locations:
        return []
    codes = [feed.location for feed in data.feed_locations]
    found: dict[str, int] = {
        row.code: row.id for row in await session.execute(_LOCATIONS, {"codes": codes})
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(f"unknown location(s): {', '.join(missing)}", locations=missing)
    return [(found[feed.location], feed.partner_location_id) for feed in data.feed_locations]


def _values(channel_id: int, data: SyncSettingsIn) -> dict[str, Any]:
    return {
        "channel_id": channel_id,
        "adapter": data.adapter,
        "partner_url": data.partner_url,
        "api_version": data.effective_api_version,
        "credentials_env": data.credentials_env,
        "webhook_secret_env": data.webhook_secret_env,
        "per_location": data.per_location,
        "partner_location_id": data.partner_location_id,
        "buffer": data.policy.buffer,
        "percent": data.policy.percent,
        "max_quantity": data.policy.max_quantity,
        "zero_at_or_below": data.policy.zero_at_or_below,
        "enabled": data.enabled,
    }


async def _follow_change(
    session: AsyncSession,
    channel_id: int,
    old: Row[Any] | None,
    old_feeds: set[tuple[int, str | None]],
    new: dict[str, Any],
    new_feeds: set[tuple[int, str | None]],
) -> int:
    """Bring the listings along with a settings change; how many were marked pending."""
    key = {"channel_id": channel_id}
    if new["per_location"]:
        await session.execute(_STORE_DESTINATIONS, key)
    else:
        await session.execute(
            _NETWORK_DESTINATION, {**key, "partner_location_id": new["partner_location_id"]}
        )
    if old is None:
        return await mark_channel_pending(session, channel_id)
    if old.adapter != new["adapter"] or old.partner_url != new["partner_url"]:
        await session.execute(_FORGET_ITEMS, key)
    moved = _changed(old, new, _DESTINATION_FIELDS) or (
        new["per_location"] and _partner_ids(old_feeds) != _partner_ids(new_feeds)
    )
    if moved:
        return await resync_channel(session, channel_id)
    fed_from = {location_id for location_id, _ in old_feeds} != {
        location_id for location_id, _ in new_feeds
    }
    if fed_from or _changed(old, new, (*_QUANTITY_FIELDS, "per_location")):
        return await mark_channel_pending(session, channel_id)
    return 0


def _changed(old: Row[Any], new: dict[str, Any], fields: Sequence[str]) -> bool:
    return any(getattr(old, name) != new[name] for name in fields)


def _partner_ids(feeds: set[tuple[int, str | None]]) -> dict[int, str | None]:
    return dict(feeds)


async def _read(
    session: AsyncSession, code: str, environ: Mapping[str, str], marked: int
) -> SyncSettingsOut:
    row = (await session.execute(_READ, {"code": code})).one_or_none()
    if row is None:
        if await session.scalar(_CHANNEL, {"code": code}) is None:
            raise _no_channel(code)
        raise _no_settings(code)
    return SyncSettingsOut(
        channel=row.channel,
        adapter=row.adapter,
        partner_url=row.partner_url,
        api_version=row.api_version,
        credentials_env=row.credentials_env,
        credentials_set=_is_set(environ, row.credentials_env),
        webhook_secret_env=row.webhook_secret_env,
        webhook_secret_set=_is_set(environ, row.webhook_secret_env),
        policy=QuantityPolicyOut(
            buffer=row.buffer,
            percent=row.percent,
            max_quantity=row.max_quantity,
            zero_at_or_below=row.zero_at_or_below,
        ),
        per_location=row.per_location,
        partner_location_id=row.partner_location_id,
        feed_locations=[FeedLocationOut(**feed) for feed in row.feed_locations],
        enabled=row.enabled,
        listings_marked=marked,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _is_set(environ: Mapping[str, str], name: str | None) -> bool:
    # Only whether a value is there: the value itself never leaves the environment.
    return name is not None and bool(environ.get(name, "").strip())


def _no_channel(code: str) -> NotFound:
    return NotFound(f"channel {code!r} not found", channel=code)


def _no_settings(code: str) -> NotFound:
    return NotFound(
        f"channel {code!r} has no sync settings (PUT /channels/{code}/sync)", channel=code
    )
