"""The generic webhook channel's inbound format: Standard Webhooks verification on the raw
bytes, and the sample order events read into our order API's body."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from integrations.webhook import inbound, signing
from oms.domain.channel_sync import Delivery, InvalidDelivery, PartnerOrder, PayloadError
from oms.orders.schemas import OrderIn
from tests.support.webhook_channel import SAMPLES, sample

INBOUND = inbound.StandardWebhooksInbound()
SECRET = signing.new_secret()
STORES = {"partner-store-7": "LDN-01"}


def signed(
    body: bytes,
    secret: str = SECRET,
    *,
    message_id: str = "msg_test_1",
    at: datetime | None = None,
) -> dict[str, str]:
    return signing.signed_headers(signing.signer(secret), message_id, at or datetime.now(UTC), body)


def read(event: dict[str, Any], stores: dict[str, str] | None = None) -> PartnerOrder | None:
    body = json.dumps(event).encode()
    return INBOUND.read_order(event["type"], body, STORES if stores is None else stores)


# --- verify ---------------------------------------------------------------------------


def test_a_signed_delivery_is_verified_with_its_id_and_type() -> None:
    body = (SAMPLES / "order_created_ship.json").read_bytes()
    headers = signed(body, message_id="msg_abc")
    delivery = INBOUND.verify(body, headers, [SECRET])
    assert delivery == Delivery(
        delivery_id="msg_abc",
        topic="order.created",
        headers={"webhook-timestamp": headers["webhook-timestamp"]},
    )


def test_header_names_are_case_insensitive() -> None:
    body = b'{"type": "order.updated", "data": {}}'
    headers = {name.title(): value for name, value in signed(body).items()}
    assert INBOUND.verify(body, headers, [SECRET]).topic == "order.updated"


def test_a_tampered_body_is_refused() -> None:
    body = (SAMPLES / "order_created_ship.json").read_bytes()
    headers = signed(body)
    tampered = body.replace(b'"quantity": 2', b'"quantity": 1')
    assert tampered != body
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(tampered, headers, [SECRET])


def test_an_unsigned_delivery_is_refused() -> None:
    body = b'{"type": "order.created"}'
    headers = signed(body)
    del headers["webhook-signature"]
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


def test_a_changed_id_breaks_the_signature() -> None:
    body = b'{"type": "order.created"}'
    headers = {**signed(body), "webhook-id": "msg_other"}
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_five_minutes_is_refused(minutes: int) -> None:
    body = b'{"type": "order.created"}'
    headers = signed(body, at=datetime.now(UTC) + timedelta(minutes=minutes))
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


def test_a_timestamp_within_five_minutes_is_accepted() -> None:
    body = b'{"type": "order.created"}'
    headers = signed(body, at=datetime.now(UTC) - timedelta(minutes=4))
    assert INBOUND.verify(body, headers, [SECRET]).delivery_id == "msg_test_1"


def test_another_secret_is_refused() -> None:
    body = b'{"type": "order.created"}'
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, signed(body, signing.new_secret()), [SECRET])


def test_during_a_rotation_both_secrets_are_accepted() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"type": "order.created"}'
    for signer in (old, new):
        assert INBOUND.verify(body, signed(body, signer), [new, old]).topic == "order.created"
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, signed(body, old), [new])


def test_a_malformed_secret_is_skipped_and_none_usable_refuses() -> None:
    body = b'{"type": "order.created"}'
    assert INBOUND.verify(body, signed(body), ["not-a-secret", SECRET]).topic == "order.created"
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, signed(body), ["not-a-secret", "whsec_!!!"])
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, signed(body), [])


def test_an_id_too_long_to_store_is_refused() -> None:
    body = b'{"type": "order.created"}'
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, signed(body, message_id="m" * 201), [SECRET])


def test_an_authentic_body_without_a_type_has_an_empty_topic_and_fails_reading() -> None:
    body = b'["not an event"]'
    delivery = INBOUND.verify(body, signed(body), [SECRET])
    assert delivery.topic == ""
    with pytest.raises(PayloadError, match="not an event"):
        INBOUND.read_order(delivery.topic, body, STORES)


# --- read_order -----------------------------------------------------------------------


def test_a_ship_order_reads_as_our_order_body() -> None:
    order = read(sample("order_created_ship"))
    assert order == PartnerOrder(
        external_id="WH-10042",
        updated_at=datetime(2026, 11, 20, 9, 15, tzinfo=UTC),
        cancelled=False,
        order={
            "external_id": "WH-10042",
            "customer": {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "phone": "+44 20 7946 0001",
            },
            "lines": [
                {"sku": "TEE-BLK-M", "quantity": 2, "unit_price": 1500, "currency": "GBP"},
                {"sku": "MUG-01", "quantity": 1, "unit_price": 899, "currency": "GBP"},
            ],
            "deliveries": [
                {
                    "method": "ship",
                    "address": {
                        "line1": "12 Analytical Row",
                        "line2": "Flat 3",
                        "city": "London",
                        "postcode": "N1 9GU",
                        "country": "GB",
                    },
                }
            ],
            "total": {"amount": 3899, "currency": "GBP"},
            "language": "en-GB",
        },
    )


def test_a_pickup_at_a_partner_store_becomes_a_pickup_at_our_store() -> None:
    order = read(sample("order_created_pickup"))
    assert order is not None
    assert order.updated_at == datetime(2026, 11, 20, 9, 1, 5, tzinfo=UTC)
    assert order.order == {
        "external_id": "WH-10043",
        "customer": {"name": "Grace Hopper", "phone": "+31 20 555 0199"},
        "lines": [{"sku": "CAP-RED", "quantity": 1, "unit_price": 2450, "currency": "EUR"}],
        "deliveries": [{"method": "pickup", "location": "LDN-01"}],
        "language": "nl",
    }


def test_a_pickup_location_without_a_mapping_is_taken_as_our_code() -> None:
    order = read(sample("order_created_pickup"), stores={})
    assert order is not None
    assert order.order["deliveries"] == [{"method": "pickup", "location": "partner-store-7"}]


def test_an_update_keeps_region_and_position() -> None:
    order = read(sample("order_updated"))
    assert order is not None
    assert (order.external_id, order.cancelled) == ("WH-10042", False)
    assert order.updated_at == datetime(2026, 11, 20, 9, 40, 10, tzinfo=UTC)
    assert order.order["deliveries"] == [
        {
            "method": "ship",
            "address": {
                "line1": "12 Analytical Row",
                "city": "London",
                "region": "Greater London",
                "postcode": "N1 9GU",
                "country": "GB",
            },
            "lat": 51.5362,
            "lon": -0.1033,
        }
    ]
    assert order.order["total"] == {"amount": 1500, "currency": "GBP"}


def test_a_cancellation_reads_as_cancelled() -> None:
    order = read(sample("order_cancelled"))
    assert order is not None
    assert (order.external_id, order.cancelled) == ("WH-10042", True)
    assert order.updated_at == datetime(2026, 11, 20, 11, tzinfo=UTC)


def test_cancelled_at_on_an_update_also_cancels() -> None:
    event = sample("order_updated")
    event["data"]["cancelled_at"] = "2026-11-20T09:40:10Z"
    order = read(event)
    assert order is not None
    assert order.cancelled


@pytest.mark.parametrize(
    "name",
    ["order_created_ship", "order_created_pickup", "order_updated", "order_cancelled"],
)
def test_every_sample_order_is_accepted_by_our_strict_order_schema(name: str) -> None:
    order = read(sample(name))
    assert order is not None
    parsed = msgspec.convert({**order.order, "channel": "partner-web"}, OrderIn)
    assert parsed.external_id == order.external_id


def test_the_customers_language_is_passed_on_trimmed() -> None:
    event = sample("order_created_pickup")
    event["data"]["language"] = " ro-MD "
    order = read(event)
    assert order is not None
    assert order.order["language"] == "ro-MD"
    assert msgspec.convert({**order.order, "channel": "partner-web"}, OrderIn).language == "ro-MD"


@pytest.mark.parametrize(
    "language", [None, "", "Romanian", "ro_RO", "r", "ro-", "x" * 36, 7, {"code": "ro"}, ["ro"]]
)
def test_a_language_that_is_no_tag_is_dropped_and_the_order_still_reads(language: object) -> None:
    event = sample("order_created_pickup")
    event["data"]["language"] = language
    order = read(event)
    assert order is not None
    assert "language" not in order.order
    parsed = msgspec.convert({**order.order, "channel": "partner-web"}, OrderIn)
    assert parsed.language is None
    assert parsed.lines[0].sku == "CAP-RED"


def test_an_order_without_a_language_has_none() -> None:
    order = read(sample("order_updated"))
    assert order is not None
    assert "language" not in order.order


def test_a_numeric_partner_id_becomes_a_string() -> None:
    event = sample("order_created_pickup")
    event["data"]["id"] = 10043
    order = read(event)
    assert order is not None
    assert order.external_id == order.order["external_id"] == "10043"


def test_half_a_position_is_dropped() -> None:
    event = sample("order_updated")
    del event["data"]["delivery"]["lon"]
    order = read(event)
    assert order is not None
    assert "lat" not in order.order["deliveries"][0]


@pytest.mark.parametrize("name", ["inventory_quantities"])
def test_an_event_without_an_order_reads_as_none(name: str) -> None:
    assert read(sample(name)) is None
    assert read({"type": "customer.updated", "data": {"id": 1}}) is None


def _without(event: dict[str, Any], *path: str | int) -> dict[str, Any]:
    node: Any = event
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return event


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("data", "id"), "`id`"),
        (("data", "updated_at"), "`updated_at`"),
        (("data", "currency"), "`currency`"),
        (("data", "customer", "name"), "$.data.customer"),
        (("data", "lines", 1, "sku"), "$.data.lines[1]"),
        (("data", "lines", 0, "unit_price"), "$.data.lines[0]"),
        (("data", "delivery", "address", "city"), "$.data.delivery.address"),
        (("data", "delivery", "method"), "$.data.delivery"),
        (("data",), "`data`"),
    ],
)
def test_a_missing_field_is_a_payload_error_naming_it(
    path: tuple[str | int, ...], named: str
) -> None:
    event = _without(sample("order_created_ship"), *path)
    with pytest.raises(PayloadError) as caught:
        read(event)
    assert named in str(caught.value)
    assert str(caught.value).startswith("order.created: ")


def test_a_time_without_a_zone_is_a_payload_error() -> None:
    event = sample("order_created_ship")
    event["data"]["updated_at"] = "2026-11-20T09:15:00"
    with pytest.raises(PayloadError, match=r"updated_at"):
        read(event)


def test_an_unknown_delivery_method_is_a_payload_error() -> None:
    event = sample("order_created_ship")
    event["data"]["delivery"]["method"] = "drone"
    with pytest.raises(PayloadError, match=r"delivery"):
        read(event)


def test_a_body_that_is_not_json_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        INBOUND.read_order("order.created", b"{nope", STORES)
    with pytest.raises(PayloadError, match="not JSON"):
        INBOUND.read_order("shipment.created", b"{nope", STORES)
