"""Fixtures for the webhook channel: a secret, the fake receiver, adapters connected to
it, and an inbound endpoint that verifies deliveries the way the service's route does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from integrations.webhook import WebhookAdapter, connect, fake, signing
from tests.support.webhook_channel import InboundEndpoint, connection_to, inbound_endpoint


@pytest.fixture
def secret() -> str:
    return signing.new_secret()


@pytest.fixture
def receiver(secret: str) -> Iterator[fake.FakeReceiver]:
    with fake.FakeReceiver(secret) as running:
        yield running


@pytest.fixture
async def connect_to() -> AsyncIterator[Callable[..., WebhookAdapter]]:
    """``connect_to(url, secret, timeout_seconds=5.0)``: an adapter, closed at teardown."""
    made: list[WebhookAdapter] = []

    def make(url: str, secret: str | None, timeout_seconds: float = 5.0) -> WebhookAdapter:
        made.append(connect(connection_to(url, secret, timeout_seconds)))
        return made[-1]

    yield make
    for adapter in made:
        await adapter.aclose()


@pytest.fixture
async def adapter(
    receiver: fake.FakeReceiver, secret: str, connect_to: Callable[..., WebhookAdapter]
) -> WebhookAdapter:
    return connect_to(receiver.url, secret)


@pytest.fixture
def endpoint(secret: str) -> Iterator[InboundEndpoint]:
    with inbound_endpoint([secret]) as serving:
        yield serving
