"""Every problem's ``type`` is a page this service serves, for every code it can emit.

The codes are collected from the source, not from the registry under test: every
``code = "..."`` in a ``DomainError`` subclass anywhere in ``src/oms``, every code the
handlers pass to ``problem_response`` or pick for themselves, and ``HTTP_CODES``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import msgspec
from litestar import status_codes
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.config import Settings
from oms.domain.errors import DomainError, InvalidState
from oms.http.problems import HTTP_CODES
from oms.system.services.problem_types import registry
from tests.support.pages import read_all_pages
from tests.support.world import World

SOURCE = Path(__file__).parents[3] / "src" / "oms"


def _status(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name) and hasattr(status_codes, node.id):
        return int(getattr(status_codes, node.id))
    return None  # computed (e.g. a domain error's mapped status)


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _emitted() -> dict[str, set[int | None]]:
    """code -> the statuses it is sent with (None: not known from the source alone)."""
    found: dict[str, set[int | None]] = {}
    for status, (http_code, _) in HTTP_CODES.items():
        found.setdefault(http_code, set()).add(status)
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        handlers = path == SOURCE / "http" / "problems.py"
        code: str | None  # from each kind of node below
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and [getattr(t, "id", None) for t in item.targets] == ["code"]
                        and (code := _text(item.value)) is not None
                    ):
                        found.setdefault(code, set()).add(None)
            elif (
                isinstance(node, ast.Call) and getattr(node.func, "id", None) == "problem_response"
            ):
                code = _text(node.args[2]) if len(node.args) > 2 else None
                if code is not None:
                    found.setdefault(code, set()).add(_status(node.args[1]))
            elif (
                handlers and isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple)
            ):
                # ``code, title = "malformed_json", "..."`` in a handler
                names = [getattr(t, "id", None) for t in node.targets[0].elts]
                if "code" in names and isinstance(node.value, ast.Tuple):
                    code = _text(node.value.elts[names.index("code")])
                    if code is not None:
                        found.setdefault(code, set()).add(None)
            elif (
                handlers
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", None) == "HTTP_CODES"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Tuple)
            ):  # the fallback code for any other status
                code = _text(node.args[1].elts[0])
                if code is not None:
                    found.setdefault(code, set()).add(None)
    return found


async def test_every_code_the_service_can_emit_has_its_page(world: World) -> None:
    emitted = _emitted()
    assert {"insufficient_stock", "validation_error", "malformed_json", "http_error"} <= set(
        emitted
    )
    known = registry()
    assert set(emitted) - set(known) == set(), "codes without a page"

    for code, statuses in sorted(emitted.items()):
        response = await world.client.get(f"/problems/{code}")
        assert response.status_code == 200, (code, response.text)
        page = response.json()
        assert page["code"] == code
        assert all(page[field] for field in ("title", "when", "what_to_do")), page
        for status in statuses - {None}:
            assert page["status"] == status, (code, statuses, page)

    listed = (await world.client.get("/problems")).json()
    assert [p["code"] for p in listed["items"]] == sorted(known)
    assert listed["next_cursor"] is None


async def test_the_problem_codes_page_like_every_list(world: World) -> None:
    paged = await read_all_pages(world.client, "/problems", {}, 4)
    assert [p["code"] for p in paged] == sorted(registry())


async def test_an_unknown_code_is_404(world: World) -> None:
    response = await world.client.get("/problems/no_such_code")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_real_problem_type_resolves_without_a_token(world: World) -> None:
    problem = (await world.client.get("/orders")).json()
    assert problem["code"] == "unauthenticated"
    assert problem["type"] == "/problems/unauthenticated"

    missing = (await world.client.get("/no-such-route", headers=await world.token())).json()
    page = await world.client.get(missing["type"])

    assert page.status_code == 200, page.text
    assert page.json()["code"] == missing["code"] == "not_found"
    assert page.json()["status"] == missing["status"] == 404


async def test_a_public_url_makes_the_type_absolute(
    settings: Settings, engine: AsyncEngine
) -> None:
    public = msgspec.structs.replace(settings, public_url="https://orders.example.com/")
    async with AsyncTestClient(app=create_app(public), base_url="http://127.0.0.1") as client:
        problem = (await client.get("/tokens")).json()

    assert problem["type"] == "https://orders.example.com/problems/unauthenticated"


async def test_a_new_domain_error_class_is_listed_as_soon_as_it_exists(world: World) -> None:
    class ShelfEmpty(InvalidState):
        """The shelf the request names has nothing on it."""

        code = "test_shelf_empty"
        title = "The shelf is empty"

    assert issubclass(ShelfEmpty, DomainError)
    page = await world.client.get("/problems/test_shelf_empty")

    assert page.status_code == 200, page.text
    assert page.json() | {"status": 409, "when": ShelfEmpty.__doc__} == page.json()
