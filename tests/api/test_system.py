"""Health, readiness, OpenAPI, metrics, request ids and the shape of every error."""

from __future__ import annotations

import re

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
        if method not in {"HEAD", "OPTIONS"} and not route.path.startswith(("/schema", "/metrics"))
    }
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert served - documented == set(), "routes missing from the OpenAPI schema"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"


async def test_metrics_are_prometheus_text(world: World) -> None:
    await world.client.get("/health")
    response = await world.client.get("/metrics")
    assert response.status_code == 200
    assert "oms_requests_total" in response.text


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
