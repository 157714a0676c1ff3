"""The dramatiq broker named by ``OMS_BROKER_URL``, or an in-memory one for embedded mode."""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any, ClassVar

import dramatiq
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread, set_event_loop_thread
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from oms.config import Settings

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
AMQP_SCHEMES = ("amqp://", "amqps://")


class BrokerNotConfigured(RuntimeError):
    """A command that needs a shared broker was started without ``OMS_BROKER_URL``."""


def broker_url(settings: Settings) -> str | None:
    """The configured broker URL; blank counts as unset (``OMS_BROKER_URL=`` in a compose file)."""
    url = (settings.broker_url or "").strip()
    return url or None


def jobs_in_process(settings: Settings) -> bool:
    """No shared broker: the API process runs the jobs itself (embedded mode)."""
    return broker_url(settings) is None


def require_broker_url(settings: Settings, command: str) -> str:
    """OMS_BROKER_URL for ``oms <command>``; BrokerNotConfigured, saying why, when it is unset."""
    url = broker_url(settings)
    if url is None:
        raise BrokerNotConfigured(
            f"`oms {command}` needs OMS_BROKER_URL (redis://... or amqp://...). Without a"
            " broker, background jobs run inside `oms serve` (embedded mode) and no separate"
            f" {command} process is needed."
        )
    return url


class SharedAsyncIO(AsyncIO):
    """dramatiq's AsyncIO middleware, safe with more than one worker in a process.

    dramatiq keeps a single event-loop thread per process in a module global. The stock
    middleware replaces it whenever a worker boots and clears it whenever one stops, so a
    second worker (the embedded runtime of a second app, a test's worker) would strand the
    first one's coroutines and make its shutdown fail. Here the loop is shared and stopped
    when its last worker stops.
    """

    _lock = threading.Lock()
    # Workers using the loop, by identity: stopping one worker twice must not count twice.
    _workers: ClassVar[weakref.WeakSet[dramatiq.Worker]] = weakref.WeakSet()

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Start the shared event loop thread unless one is running, and count ``worker`` on it."""
        with SharedAsyncIO._lock:
            current = get_event_loop_thread()
            if current is None or not current.is_alive() or not current.loop.is_running():
                loop_thread = EventLoopThread(self.logger)
                # A forgotten worker must not keep the interpreter from exiting.
                loop_thread.daemon = True
                loop_thread.start(timeout=5.0)
                set_event_loop_thread(loop_thread)
            SharedAsyncIO._workers.add(worker)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Stop the shared loop when ``worker`` was the last one on it; a repeat is a no-op."""
        with SharedAsyncIO._lock:
            if worker not in SharedAsyncIO._workers:
                return
            SharedAsyncIO._workers.discard(worker)
            if not SharedAsyncIO._workers and get_event_loop_thread() is not None:
                super().after_worker_shutdown(broker, worker)  # type: ignore[no-untyped-call]


def ensure_async_support(broker: dramatiq.Broker) -> None:
    """Give ``broker`` an AsyncIO middleware (our actors are coroutines) unless it has one."""
    if not any(isinstance(m, AsyncIO) for m in broker.middleware):
        broker.add_middleware(SharedAsyncIO())


def make_broker(settings: Settings, **options: Any) -> dramatiq.Broker:
    """The broker for ``settings``; ``options`` go to the broker class (e.g. ``namespace``)."""
    url = broker_url(settings)
    broker: dramatiq.Broker
    if url is None:
        broker = StubBroker(**options)
    elif url.startswith(REDIS_SCHEMES):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, **options)  # type: ignore[no-untyped-call]
    elif url.startswith(AMQP_SCHEMES):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Publisher confirms: the relay marks an outbox row sent only once RabbitMQ has it.
        options.setdefault("confirm_delivery", True)
        broker = RabbitmqBroker(url=url, **options)
    else:
        # Never echo the URL: it usually carries a password.
        scheme = url.split("://", 1)[0] if "://" in url else "(none)"
        raise ValueError(
            f"OMS_BROKER_URL must start with redis://, rediss://, unix://, amqp:// or amqps://"
            f" (got scheme {scheme!r})"
        )
    ensure_async_support(broker)
    return broker


def actor_queue(broker: dramatiq.Broker, actor_name: str, fallback: str) -> str:
    """The queue ``actor_name`` declared on ``broker``; ``fallback`` for an unknown actor."""
    actor = broker.actors.get(actor_name)
    return actor.queue_name if actor is not None else fallback


def enqueue_blocking(broker: dramatiq.Broker, message: dramatiq.Message[Any]) -> None:
    """Enqueue from a plain thread, declaring the queue first if this process has not.

    Redis and RabbitMQ create queues on demand; the in-memory broker refuses unknown ones.
    """
    if message.queue_name not in broker.get_declared_queues():
        broker.declare_queue(message.queue_name)
    broker.enqueue(message)
