"""What an admin asks of a channel's sync: its status, and publishing it all again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Channel, ChannelSync
from oms.domain.access import Action, Principal, require
from oms.domain.errors import NotFound
from oms.sync.schemas import ResyncOut, SyncStatusOut
from oms.sync.services.dispatch import resync_channel
from oms.sync.services.status import sync_statuses


async def _synced_channel_id(session: AsyncSession, code: str) -> int:
    channel_id = await session.scalar(
        select(Channel.id)
        .join(ChannelSync, ChannelSync.channel_id == Channel.id)
        .where(Channel.code == code)
    )
    if channel_id is None:
        raise NotFound(f"channel {code!r} has no sync settings", channel=code)
    return channel_id


async def channel_sync_status(
    session: AsyncSession, principal: Principal, code: str
) -> SyncStatusOut:
    """The channel's sync status (admins only); NotFound when it is not synced."""
    require(principal, Action.MANAGE_CHANNELS)
    found = await sync_statuses(session, code)
    if not found:
        raise NotFound(f"channel {code!r} has no sync settings", channel=code)
    return found[0]


async def resync(session: AsyncSession, principal: Principal, code: str) -> ResyncOut:
    """Publish every listing of the channel again (admins only, and ``oms channels
    resync``): for a partner that lost or changed its quantities."""
    require(principal, Action.MANAGE_CHANNELS)
    channel_id = await _synced_channel_id(session, code)
    return ResyncOut(channel=code, listings=await resync_channel(session, channel_id))
