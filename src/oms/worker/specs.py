"""How an actor is declared: the message it takes, its function, limits and retries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from oms.outbox.messages import JobMessage


@dataclass(frozen=True)
class ActorSpec:
    message: type[JobMessage]  # the actor's name and queue, and the arguments it takes
    fn: Callable[..., Awaitable[Any]]
    time_limit_ms: int
    # Periodic jobs: a message older than this is dropped (a newer tick does the same work).
    max_age_ms: int | None = None
    # For actors whose name and queue are not a message's class attributes (one per partner).
    actor_name: str | None = None
    queue_name: str | None = None
    max_retries: int = 5

    @property
    def name(self) -> str:
        return self.actor_name or self.message.actor_name

    @property
    def queue(self) -> str:
        return self.queue_name or self.message.queue_name
