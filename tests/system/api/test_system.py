"""Health, readiness, OpenAPI, metrics, request ids and the shape of every error."""

from __future__ import annotations

import re

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.config import Settings
from tests.support.world import World


async def test_health_and_ready(world: World) -> None:
    health = await world.client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = await world.client.get("/ready")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["migration"] == body["expected_migration"] is not None


async def test_openapi_documents_every_route(world: World) -> None:
    response = await world.client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    served = {
        (re.sub(r":\w+}", "}", route.path), method)
        for route in world.client.app.routes
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"}
        # The associate app's pages and files are for people, not part of the API.
        and not route.path.startswith(("/schema", "/metrics", "/app", "/static"))
        and route.path != "/"
    }
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert served - documented == set(), "routes missing from the OpenAPI schema"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"


async def test_metrics_are_prometheus_text_for_admins_only(world: World) -> None:
    await world.client.get("/health")
    anonymous = await world.client.get("/metrics")
    associate = await world.client.get(
        "/metrics", headers=await world.token("associate", (await world.location(),))
    )
    admin = await world.client.get("/metrics", headers=await world.token("admin"))

    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["code"] == "unauthenticated"
    assert "oms_requests_total" not in anonymous.text
    assert associate.status_code == 403, associate.text
    assert associate.json()["code"] == "forbidden"
    assert admin.status_code == 200, admin.text
    assert "oms_requests_total" in admin.text


async def test_the_metrics_token_opens_metrics_and_nothing_else(
    settings: Settings, engine: AsyncEngine
) -> None:
    scrape = "prometheus-" + "x" * 24
    app = create_app(msgspec.structs.replace(settings, metrics_token=scrape))
    bearer = {"Authorization": f"Bearer {scrape}"}
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        metrics = await client.get("/metrics", headers=bearer)
        tokens = await client.get("/tokens", headers=bearer)
        wrong = await client.get("/metrics", headers={"Authorization": f"Bearer {scrape}y"})

    assert metrics.status_code == 200, metrics.text
    assert "oms_requests_total" in metrics.text
    assert tokens.status_code == 401, tokens.text
    assert wrong.status_code == 401, wrong.text


async def test_request_id_is_echoed_or_generated(world: World) -> None:
    given = await world.client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await world.client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    bogus = await world.client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert bogus.headers["x-request-id"] != "bad id with spaces"


async def test_errors_are_problem_json(world: World) -> None:
    unauthenticated = await world.client.get("/tokens")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"].startswith("application/problem+json")
    assert unauthenticated.json()["code"] == "unauthenticated"
    assert unauthenticated.headers["www-authenticate"] == "Bearer"

    headers = await world.token("admin")
    missing = await world.client.get("/no-such-route", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    wrong_method = await world.client.put("/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
