"""Inbound partner orders in tests: synced channels, partners' sample events made unique,
signed deliveries, and reading back what the service stored and did."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import integrations
from integrations import registry
from integrations.webhook import signing
from oms.db.models import Channel, ChannelSync, Location, Sku
from oms.domain.channel_sync import Partner
from oms.sync.services.inbound import apply_channel_event
from tests.support.world import World, unique

SAMPLES = Path(integrations.__file__).parent
T0 = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)


def partners() -> Callable[[str], Partner]:
    """The partners, as the service and the worker find them."""
    return registry.partner_for


def sample(partner: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / partner / "samples" / name).read_text())
    return loaded


async def synced_channel(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    *,
    adapter: str = "webhook",
    secret: str | None = None,
    enabled: bool = True,
    locations: Sequence[Location] = (),
    partner_url: str = "http://127.0.0.1:9",
    credentials: str | None = None,
    **overrides: Any,
) -> tuple[Channel, str, str]:
    """A marketplace channel with sync settings, its webhook secret and the variable that
    holds it (``secret=""``: the variable is named but left unset)."""
    channel = await world.channel(kind="marketplace", locations=tuple(locations), **overrides)
    variable = f"OMS_TEST_WEBHOOK_{uuid.uuid4().hex[:8].upper()}"
    value = secret if secret is not None else signing.new_secret()
    if secret != "":
        monkeypatch.setenv(variable, value)
    credentials_env = None
    if credentials is not None:
        credentials_env = f"{variable}_CREDENTIALS"
        monkeypatch.setenv(credentials_env, credentials)
    async with world.sessionmaker() as session, session.begin():
        session.add(
            ChannelSync(
                channel_id=channel.id,
                adapter=adapter,
                partner_url=partner_url,
                credentials_env=credentials_env,
                webhook_secret_env=variable,
                enabled=enabled,
            )
        )
    return channel, value, variable


def order_event(
    kind: str,
    external_id: str,
    lines: Sequence[tuple[Sku, int]],
    *,
    version: int = 0,
    drop: Sequence[str] = (),
) -> bytes:
    """The generic webhook sample for ``kind`` (order.created/updated/cancelled) about
    ``external_id``, with our SKUs, at partner version ``T0 + version minutes``; ``drop``
    removes fields of the order."""
    name = {
        "order.created": "order_created_ship.json",
        "order.updated": "order_updated.json",
        "order.cancelled": "order_cancelled.json",
    }[kind]
    event = copy.deepcopy(sample("webhook", name))
    data = event["data"]
    data["id"] = external_id
    data["updated_at"] = (T0 + timedelta(minutes=version)).isoformat()
    data["lines"] = [
        {"sku": sku.code, "quantity": quantity, "unit_price": 1500} for sku, quantity in lines
    ]
    data.pop("total", None)
    for field in drop:
        data.pop(field, None)
    return json.dumps(event).encode()


def signed(
    secret: str, body: bytes, *, message_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    """Standard Webhooks headers signing ``body`` with ``secret``, and the content type."""
    headers = signing.signed_headers(
        signing.signer(secret), message_id or signing.random_id(), at or signing.now(), body
    )
    return {**headers, "content-type": "application/json"}


def new_external_id() -> str:
    return unique("WH")


_EVENTS = text(
    """
    SELECT id, delivery_id, topic, state, outcome, error, note, external_order_id
      FROM channel_event WHERE channel_id = :channel_id ORDER BY id
    """
)
_ORDERS = text(
    "SELECT id FROM sales_order WHERE channel_id = :channel_id AND external_id = :external_id"
)
_STATE = text("SELECT state FROM channel_event WHERE id = :id")


async def stored_events(
    sessionmaker: async_sessionmaker[AsyncSession], channel_id: int
) -> list[dict[str, Any]]:
    async with sessionmaker() as session:
        rows = await session.execute(_EVENTS, {"channel_id": channel_id})
        return [dict(row._mapping) for row in rows]


async def orders_for(
    sessionmaker: async_sessionmaker[AsyncSession], channel_id: int, external_id: str
) -> list[uuid.UUID]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            _ORDERS, {"channel_id": channel_id, "external_id": external_id}
        )
        return list(rows)


async def settle(sessionmaker: async_sessionmaker[AsyncSession], event_id: int) -> str:
    """Run the apply job for the event (as the worker does) until it is settled; the app's
    own in-process worker may be applying it at the same moment, which the job's claim
    allows for."""
    for _ in range(200):
        await apply_channel_event(sessionmaker, event_id, partners=partners())
        async with sessionmaker() as session:
            state = await session.scalar(_STATE, {"id": event_id})
        if state != "received":
            return str(state)
        await asyncio.sleep(0.05)
    raise AssertionError(f"event {event_id} was never applied")


@dataclass(frozen=True)
class Shop:
    """A synced channel selling two SKUs from one stocked store."""

    channel: Channel
    secret: str
    variable: str  # the environment variable holding the secret
    tee: Sku
    mug: Sku
    location: Location


async def stocked_shop(
    world: World, monkeypatch: pytest.MonkeyPatch, *, units: int = 10, **overrides: Any
) -> Shop:
    location = await world.location()
    tee, mug = await world.sku(), await world.sku()
    if units:
        await world.stock(tee, location, units)
        await world.stock(mug, location, units)
    channel, secret, variable = await synced_channel(
        world, monkeypatch, locations=[location], **overrides
    )
    return Shop(channel, secret, variable, tee, mug, location)
