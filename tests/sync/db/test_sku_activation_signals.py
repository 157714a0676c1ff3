"""Deactivating or reactivating a SKU changes what every channel may publish of it (an
inactive SKU publishes 0), so it signals channel sync in the same transaction, as a stock
change does; a SKU no channel lists signals nothing."""

from __future__ import annotations

from oms.catalogue.schemas import SkuPatch
from oms.catalogue.services.skus import update_sku
from oms.domain.access import Principal, Role
from tests.support.sync import listing, signals, synced_channel
from tests.support.world import World

ADMIN = Principal(token_id=0, name="test", role=Role.ADMIN)


async def _patch(world: World, code: str, patch: SkuPatch) -> None:
    async with world.sessionmaker() as session, session.begin():
        await update_sku(session, ADMIN, code, patch)


async def test_deactivating_and_reactivating_a_listed_sku_signals_it(world: World) -> None:
    channel = await synced_channel(world)
    listed, unlisted = await world.sku(), await world.sku()
    await listing(world, channel, listed)

    await _patch(world, listed.code, SkuPatch(active=False))
    await _patch(world, unlisted.code, SkuPatch(active=False))
    assert await signals(world, listed) == [None]  # every location
    assert await signals(world, unlisted) == []

    await _patch(world, listed.code, SkuPatch(active=True))
    assert await signals(world, listed) == [None, None]


async def test_a_change_that_leaves_active_alone_signals_nothing(world: World) -> None:
    channel = await synced_channel(world)
    sku = await world.sku()
    await listing(world, channel, sku)
    await _patch(world, sku.code, SkuPatch(name="Renamed"))
    assert await signals(world, sku) == []


async def test_a_rolled_back_deactivation_leaves_no_signal(world: World) -> None:
    channel = await synced_channel(world)
    sku = await world.sku()
    await listing(world, channel, sku)
    missing = SkuPatch(active=False)
    async with world.sessionmaker() as session:
        try:
            async with session.begin():
                await update_sku(session, ADMIN, sku.code, missing)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert await signals(world, sku) == []
