"""Fixtures for the Shopify channel: the fake shop, seeded (tests.support.shopify.seed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from integrations.shopify.fake import FakeShopify

from tests.support.shopify import Seeded, seed


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    with FakeShopify() as shop:
        yield seed(shop)
