"""Logs never carry a tracking token, a pickup code or a bearer token."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from oms.app import create_app
from oms.config import Settings
from oms.logs import JsonFormatter
from tests.support.customer_orders import Shop
from tests.support.tracking import fresh_email, lookup, visitor_of
from tests.support.world import World


@pytest.fixture
async def logging_client(
    settings: Settings, engine: object
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The service as it runs in production: one log line per request."""
    app = create_app(msgspec.structs.replace(settings, log_requests=True))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def _notification_sent(world: World, order_id: str) -> None:
    """The in-process worker sends after the commit: wait for it (bounded)."""
    for _ in range(100):
        async with world.sessionmaker() as session:
            status = await session.scalar(
                text("SELECT status FROM notification WHERE order_id = :id"),
                {"id": uuid.UUID(order_id)},
            )
        if status == "sent":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"notification not sent (status {status})")


async def test_no_secret_reaches_a_log_record(
    world: World,
    logging_client: AsyncTestClient[Litestar],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    token = order["tracking_token"]
    bearer = shop.admin["Authorization"].removeprefix("Bearer ")
    fulfilment_id = order["fulfilments"][0]["id"]
    client = logging_client

    for action in ("start-picking", "pack", "ready-for-pickup"):
        done = await client.post(f"/fulfilments/{fulfilment_id}/{action}", headers=shop.admin)
        assert done.status_code == 200, done.text
    await _notification_sent(world, order["id"])
    async with visitor_of(client) as browser:
        tracked = await browser.get(f"/track/{token}")
        looked_up = await lookup(browser, order["number"], email)
    code = tracked.json()["fulfilments"][0]["pickup_code"]
    assert code
    assert looked_up.status_code == 200
    wrong = await client.post(
        f"/fulfilments/{fulfilment_id}/hand-over",
        json={"code": "QQQQQQ" if code != "QQQQQQ" else "WWWWWW"},
        headers=shop.admin,
    )
    assert wrong.status_code == 422
    handed = await client.post(
        f"/fulfilments/{fulfilment_id}/hand-over", json={"code": code}, headers=shop.admin
    )
    assert handed.status_code == 200, handed.text
    assert (await client.get(f"/orders/{order['id']}", headers=shop.admin)).status_code == 200

    formatter = JsonFormatter()
    # Everything the process logged but the test's own HTTP client (httpx logs its URLs).
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    lines = [formatter.format(record) for record in records]
    # The requests were logged, by their routes; so was the customer's message.
    requests = [r for r in caplog.records if r.name == "oms.request"]
    routes = {(r.method, r.route, r.status) for r in requests}  # type: ignore[attr-defined]
    assert ("GET", "/track/{token}", 200) in routes
    assert ("POST", "/track/lookup", 200) in routes
    assert ("POST", "/fulfilments/{fulfilment_id}/hand-over", 422) in routes
    assert ("POST", "/fulfilments/{fulfilment_id}/hand-over", 200) in routes
    assert ("GET", "/orders/{order_id}", 200) in routes
    messages = [r for r in caplog.records if r.name == "oms.notifications.services.senders"]
    assert any(
        "Your pickup code: [redacted]" in r.body  # type: ignore[attr-defined]
        for r in messages
    )
    for secret in (token, code, bearer):
        leaked = [line for line in lines if secret in line]
        assert leaked == [], secret
