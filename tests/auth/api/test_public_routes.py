"""A route is public only when its handler says so (``exclude_from_auth=True``).

Every route the app serves is asked without a token: the ones that answer anything but
401 must be exactly the marked ones, so nothing else (a path pattern, a middleware
exclusion) can open a route unnoticed.
"""

from __future__ import annotations

import re

from litestar.handlers import HTTPRouteHandler

from oms.auth.middleware import PUBLIC_OPT
from tests.support.world import World

_VALUES = {"uuid": "00000000-0000-0000-0000-000000000000", "int": "1"}
# Routes every deployment must keep open: probes, the API reference, problem pages, tracking.
EXPECTED_PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/problems"),
    ("GET", "/problems/{code:str}"),
    ("GET", "/track/{token:str}"),
    ("POST", "/track/lookup"),
    ("GET", "/schema"),
    ("GET", "/schema/openapi.json"),
}


def _fill(path: str) -> str:
    return re.sub(r"\{\w+:(\w+)\}", lambda m: _VALUES.get(m.group(1), "x"), path)


def _routes(world: World) -> dict[tuple[str, str], bool]:
    """(method, path template) -> marked public, for every HTTP route of the app."""
    found: dict[tuple[str, str], bool] = {}
    for route in world.client.app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in handler.http_methods - {"HEAD", "OPTIONS"}:
                found[(method, route.path)] = bool(handler.opt.get(PUBLIC_OPT))
    return found


async def test_only_marked_routes_answer_without_a_token(world: World) -> None:
    routes = _routes(world)
    answered = set()
    for method, path in routes:
        response = await world.client.request(method, _fill(path), json={})
        if response.status_code != 401:
            answered.add((method, path))
    marked = {route for route, public in routes.items() if public}
    assert answered == marked
    assert marked >= EXPECTED_PUBLIC, sorted(EXPECTED_PUBLIC - marked)


async def test_public_routes_need_no_token_in_the_openapi_document(world: World) -> None:
    document = (await world.client.get("/schema/openapi.json")).json()
    for (method, path), public in _routes(world).items():
        documented = re.sub(r":\w+\}", "}", path)
        operation = document["paths"].get(documented, {}).get(method.lower())
        if operation is None:  # the API reference's own pages are not in the document
            continue
        assert (operation.get("security") == [{}]) == public, (method, path)
