"""A fake Shopify: a real HTTP server on 127.0.0.1 for tests and the demo.

It answers what the adapter calls, the way Shopify does:

* ``POST /admin/api/{version}/graphql.json`` (operations and costs: fake_graphql):
  ``X-Shopify-Access-Token`` or 401; a cost bucket (``bucket_size`` points refilled at
  ``restore_rate`` per second) reported in ``extensions.cost`` of every answer; a call
  costing more than is left answers ``errors[0].extensions.code = "THROTTLED"``, HTTP 200
  (``throttle_status=429``: a 429 with Retry-After instead), and nothing is applied.
* ``GET /admin/api/{version}/orders.json`` (filters and pages: fake_rest): a request
  bucket (40, leaking 2 per second) -> 429 + Retry-After, with
  ``X-Shopify-Shop-Api-Call-Limit`` on every answer.
* ``GET /``: the quantities it shows, per SKU and location name (for the demo).

Seeding and inspection are Python calls (thread-safe): ``add_location``, ``add_variant``,
``set_quantity``, ``quantity``, ``history``, ``calls``, ``largest_batch``, ``orders``,
``sent``. ``sell`` makes an order as a checkout would and ``cancel`` cancels one, each
delivering its webhook to the target set by ``send_webhooks_to`` (at once, after a delay,
or held until ``release_held``). Knobs: ``fail_next`` (500/503), ``answer_slowly``,
``throttle_storm``, ``bad_hmac_next``, ``duplicate_next``, ``updated_before_create_next``.

    with FakeShopify() as shop:
        store = shop.add_location("Deansgate")
        item = shop.add_variant("SCARF-RED")
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from integrations.shopify import fake_orders, fake_rest
from integrations.shopify.fake_bucket import LeakyBucket
from integrations.shopify.fake_graphql import (
    Executor,
    GraphQLError,
    Operation,
    cost_extension,
    error_body,
    throttled_body,
)
from integrations.shopify.fake_http import Answer, Request, serve
from integrations.shopify.fake_state import ShopState
from integrations.shopify.fake_webhooks import Deliveries, Sent

__all__ = ["Call", "FakeShopify", "Sent"]

FAKE_TOKEN = "shpat_fake_token"  # noqa: S105  # the fake's default, not a credential
UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@dataclass(frozen=True, slots=True)
class Call:
    """One API request the fake answered."""

    at: datetime
    operation: str  # inventorySetQuantities, productVariants, inventoryLevels, orders, graphql
    count: int  # quantities a mutation carried, else 0
    throttled: bool
    status: int


class FakeShopify:
    """The fake shop; ``start``/``stop`` or use it as a context manager."""

    def __init__(
        self,
        access_token: str = FAKE_TOKEN,
        *,
        bucket_size: float = 2000.0,
        restore_rate: float = 100.0,
        throttle_status: int = 200,
        rest_bucket_size: float = 40.0,
        rest_leak_rate: float = 2.0,
        currency: str = "GBP",
        webhook_retries: int = 2,
        webhook_retry_seconds: float = 0.2,
    ) -> None:
        self.access_token = access_token
        self.throttle_status = throttle_status
        self.currency = currency
        self.shop_domain = "fake-shop.myshopify.com"
        self.state = ShopState()
        self.executor = Executor(self.state)
        self.bucket = LeakyBucket(bucket_size, restore_rate)
        self.rest_bucket = LeakyBucket(rest_bucket_size, rest_leak_rate)
        self.deliveries = Deliveries(
            self.shop_domain, retries=webhook_retries, retry_seconds=webhook_retry_seconds
        )
        self.lock = threading.RLock()
        self._calls: list[Call] = []
        self._failures: list[int] = []
        self._slow_seconds = 0.0
        self._storm = 0
        self._out_of_order = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The shop's base URL (``http://127.0.0.1:<port>``)."""
        if self._server is None:
            raise RuntimeError("the fake shop is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeShopify:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        self._server, self._thread = serve(self)
        return self

    def stop(self) -> None:
        """Stop serving and drop held or delayed deliveries (the thread is joined, bounded)."""
        self.deliveries.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeShopify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- seeding and inspection --------------------------------------------------------------

    def add_location(self, name: str) -> str:
        """A new location; its GID (every variant starts at 0 there)."""
        with self.lock:
            return self.state.add_location(name)

    def add_variant(self, sku: str, price: str = "10.00", title: str | None = None) -> str:
        """A new variant; its inventory item's GID (0 at every location)."""
        with self.lock:
            return self.state.add_variant(sku, price, title).item_gid

    def set_quantity(self, item: str, location: str, available: int) -> None:
        """Seed a level's ``available`` (as a merchant's edit in the admin would)."""
        with self.lock:
            self.state.level(item, location).set("available", available)

    def quantity(self, item: str, location: str, name: str = "available") -> int:
        """A level's named quantity now (available, on_hand or committed)."""
        with self.lock:
            level = self.state.level(item, location)
            return level.committed if name == "committed" else level.value(name)

    def history(self, item: str, location: str) -> list[int]:
        """Every ``available`` value the level was set to or sold down to, oldest first."""
        with self.lock:
            return list(self.state.level(item, location).history)

    @property
    def calls(self) -> list[Call]:
        """Every API call answered, oldest first."""
        with self.lock:
            return list(self._calls)

    @property
    def largest_batch(self) -> int:
        """The most quantities one mutation carried."""
        with self.lock:
            return max((call.count for call in self._calls), default=0)

    @property
    def orders(self) -> list[dict[str, Any]]:
        """The shop's orders (REST Order JSON), oldest first."""
        with self.lock:
            return copy.deepcopy(list(self.state.orders.values()))

    @property
    def sent(self) -> list[Sent]:
        """Every webhook delivery attempt, oldest first."""
        return self.deliveries.sent

    # --- knobs -------------------------------------------------------------------------------

    def fail_next(self, calls: int, status: int = 500) -> None:
        """Answer the next ``calls`` API calls with ``status``, applying nothing."""
        with self.lock:
            self._failures.extend([status] * calls)

    def answer_slowly(self, seconds: float) -> None:
        """Sleep ``seconds`` before answering every API call (0 to stop)."""
        with self.lock:
            self._slow_seconds = seconds

    def throttle_storm(self, calls: int) -> None:
        """Drain both buckets and throttle the next ``calls`` API calls whatever is left."""
        with self.lock:
            self.bucket.drain()
            self.rest_bucket.drain()
            self._storm = calls

    def bad_hmac_next(self, deliveries: int = 1) -> None:
        """Sign the next ``deliveries`` webhooks with the wrong secret."""
        self.deliveries.bad_hmac_next(deliveries)

    def duplicate_next(self, deliveries: int = 1) -> None:
        """Deliver the next ``deliveries`` webhooks twice, with the same Webhook-Id."""
        self.deliveries.duplicate_next(deliveries)

    def updated_before_create_next(self, sales: int = 1) -> None:
        """For the next ``sales``, deliver an orders/updated (a later version of the order)
        before its orders/create."""
        with self.lock:
            self._out_of_order += sales

    # --- orders and webhooks -------------------------------------------------------------------

    def send_webhooks_to(self, url: str, secret: str, *, when: str | float = "now") -> None:
        """Deliver order webhooks to ``url`` signed with ``secret``; ``when`` is "now",
        "hold" (until ``release_held``) or a delay in seconds (a delayed webhook)."""
        self.deliveries.target(url, secret, when)

    def release_held(self) -> None:
        """Deliver every held webhook now, in the order they were made."""
        self.deliveries.release_held()

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is in flight (held ones do not count); False on timeout."""
        return self.deliveries.wait(timeout)

    def sell(
        self,
        sku: str,
        quantity: int = 1,
        location: str | None = None,
        *,
        pickup: bool = False,
        email: str = "buyer@example.org",
        locale: str | None = "en",
    ) -> dict[str, Any]:
        """A checkout: ``quantity`` of ``sku`` moves from ``available`` to ``committed`` at
        ``location`` (a GID or name; the first location when None); ValueError when there
        is not enough. The order is recorded and its orders/create delivered. ``locale``
        is the storefront language the buyer checked out in (``customer_locale``)."""
        with self.lock:
            variant = self.state.variants[sku]
            where = self.state.location_named(location)
            level = self.state.level(variant.item_gid, where)
            if quantity < 1 or level.available < quantity:
                raise ValueError(f"only {level.available} of {sku} available, not {quantity}")
            level.available -= quantity
            level.committed += quantity
            level.history.append(level.available)
            order = fake_orders.new_order(
                self.state.next_order_id(),
                variant,
                quantity,
                currency=self.currency,
                pickup_location=where if pickup else None,
                customer={"first_name": "Fake", "last_name": "Buyer", "email": email},
                locale=locale,
            )
            self.state.orders[order["id"]] = order
            self.state.sold_at[order["id"]] = where  # where a cancellation restocks
            batch = [self._pending("orders/create", order)]
            if self._out_of_order > 0:
                self._out_of_order -= 1
                later = copy.deepcopy(order)
                later["updated_at"] = fake_orders.later_than(order["updated_at"])
                later["tags"] = "reviewed"
                self.state.orders[order["id"]] = later
                batch.insert(0, self._pending("orders/updated", later))
            self.deliveries.schedule(batch)
            return copy.deepcopy(self.state.orders[order["id"]])

    def cancel(self, order_id: int, reason: str = "customer") -> dict[str, Any]:
        """Cancel an order: its units go back to ``available`` where they were sold and
        orders/cancelled is delivered."""
        with self.lock:
            order = self.state.orders[order_id]
            if order["cancelled_at"] is not None:
                raise ValueError(f"order {order_id} is cancelled already")
            where = self.state.sold_at[order_id]
            for line in order["line_items"]:
                level = self.state.level(self.state.variants[line["sku"]].item_gid, where)
                level.available += line["current_quantity"]
                level.committed -= line["current_quantity"]
                level.history.append(level.available)
            changed = fake_orders.cancelled(order, reason)
            self.state.orders[order_id] = changed
            self.deliveries.schedule([self._pending("orders/cancelled", changed)])
            return copy.deepcopy(changed)

    def _pending(self, topic: str, order: dict[str, Any]) -> Any:
        return self.deliveries.pending(topic, json.dumps(order).encode(), order["id"])

    # --- answering ------------------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        """The answer to one HTTP request (called by the server's threads)."""
        if request.kind == "view":
            return self._view()
        with self.lock:
            slow = self._slow_seconds
        if slow:
            time.sleep(slow)
        operation = "orders" if request.kind == "orders" else "graphql"
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return self._logged(Answer(401, {"errors": UNAUTHORIZED}), operation)
        with self.lock:
            if self._failures:
                failed = Answer(self._failures.pop(0), {"errors": "Internal Server Error"})
                return self._logged(failed, operation)
        if request.kind == "orders":
            return self._rest_orders(request)
        return self._graphql(request)

    def _graphql(self, request: Request) -> Answer:
        try:
            parsed = json.loads(request.body or b"{}")
            query = str(parsed.get("query") or "")
            variables = parsed.get("variables") or {}
            if not isinstance(variables, dict):
                raise TypeError("variables must be an object")
        except (ValueError, TypeError, AttributeError):
            return self._logged(Answer(400, {"errors": "Bad Request"}), "graphql")
        with self.lock:
            try:
                operation = self.executor.recognise(query, variables)
            except GraphQLError as exc:
                return self._logged(Answer(200, self._errors(exc, 1)), "graphql")
            if self._storm > 0 or not self.bucket.take(operation.cost):
                self._storm = max(0, self._storm - 1)
                return self._throttled(operation)
            try:
                data = self.executor.run(operation, query, variables, request.version)
            except GraphQLError as exc:
                answer = Answer(200, self._errors(exc, operation.cost))
                return self._logged(answer, operation.name, operation.count)
            body = {"data": data, "extensions": self._cost(operation.cost, operation.cost)}
            return self._logged(Answer(200, body), operation.name, operation.count)

    def _throttled(self, operation: Operation) -> Answer:
        headers = {}
        if self.throttle_status == 429:
            headers["Retry-After"] = str(self.bucket.seconds_until(operation.cost))
        answer = Answer(self.throttle_status, throttled_body(self.bucket, operation.cost), headers)
        return self._logged(answer, operation.name, operation.count, throttled=True)

    def _errors(self, exc: GraphQLError, cost: int) -> dict[str, Any]:
        return error_body(self.bucket, exc, cost)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return cost_extension(self.bucket, requested, actual)

    def _rest_orders(self, request: Request) -> Answer:
        with self.lock:
            throttled = self._storm > 0 or not self.rest_bucket.take(1)
            used = self.rest_bucket.size - int(self.rest_bucket.available())
            headers = {"X-Shopify-Shop-Api-Call-Limit": f"{used:g}/{self.rest_bucket.size:g}"}
            if throttled:
                self._storm = max(0, self._storm - 1)
                headers["Retry-After"] = str(self.rest_bucket.seconds_until(1))
                body = {
                    "errors": "Exceeded 2 calls per second for api client. Reduce request rates."
                }
                return self._logged(Answer(429, body, headers), "orders", throttled=True)
            try:
                page, next_query = fake_rest.orders_page(
                    list(self.state.orders.values()), request.query
                )
            except ValueError as exc:
                return self._logged(Answer(400, {"errors": str(exc)}, headers), "orders")
            if next_query is not None:
                headers["Link"] = f'<{self.url}{request.path}?{next_query}>; rel="next"'
            return self._logged(Answer(200, {"orders": page}, headers), "orders")

    def _view(self) -> Answer:
        with self.lock:
            quantities = {
                sku: {
                    name: self.state.level(variant.item_gid, gid).available
                    for gid, name in self.state.locations.items()
                }
                for sku, variant in self.state.variants.items()
            }
            view = {
                "shop": self.shop_domain,
                "quantities": quantities,
                "orders": len(self.state.orders),
            }
            return Answer(200, view)

    def _logged(
        self, answer: Answer, operation: str, count: int = 0, *, throttled: bool = False
    ) -> Answer:
        with self.lock:
            call = Call(datetime.now(UTC), operation, count, throttled, answer.status)
            self._calls.append(call)
        return answer
