"""Channel sync settings and listings through the API: bodies, and reading state back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from oms.db.models import Channel
from tests.support.world import World


def settings_body(**overrides: Any) -> dict[str, Any]:
    """A valid PUT /channels/{code}/sync body: a webhook channel, network quantity."""
    body: dict[str, Any] = {
        "adapter": "webhook",
        "partner_url": "https://partner.example/oms",
        "credentials_env": "PARTNER_WEBHOOK_SIGNING",
    }
    body.update(overrides)
    return body


async def put_settings(
    world: World, channel: Channel, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """PUT the settings (asserting 200); the answer."""
    response = await world.client.put(
        f"/channels/{channel.code}/sync", json=settings_body(**overrides), headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def mark_all_synced(world: World, channel: Channel) -> None:
    """As if a sync pass had published every listing of the channel."""
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE channel_listing SET synced_seq = pending_seq, pending_since = NULL,"
                " force_push = false WHERE channel_id = :c"
            ),
            {"c": channel.id},
        )


async def listing_rows(world: World, channel: Channel) -> list[dict[str, Any]]:
    """The channel's listings as the database has them, in id order."""
    async with world.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT * FROM channel_listing WHERE channel_id = :c ORDER BY id"),
            {"c": channel.id},
        )
        return [dict(row) for row in rows.mappings()]


async def sync_row(world: World, channel: Channel) -> dict[str, Any] | None:
    """The channel's channel_sync row, or None."""
    async with world.sessionmaker() as session:
        row = (
            (
                await session.execute(
                    text("SELECT * FROM channel_sync WHERE channel_id = :c"), {"c": channel.id}
                )
            )
            .mappings()
            .one_or_none()
        )
        return dict(row) if row else None
