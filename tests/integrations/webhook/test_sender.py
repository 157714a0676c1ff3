"""Order events sent the way a webhook partner sends them (the fake's sender) reach a
real HTTP endpoint that verifies them as the service does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.webhook import fake, inbound, sender, signing
from tests.support.webhook_channel import InboundEndpoint, sample

send_order = fake.send_order


def order_data(name: str = "order_created_ship") -> dict[str, Any]:
    data: dict[str, Any] = sample(name)["data"]
    return data


def test_a_sent_order_verifies_and_reads_back(endpoint: InboundEndpoint, secret: str) -> None:
    response = send_order(
        endpoint.url, "partner-web", secret, "order.created", order_data(), webhook_id="msg_1"
    )
    assert response.status_code == 202
    [(delivery, body)] = endpoint.accepted
    assert (delivery.delivery_id, delivery.topic) == ("msg_1", "order.created")
    order = inbound.StandardWebhooksInbound().read_order(delivery.topic, body, {})
    assert order is not None
    assert order.external_id == "WH-10042"


def test_each_send_has_its_own_id_unless_one_is_given(
    endpoint: InboundEndpoint, secret: str
) -> None:
    for _ in range(2):
        send_order(endpoint.url, "partner-web", secret, "order.updated", order_data())
    ids = {delivery.delivery_id for delivery, _ in endpoint.accepted}
    assert len(ids) == 2


def test_tampered_unsigned_expired_and_foreign_deliveries_are_refused(
    endpoint: InboundEndpoint, secret: str
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=6)
    for options in ({"tamper": True}, {"sign": False}, {"timestamp": old}):
        response = send_order(
            endpoint.url, "partner-web", secret, "order.created", order_data(), **options
        )
        assert response.status_code == 401, options
    assert endpoint.accepted == []
    assert len(endpoint.refused) == 3


def test_a_rotated_secret_is_accepted_alongside_the_old_one(
    endpoint: InboundEndpoint, secret: str
) -> None:
    new = signing.new_secret()
    endpoint.secrets = [new, secret]
    for signer in (secret, new):
        response = send_order(endpoint.url, "partner-web", signer, "order.created", order_data())
        assert response.status_code == 202
    endpoint.secrets = [new]
    response = send_order(endpoint.url, "partner-web", secret, "order.created", order_data())
    assert response.status_code == 401


async def test_the_async_sender_signs_the_same_way(endpoint: InboundEndpoint, secret: str) -> None:
    response = await sender.send_order_async(
        endpoint.url, "partner-web", secret, "order.cancelled", order_data("order_cancelled")
    )
    assert response.status_code == 202
    assert endpoint.accepted[0][0].topic == "order.cancelled"


def test_the_fake_receiver_sends_with_its_secret_and_remembers_the_order(
    endpoint: InboundEndpoint, receiver: fake.FakeReceiver
) -> None:
    status = receiver.send_order(endpoint.url, "partner-web", "order.created", order_data())
    assert status == 202
    assert set(receiver.orders) == {"WH-10042"}
