"""Job messages: each names its actor and queue, and carries the actor's keyword arguments."""

from __future__ import annotations

import msgspec
import pytest

from oms.outbox.messages import (
    MAINTENANCE_QUEUE,
    NOTIFICATIONS_QUEUE,
    CancelUncollectedPickups,
    ExpireHolds,
    JobMessage,
    PurgeIdempotencyKeys,
    RouteBackorders,
    SendNotification,
)

EVERY_JOB: list[type[JobMessage]] = [
    SendNotification,
    ExpireHolds,
    RouteBackorders,
    CancelUncollectedPickups,
    PurgeIdempotencyKeys,
]


def test_each_job_names_its_actor_and_queue_and_no_two_share_an_actor() -> None:
    assert {job.actor_name: job.queue_name for job in EVERY_JOB} == {
        "send_notification": NOTIFICATIONS_QUEUE,
        "expire_holds": MAINTENANCE_QUEUE,
        "route_backorders": MAINTENANCE_QUEUE,
        "cancel_uncollected_pickups": MAINTENANCE_QUEUE,
        "purge_idempotency_keys": MAINTENANCE_QUEUE,
    }
    assert (NOTIFICATIONS_QUEUE, MAINTENANCE_QUEUE) == ("notifications", "maintenance")


def test_the_payload_is_the_actors_keyword_arguments() -> None:
    assert SendNotification(notification_id=7).payload() == {"notification_id": 7}
    assert ExpireHolds(batch_size=3).payload() == {"batch_size": 3}
    assert PurgeIdempotencyKeys(older_than_hours=24).payload() == {"older_than_hours": 24}


def test_an_argument_not_given_is_left_to_the_actors_default() -> None:
    assert ExpireHolds().payload() == {}
    assert RouteBackorders().payload() == {}
    assert CancelUncollectedPickups().payload() == {}


def test_the_class_attributes_are_not_arguments() -> None:
    assert [f.name for f in msgspec.structs.fields(SendNotification)] == ["notification_id"]
    with pytest.raises(TypeError):
        SendNotification()  # type: ignore[call-arg]
