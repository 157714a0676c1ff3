"""The customer's language travels with the order: stored at placement, read back, and a
tag that is no language tag is refused."""

from __future__ import annotations

from typing import TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from tests.support.orders import order_body
from tests.support.world import World

Client: TypeAlias = AsyncTestClient[Litestar]


async def _stored_language(world: World, order_id: str) -> str | None:
    async with world.sessionmaker() as session:
        language = await session.scalar(
            text("SELECT language FROM sales_order WHERE id = :id"), {"id": order_id}
        )
    assert language is None or isinstance(language, str)
    return language


async def test_an_order_keeps_its_language_and_one_without_has_none(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")

    for language in ("ro-MD", None):
        body = order_body(channel.code, [(sku, 1)])
        if language is not None:
            body["language"] = language
        response = await client.post("/orders", json=body, headers=admin)
        assert response.status_code == 201, response.text
        placed = response.json()
        assert placed["language"] == language
        read = await client.get(f"/orders/{placed['id']}", headers=admin)
        assert read.status_code == 200, read.text
        assert read.json()["language"] == language
        assert await _stored_language(world, placed["id"]) == language


async def test_a_language_that_is_no_tag_is_refused_and_places_nothing(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")

    for bad in ("", "r", "romanian language", "ro_RO", "ro-", "x" * 36, "ro-" + "a" * 33, 7):
        body = {**order_body(channel.code, [(sku, 1)]), "language": bad}
        response = await client.post("/orders", json=body, headers=admin)
        assert response.status_code == 400, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    async with world.sessionmaker() as session:
        placed = await session.scalar(
            text("SELECT count(*) FROM sales_order WHERE channel_id = :c"), {"c": channel.id}
        )
    assert placed == 0
    assert (await world.level(sku, store))["reserved"] == 0
