"""The webhook adapter against the fake receiver over real HTTP on 127.0.0.1: signed
pushes, batches, the receiver's answers as the sync loop must see them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import msgspec
import pytest

from integrations.webhook import WebhookAdapter, answers, fake, signing
from oms.domain.channel_sync import (
    PartnerConfigError,
    PartnerThrottled,
    PartnerUnavailable,
    PushResult,
    QuantityUpdate,
)

ConnectTo = Callable[..., WebhookAdapter]


def update(
    listing_id: int,
    sku: str,
    quantity: int,
    *,
    location: str | None = None,
    previous: int | None = None,
) -> QuantityUpdate:
    return QuantityUpdate(
        listing_id=listing_id,
        sku=sku,
        partner_item_id=sku,
        partner_location_id=location,
        quantity=quantity,
        previous=previous,
    )


THREE = [
    update(1, "TEE-BLK-M", 14, previous=16),
    update(2, "MUG-01", 3, location="store-7"),
    update(3, "CAP-RED", 0, location="store-7", previous=1),
]


def ok(*listing_ids: int) -> list[PushResult]:
    return [PushResult(listing_id=i, status="ok") for i in listing_ids]


async def test_a_signed_push_is_accepted_and_stored(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    assert await adapter.push(THREE) == ok(1, 2, 3)
    assert receiver.quantities == {
        ("TEE-BLK-M", None): 14,
        ("MUG-01", "store-7"): 3,
        ("CAP-RED", "store-7"): 0,
    }
    [call] = receiver.pushes()
    assert (call.status, call.count, call.duplicate) == (200, 3, False)
    assert call.webhook_id is not None
    assert call.webhook_id.startswith("msg_")
    assert [(s.sku, s.previous, s.webhook_id) for s in receiver.history] == [
        ("TEE-BLK-M", 16, call.webhook_id),
        ("MUG-01", None, call.webhook_id),
        ("CAP-RED", 1, call.webhook_id),
    ]


async def test_the_message_is_the_documented_shape(adapter: WebhookAdapter) -> None:
    at = datetime(2026, 11, 20, 9, 16, tzinfo=UTC)
    body, headers = adapter.quantities_message(THREE, at=at)
    assert json.loads(body) == {
        "type": "inventory.quantities",
        "timestamp": "2026-11-20T09:16:00Z",
        "data": {
            "channel": "partner-web",
            "quantities": [
                {"sku": "TEE-BLK-M", "location": None, "quantity": 14, "previous": 16},
                {"sku": "MUG-01", "location": "store-7", "quantity": 3, "previous": None},
                {"sku": "CAP-RED", "location": "store-7", "quantity": 0, "previous": 1},
            ],
        },
    }
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")


async def test_the_same_content_keeps_its_webhook_id_and_is_applied_once(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    now = datetime.now(UTC)
    _, first = adapter.quantities_message(THREE, at=now - timedelta(minutes=1))
    _, again = adapter.quantities_message(THREE, at=now)
    _, other = adapter.quantities_message([*THREE[:2], update(3, "CAP-RED", 0, previous=2)])
    assert first["webhook-id"] == again["webhook-id"] != other["webhook-id"]
    assert first["webhook-signature"] != again["webhook-signature"]

    assert await adapter.push(THREE) == ok(1, 2, 3)
    assert await adapter.push(THREE) == ok(1, 2, 3)
    first_call, retry = receiver.pushes()
    assert first_call.webhook_id == retry.webhook_id
    assert (first_call.duplicate, retry.duplicate) == (False, True)
    assert len(receiver.history) == 3


async def test_after_the_dedup_window_the_same_content_is_applied_again(
    secret: str, connect_to: ConnectTo
) -> None:
    with fake.FakeReceiver(secret, dedup_seconds=0.0) as forgetful:
        adapter = connect_to(forgetful.url, secret)
        for _ in range(2):
            assert await adapter.push(THREE) == ok(1, 2, 3)
        assert [call.duplicate for call in forgetful.pushes()] == [False, False]
        assert len(forgetful.history) == 6


async def test_250_updates_go_in_three_messages_of_at_most_100(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    updates = [update(i, f"SKU-{i:03}", i) for i in range(250)]
    size = adapter.batch_size
    assert size == 100
    for start in range(0, len(updates), size):
        results = await adapter.push(updates[start : start + size])
        assert {r.status for r in results} == {"ok"}
    assert [call.count for call in receiver.pushes()] == [100, 100, 50]
    assert len(receiver.quantities) == 250
    with pytest.raises(ValueError, match="at most 100"):
        await adapter.push(updates[:101])


async def test_a_receiver_refusing_the_batch_size_is_a_configuration_error(
    secret: str, connect_to: ConnectTo
) -> None:
    with fake.FakeReceiver(secret, max_batch=2) as small:
        adapter = connect_to(small.url, secret)
        with pytest.raises(PartnerConfigError, match="413"):
            await adapter.push(THREE)
        assert small.quantities == {}


async def test_429_is_throttled_with_retry_after_seconds(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.throttle_next(2, retry_after="7")
    for _ in range(2):
        with pytest.raises(PartnerThrottled) as caught:
            await adapter.push(THREE)
        assert caught.value.retry_after == 7
    assert receiver.quantities == {}
    assert await adapter.push(THREE) == ok(1, 2, 3)
    assert [(call.status, call.count) for call in receiver.pushes()] == [(429, 3)] * 2 + [(200, 3)]


async def test_429_with_an_http_date_or_nothing(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.throttle_next(
        1, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    )
    with pytest.raises(PartnerThrottled) as caught:
        await adapter.push(THREE)
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 30
    receiver.throttle_next(1, retry_after=None)
    with pytest.raises(PartnerThrottled) as caught:
        await adapter.push(THREE)
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_unavailable_and_then_recovers(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver, status: int
) -> None:
    receiver.fail_next(1, status=status)
    with pytest.raises(PartnerUnavailable, match=str(status)):
        await adapter.push(THREE)
    assert receiver.quantities == {}
    assert await adapter.push(THREE) == ok(1, 2, 3)


async def test_a_slow_receiver_times_out_as_unavailable(
    receiver: fake.FakeReceiver, secret: str, connect_to: ConnectTo
) -> None:
    receiver.delay_seconds = 2.0
    adapter = connect_to(receiver.url, secret, timeout_seconds=0.3)
    with pytest.raises(PartnerUnavailable, match="in time"):
        await adapter.push(THREE)


async def test_nothing_listening_is_unavailable(secret: str, connect_to: ConnectTo) -> None:
    with fake.FakeReceiver(secret) as gone:
        url = gone.url
    adapter = connect_to(url, secret)
    with pytest.raises(PartnerUnavailable, match="reached"):
        await adapter.push(THREE)


async def test_a_wrong_secret_is_refused_401_as_a_configuration_error(
    receiver: fake.FakeReceiver, connect_to: ConnectTo
) -> None:
    adapter = connect_to(receiver.url, signing.new_secret())
    with pytest.raises(PartnerConfigError, match=r"signature \(401\)"):
        await adapter.push(THREE)
    assert [call.status for call in receiver.pushes()] == [401]
    assert receiver.quantities == {}


@pytest.mark.parametrize("partial_status", [207, 200])
async def test_items_the_receiver_refuses_are_rejected_and_the_rest_applied(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver, partial_status: int
) -> None:
    receiver.reject_skus = {"MUG-01": "unknown sku MUG-01"}
    receiver.partial_status = partial_status
    assert await adapter.push(THREE) == [
        PushResult(listing_id=1, status="ok"),
        PushResult(listing_id=2, status="rejected", error="unknown sku MUG-01"),
        PushResult(listing_id=3, status="ok"),
    ]
    assert set(receiver.quantities) == {("TEE-BLK-M", None), ("CAP-RED", "store-7")}


async def test_a_whole_message_refused_with_422_rejects_every_item(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.fail_next(1, status=422)
    results = await adapter.push(THREE)
    assert [r.status for r in results] == ["rejected"] * 3
    assert all(r.error and "422" in r.error for r in results)


async def test_a_400_naming_items_gives_them_their_messages(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.fail_next(1, status=400, body={"errors": [{"index": 2, "message": "negative"}]})
    results = await adapter.push(THREE)
    assert [r.status for r in results] == ["rejected"] * 3
    assert results[2].error == "negative"
    assert results[0].error == "the receiver refused the whole message (400)"


async def test_errors_outside_the_message_are_ignored(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.fail_next(1, status=200, body={"errors": [{"index": 3}, {"index": -1}]})
    assert await adapter.push(THREE) == ok(1, 2, 3)


async def test_an_unreadable_207_is_unavailable_but_an_unreadable_200_is_success(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.fail_next(1, status=207, body=b"<html>partial</html>")
    with pytest.raises(PartnerUnavailable, match="207"):
        await adapter.push(THREE)
    receiver.fail_next(1, status=200, body=b"OK")
    assert await adapter.push(THREE) == ok(1, 2, 3)


@pytest.mark.parametrize("status", [404, 410, 301])
async def test_an_address_that_takes_no_messages_is_a_configuration_error(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver, status: int
) -> None:
    receiver.fail_next(1, status=status)
    with pytest.raises(PartnerConfigError, match=str(status)):
        await adapter.push(THREE)


async def test_what_the_adapter_says_of_itself(adapter: WebhookAdapter) -> None:
    assert adapter.compare_and_swap is False
    assert await adapter.resolve_items(["A", "B"], [None, "store-7"]) == {"A": "A", "B": "B"}
    assert await adapter.current_quantities(THREE) == {}
    assert await adapter.push([]) == []


async def test_the_receivers_view_shows_what_it_holds(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    await adapter.push(THREE)
    async with httpx.AsyncClient() as client:
        view = (await client.get(receiver.url + "/")).json()
    assert view == {
        "quantities": [
            {"sku": "CAP-RED", "location": "store-7", "quantity": 0},
            {"sku": "MUG-01", "location": "store-7", "quantity": 3},
            {"sku": "TEE-BLK-M", "location": None, "quantity": 14},
        ],
        "pushes": 1,
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Fri, 20 Nov 2026 09:16:30 GMT", 30.0),
        ("Fri, 20 Nov 2026 09:15:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, expected: float | None
) -> None:
    now = datetime(2026, 11, 20, 9, 16, tzinfo=UTC)
    assert answers.retry_after(header, now=now) == expected


async def test_the_same_values_after_a_change_are_a_new_message(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    """5 -> 3 -> 5: the second 5 carries the listing's newer version, so a receiver that
    still remembers the first message applies it instead of dropping it as a repeat."""
    five = [msgspec.structs.replace(update(1, "CAP-RED", 5, previous=3), version=1)]
    later = [msgspec.structs.replace(five[0], version=3)]
    _, first = adapter.quantities_message(five)
    _, second = adapter.quantities_message(later)
    assert first["webhook-id"] != second["webhook-id"]
    assert await adapter.push(five) == ok(1)
    assert await adapter.push(later) == ok(1)
    assert [call.duplicate for call in receiver.pushes()] == [False, False]
