"""The dramatiq broker named by ``OMS_BROKER_URL``, or an in-memory one for embedded mode."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from oms.config import Settings


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    broker: dramatiq.Broker
    if url is None:
        broker = StubBroker()
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError("OMS_BROKER_URL must start with redis:// or amqp://")
    # Actors are coroutines: they share the async database stack with the API.
    broker.add_middleware(AsyncIO())
    return broker
