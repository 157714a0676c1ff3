"""The fake Shopify itself, over plain HTTP: it must refuse and answer as Shopify does, or
the adapter's tests would prove nothing."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from integrations.shopify import signing
from integrations.shopify.fake import FakeShopify
from integrations.shopify.inbound import INBOUND
from oms.domain.channel_sync import InvalidDelivery
from tests.support.shopify import SET_QUANTITIES, Seeded, seed, set_input

VERSION = "2026-04"


def post(
    shop: FakeShopify,
    query: str,
    variables: dict[str, Any],
    *,
    token: str | None = None,
    version: str = VERSION,
) -> httpx.Response:
    return httpx.post(
        f"{shop.url}/admin/api/{version}/graphql.json",
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": shop.access_token if token is None else token},
        timeout=5,
    )


def set_quantities(
    shop: FakeShopify, payload: dict[str, Any], key: str | None = "k-1", **options: Any
) -> dict[str, Any]:
    query = (
        SET_QUANTITIES if key is not None else SET_QUANTITIES.replace(" @idempotent(key: $key)", "")
    )
    response = post(shop, query, {"input": payload, "key": key}, **options)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def user_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = body["data"]["inventorySetQuantities"]["userErrors"]
    return errors


# --- auth and the mutation ----------------------------------------------------------------


def test_without_the_access_token_the_answer_is_401(seeded: Seeded) -> None:
    response = post(seeded.shop, SET_QUANTITIES, {}, token="")
    assert response.status_code == 401
    assert post(seeded.shop, SET_QUANTITIES, {}, token="shpat_wrong").status_code == 401
    assert seeded.shop.quantity(seeded.scarf, seeded.deansgate) == 5


def test_a_set_applies_and_reports_the_change(seeded: Seeded) -> None:
    s = seeded
    body = set_quantities(
        s.shop, set_input((s.scarf, s.deansgate, 8, 5), (s.beanie, s.warehouse, 2, 0))
    )
    group = body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]
    assert [change["delta"] for change in group["changes"]] == [3, 2]
    assert user_errors(body) == []
    assert s.shop.quantity(s.scarf, s.deansgate) == 8
    assert s.shop.quantity(s.beanie, s.warehouse) == 2
    assert s.shop.history(s.scarf, s.deansgate) == [5, 8]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 12
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_a_stale_change_from_is_refused_and_the_call_applies_nothing(seeded: Seeded) -> None:
    s = seeded
    body = set_quantities(
        s.shop, set_input((s.beanie, s.warehouse, 7, 0), (s.scarf, s.deansgate, 9, 4))
    )
    assert user_errors(body) == [
        {
            "code": "CHANGE_FROM_QUANTITY_STALE",
            "field": ["input", "quantities", "1", "changeFromQuantity"],
            "message": "The quantity is 5, not 4",
        }
    ]
    assert body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"] is None
    assert s.shop.quantity(s.beanie, s.warehouse) == 0  # atomic: the good entry is not applied
    assert s.shop.quantity(s.scarf, s.deansgate) == 5


def test_an_explicit_null_change_from_skips_the_check(seeded: Seeded) -> None:
    s = seeded
    assert user_errors(set_quantities(s.shop, set_input((s.scarf, s.deansgate, 1, None)))) == []
    assert s.shop.quantity(s.scarf, s.deansgate) == 1


def test_unknown_items_and_locations_are_user_errors_with_their_path(seeded: Seeded) -> None:
    s = seeded
    payload = set_input(
        (s.scarf, s.deansgate, 1, 5),
        ("gid://shopify/InventoryItem/1", s.deansgate, 1, 0),
        (s.beanie, "gid://shopify/Location/1", 1, 0),
    )
    assert [
        (error["code"], error["field"]) for error in user_errors(set_quantities(s.shop, payload))
    ] == [
        ("INVALID_INVENTORY_ITEM", ["input", "quantities", "1", "inventoryItemId"]),
        ("INVALID_LOCATION", ["input", "quantities", "2", "locationId"]),
    ]
    assert s.shop.quantity(s.scarf, s.deansgate) == 5


def test_name_and_reason_are_checked(seeded: Seeded) -> None:
    s = seeded
    payload = set_input((s.scarf, s.deansgate, 1, 5), reason="because")
    payload["name"] = "committed"
    codes = [error["code"] for error in user_errors(set_quantities(s.shop, payload))]
    assert codes == ["INVALID_NAME", "INVALID_REASON"]


def test_more_than_250_quantities_is_a_graphql_error_and_applies_nothing(seeded: Seeded) -> None:
    s = seeded
    payload = set_input(*[(s.scarf, s.deansgate, 9, None)] * 251)
    body = set_quantities(s.shop, payload)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert s.shop.quantity(s.scarf, s.deansgate) == 5
    assert (
        user_errors(
            set_quantities(s.shop, set_input(*[(s.scarf, s.deansgate, 9, None)] * 250), key="k-2")
        )
        == []
    )


def test_from_2026_04_change_from_and_the_idempotency_key_are_mandatory(seeded: Seeded) -> None:
    s = seeded
    payload = set_input((s.scarf, s.deansgate, 1, 5))
    del payload["quantities"][0]["changeFromQuantity"]
    body = set_quantities(s.shop, payload)
    assert "changeFromQuantity" in body["errors"][0]["message"]
    no_key = set_quantities(s.shop, set_input((s.scarf, s.deansgate, 1, 5)), key=None)
    assert "@idempotent" in no_key["errors"][0]["message"]
    assert s.shop.quantity(s.scarf, s.deansgate) == 5
    # An older version takes both omissions (no compare-and-swap, no key).
    assert user_errors(set_quantities(s.shop, payload, key=None, version="2025-10")) == []
    assert s.shop.quantity(s.scarf, s.deansgate) == 1


def test_the_same_key_and_input_replays_without_applying_again(seeded: Seeded) -> None:
    s = seeded
    payload = set_input((s.scarf, s.deansgate, 8, 5))
    first = set_quantities(s.shop, payload, key="retry-me")
    s.shop.set_quantity(s.scarf, s.deansgate, 6)  # a sale in between; the replay must not undo it
    again = set_quantities(s.shop, payload, key="retry-me")
    assert again["data"] == first["data"]
    assert s.shop.quantity(s.scarf, s.deansgate) == 6
    other = set_quantities(s.shop, set_input((s.scarf, s.deansgate, 9, 6)), key="retry-me")
    assert [error["code"] for error in user_errors(other)] == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]
    assert s.shop.quantity(s.scarf, s.deansgate) == 6


# --- reads -----------------------------------------------------------------------------------

VARIANTS = """
query Variants($query: String!, $first: Int!) {
  productVariants(first: $first, query: $query) { nodes { sku inventoryItem { id } } }
}
"""
LEVELS = """
query Levels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: $locationId) {
    quantities(names: ["available"]) { name quantity } } } }
}
"""


def test_product_variants_by_sku(seeded: Seeded) -> None:
    s = seeded
    body = post(
        s.shop,
        VARIANTS,
        {"query": "sku:'SCARF-RED' OR sku:'NOPE' OR sku:BEANIE-GREY", "first": 250},
    ).json()
    assert body["data"]["productVariants"]["nodes"] == [
        {
            "id": body["data"]["productVariants"]["nodes"][0]["id"],
            "sku": "SCARF-RED",
            "inventoryItem": {"id": s.scarf},
        },
        {
            "id": body["data"]["productVariants"]["nodes"][1]["id"],
            "sku": "BEANIE-GREY",
            "inventoryItem": {"id": s.beanie},
        },
    ]


def test_inventory_levels_by_item_at_a_location(seeded: Seeded) -> None:
    s = seeded
    body = post(
        s.shop,
        LEVELS,
        {"ids": [s.scarf, "gid://shopify/InventoryItem/1"], "locationId": s.deansgate},
    ).json()
    nodes = body["data"]["nodes"]
    assert nodes[0]["inventoryLevel"]["quantities"] == [{"name": "available", "quantity": 5}]
    assert nodes[1] is None


def test_an_unknown_operation_is_a_graphql_error(seeded: Seeded) -> None:
    body = post(seeded.shop, "{ shop { name } }", {}).json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"


# --- throttling and failures ---------------------------------------------------------------------


def test_an_empty_bucket_throttles_with_200_and_applies_nothing() -> None:
    with FakeShopify(bucket_size=30, restore_rate=1) as shop:
        s = seed(shop)
        assert (
            user_errors(set_quantities(shop, set_input((s.scarf, s.deansgate, 6, 5)), key="a"))
            == []
        )
        body = set_quantities(shop, set_input(*[(s.scarf, s.deansgate, 7, 6)] * 15), key="b")
        assert body["errors"] == [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
        assert body["extensions"]["cost"]["actualQueryCost"] is None
        assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 25
        assert shop.quantity(s.scarf, s.deansgate) == 6
        assert [call.throttled for call in shop.calls] == [False, True]


def test_throttling_may_answer_429_with_retry_after() -> None:
    with FakeShopify(bucket_size=20, restore_rate=2, throttle_status=429) as shop:
        s = seed(shop)
        shop.throttle_storm(1)
        response = post(
            shop, SET_QUANTITIES, {"input": set_input((s.scarf, s.deansgate, 6, 5)), "key": "x"}
        )
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 5  # 11 points at 2 per second
        assert response.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_fail_next_answers_5xx_then_recovers(seeded: Seeded) -> None:
    s = seeded
    s.shop.fail_next(2, status=503)
    payload = set_input((s.scarf, s.deansgate, 6, 5))
    statuses = [
        post(s.shop, SET_QUANTITIES, {"input": payload, "key": "z"}).status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert s.shop.quantity(s.scarf, s.deansgate) == 6


# --- orders and webhooks -----------------------------------------------------------------------


def orders_url(shop: FakeShopify) -> str:
    return f"{shop.url}/admin/api/{VERSION}/orders.json"


def test_a_sale_takes_available_and_is_listed_in_orders_json(seeded: Seeded) -> None:
    s = seeded
    order = s.shop.sell("SCARF-RED", 2, "Deansgate")
    assert s.shop.quantity(s.scarf, s.deansgate) == 3
    assert s.shop.quantity(s.scarf, s.deansgate, "committed") == 2
    with pytest.raises(ValueError, match="only 3"):
        s.shop.sell("SCARF-RED", 4, "Deansgate")
    response = httpx.get(
        orders_url(s.shop),
        params={"status": "any", "updated_at_min": "2000-01-01T00:00:00Z"},
        headers={"X-Shopify-Access-Token": s.shop.access_token},
    )
    assert response.status_code == 200
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert [listed["id"] for listed in response.json()["orders"]] == [order["id"]]
    assert response.json()["orders"][0]["line_items"][0]["sku"] == "SCARF-RED"


def test_orders_json_pages_with_a_link_header(seeded: Seeded) -> None:
    s = seeded
    sold = [s.shop.sell("SCARF-RED", 1, "Deansgate")["id"] for _ in range(5)]
    headers = {"X-Shopify-Access-Token": s.shop.access_token}
    url: str | None = orders_url(s.shop) + "?status=any&order=updated_at+asc&limit=2"
    seen: list[int] = []
    while url is not None:
        response = httpx.get(url, headers=headers)
        assert response.status_code == 200, response.text
        seen += [order["id"] for order in response.json()["orders"]]
        url = response.links.get("next", {}).get("url")
    assert seen == sold


def test_the_rest_bucket_answers_429_with_retry_after() -> None:
    with FakeShopify(rest_bucket_size=3, rest_leak_rate=0.5) as shop:
        headers = {"X-Shopify-Access-Token": shop.access_token}
        statuses = [httpx.get(orders_url(shop), headers=headers) for _ in range(4)]
        assert [response.status_code for response in statuses] == [200, 200, 200, 429]
        assert int(statuses[-1].headers["Retry-After"]) >= 1


def test_webhooks_are_signed_like_shopify_and_knobs_misbehave(seeded: Seeded) -> None:
    s = seeded
    received: list[tuple[dict[str, str], bytes]] = []

    with _Receiver(received) as target:
        s.shop.send_webhooks_to(target, "app-secret")
        order = s.shop.sell("SCARF-RED", 1, "Deansgate")
        assert s.shop.wait_for_deliveries(5)  # Shopify does not promise order; wait for it
        s.shop.duplicate_next()
        s.shop.bad_hmac_next()
        s.shop.cancel(order["id"])
        assert s.shop.wait_for_deliveries(5)
    first_headers, first_body = received[0]
    assert first_headers["x-shopify-topic"] == "orders/create"
    assert first_headers["x-shopify-hmac-sha256"] == signing.signature(first_body, "app-secret")
    assert json.loads(first_body)["id"] == order["id"]
    cancelled = received[1:]
    assert [headers["x-shopify-topic"] for headers, _ in cancelled] == ["orders/cancelled"] * 2
    assert cancelled[0][0]["x-shopify-webhook-id"] == cancelled[1][0]["x-shopify-webhook-id"]
    assert cancelled[0][0]["x-shopify-hmac-sha256"] != signing.signature(
        cancelled[0][1], "app-secret"
    )
    assert s.shop.quantity(s.scarf, s.deansgate) == 5  # restocked


def test_held_webhooks_wait_for_release_and_updated_may_come_first(seeded: Seeded) -> None:
    s = seeded
    received: list[tuple[dict[str, str], bytes]] = []
    with _Receiver(received) as target:
        s.shop.send_webhooks_to(target, "app-secret", when="hold")
        s.shop.updated_before_create_next()
        s.shop.sell("SCARF-RED", 1)
        assert s.shop.wait_for_deliveries(1)
        assert received == []
        s.shop.release_held()
        assert s.shop.wait_for_deliveries(5)
    assert [headers["x-shopify-topic"] for headers, _ in received] == [
        "orders/updated",
        "orders/create",
    ]


def test_a_delayed_webhook_arrives_later_and_reads_as_our_order(seeded: Seeded) -> None:
    s = seeded
    received: list[tuple[dict[str, str], bytes]] = []
    with _Receiver(received) as target:
        s.shop.send_webhooks_to(target, "app-secret", when=0.3)
        order = s.shop.sell("SCARF-RED", 2, "Deansgate", pickup=True)
        time.sleep(0.1)
        assert received == []
        assert s.shop.wait_for_deliveries(5)
    [(headers, body)] = received
    delivery = INBOUND.verify(body, headers, ["app-secret"])
    assert delivery.topic == "orders/create"
    read = INBOUND.read_order(delivery.topic, body, {s.deansgate: "MAN-01"})
    assert read is not None
    assert read.external_id == str(order["id"])
    assert read.order["deliveries"] == [{"method": "pickup", "location": "MAN-01"}]
    assert read.order["lines"] == [
        {"sku": "SCARF-RED", "quantity": 2, "unit_price": 1999, "currency": "GBP"}
    ]
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, ["another-secret"])


def test_a_refusing_receiver_gets_retries_with_the_same_webhook_id(seeded: Seeded) -> None:
    s = seeded
    s.shop.send_webhooks_to("http://127.0.0.1:9/nobody-listens", "app-secret")
    s.shop.sell("SCARF-RED", 1)
    assert s.shop.wait_for_deliveries(5)
    attempts = s.shop.sent
    assert len(attempts) == 3  # the first try and two retries
    assert {attempt.webhook_id for attempt in attempts} == {attempts[0].webhook_id}
    assert {attempt.status for attempt in attempts} == {None}


def test_the_view_shows_quantities_per_sku_and_location(seeded: Seeded) -> None:
    view = httpx.get(seeded.shop.url + "/").json()
    assert view["quantities"]["SCARF-RED"] == {"Deansgate": 5, "Warehouse": 0}


class _Receiver:
    """A tiny webhook receiver on 127.0.0.1 that records what it is sent."""

    def __init__(self, received: list[tuple[dict[str, str], bytes]]) -> None:

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhooks/shopify"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
