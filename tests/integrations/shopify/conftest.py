"""Fixtures for the Shopify channel: the fake shop, seeded (tests.support.shopify.seed),
and adapters connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from integrations.shopify import ShopifyAdapter, connect
from integrations.shopify.fake import FakeShopify
from tests.support.shopify import Seeded, connection_to, seed


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    with FakeShopify() as shop:
        yield seed(shop)


@pytest.fixture
async def connect_to() -> AsyncIterator[Callable[..., ShopifyAdapter]]:
    """``connect_to(shop, **connection options)``: an adapter, closed at teardown."""
    made: list[ShopifyAdapter] = []

    def make(shop: FakeShopify, **options: Any) -> ShopifyAdapter:
        made.append(connect(connection_to(shop, **options)))
        return made[-1]

    yield make
    for adapter in made:
        await adapter.aclose()


@pytest.fixture
async def adapter(seeded: Seeded, connect_to: Callable[..., ShopifyAdapter]) -> ShopifyAdapter:
    return connect_to(seeded.shop)
