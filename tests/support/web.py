"""The associate app through HTTP, as a browser would use it: its own cookie jar, the
sign-in form with its token, and the form token every changing request carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from oms.auth.services.staff import create_user
from oms.db.models import Location
from oms.domain.access import Role
from tests.support.world import World, unique

PASSWORD = "correct horse battery"  # a test account's
_HIDDEN = re.compile(r'name="(?P<name>_csrf|next)" value="(?P<value>[^"]*)"')
_HX_CSRF = re.compile(r'"X-CSRF-Token": "(?P<value>[^"]+)"')


def browser(client: AsyncTestClient[Litestar]) -> httpx.AsyncClient:
    """A client with its own cookies, talking to the app that ``client`` runs (through its
    transport, so on the loop the app's lifespan started on)."""
    return httpx.AsyncClient(
        transport=client._transport, base_url="http://127.0.0.1", follow_redirects=False
    )


def hidden_fields(html: str) -> dict[str, str]:
    return {m["name"]: m["value"] for m in _HIDDEN.finditer(html)}


async def staff_account(
    world: World, role: str = "associate", stores: tuple[Location, ...] = ()
) -> str:
    """A new staff account with ``PASSWORD``; its user name."""
    async with world.sessionmaker() as session, session.begin():
        account = await create_user(
            session,
            username=unique(role),
            display_name=f"Test {role}",
            role=Role(role),
            password=PASSWORD,
            location_codes=[s.code for s in stores],
        )
    return account.username


async def post_login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    """The sign-in form, filled in and sent with the token its page gave."""
    page = await client.get("/app/login")
    fields = hidden_fields(page.text) | {"username": username, "password": password} | extra
    return await client.post("/app/login", data=fields)


@dataclass
class SignedIn:
    client: httpx.AsyncClient
    username: str
    csrf: str = ""
    pages: list[str] = field(default_factory=list)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(path, **kwargs)
        found = _HX_CSRF.search(response.text)
        if found:
            self.csrf = found["value"]
        return response

    async def post(
        self, path: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A form post with this session's form token."""
        return await self.client.post(path, data={"_csrf": self.csrf, **(data or {})}, **kwargs)


async def sign_in(
    world: World, role: str = "associate", stores: tuple[Location, ...] = ()
) -> SignedIn:
    """A new account of ``role`` at ``stores``, signed in (the first store picked if several)."""
    username = await staff_account(world, role, stores)
    client = browser(world.client)
    response = await post_login(client, username)
    assert response.status_code == 303, response.text
    signed = SignedIn(client, username)
    if response.headers["location"] == "/app/store":
        page = await signed.get("/app/store")
        assert page.status_code == 200, page.text
        store_id = re.search(r'name="store" value="(\d+)"', page.text)
        assert store_id is not None
        picked = await signed.post("/app/store", {"store": store_id[1]})
        assert picked.status_code == 303
    home = await signed.get("/app")
    assert home.status_code == 200, home.text
    return signed
