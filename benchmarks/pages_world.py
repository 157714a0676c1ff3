"""The world ``bench_pages`` measures: stores and a catalogue with stock, an associate's
account signed in through the real sign-in form, an admin token, and orders with a pickup
on the shelf and a parcel shipped, so every tracking document is a full one.

Each level's available figure differs by SKU and store (``available``), so an answer that
shows the wrong figure, or none, is caught by the benchmark's checks.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from benchmarks import common
from oms.auth.services.staff import create_user
from oms.domain.access import Role

STORES = [f"BENCH-P{n:02d}" for n in range(1, 21)]
HOME_STORE = STORES[0]  # the associate's one store: the app's "here"
SKU_PREFIX, SKUS = "BENCH-Q", 10_000
SAFETY = 2
CHANNEL = "BENCH-WEB"
ORDERS = 20
# Orders take their units from the last SKUs; look-ups ask for the others, whose figures
# stay exactly ``available``.
LOOKUP_SKUS = SKUS - 2 * ORDERS
USERNAME, PASSWORD = "bench-associate", "bench password, long enough"
_LOGIN_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def sku_code(n: int) -> str:
    return f"{SKU_PREFIX}{n:06d}"


def available(sku_n: int, store_n: int) -> int:
    """Units available of SKU ``sku_n`` at store ``store_n`` (both counted from 1): three
    digits, spread so neighbouring SKUs and stores differ."""
    return 100 + (sku_n * 37 + store_n * 101) % 800 - SAFETY


@dataclass(frozen=True)
class Order:
    number: int
    token: str


@dataclass
class World:
    url: str
    admin_token: str
    session_cookie: str = ""  # "oms_session=..." once signed in
    orders: tuple[Order, ...] = ()


async def build_world(url: str) -> World:
    """Stores, SKUs, varied stock, the channel, the associate's account and an admin token.
    Orders and the sign-in need the API running (``place_orders``, ``sign_in``)."""
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        locations = await common.seed_locations(conn, STORES)
        skus = await common.seed_skus(conn, SKU_PREFIX, SKUS)
        await _seed_varied_stock(
            conn, [skus[sku_code(n)] for n in range(1, SKUS + 1)], [locations[c] for c in STORES]
        )
        await conn.execute(
            "INSERT INTO channel (code, name, kind, currency)"
            " VALUES ($1, 'Bench web', 'web', 'GBP')",
            CHANNEL,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    async with common.orm_session(url) as session:
        await create_user(
            session,
            username=USERNAME,
            display_name="Bench Associate",
            role=Role.ASSOCIATE,
            password=PASSWORD,
            location_codes=[HOME_STORE],
        )
    return World(url=url, admin_token=await common.admin_token(url))


async def _seed_varied_stock(
    conn: asyncpg.Connection, sku_ids: list[int], location_ids: list[int]
) -> None:
    """Like ``common.seed_stock`` (a level and its receipt per SKU and store), with
    on_hand = ``available`` + safety stock. Ids come in SKU and store order."""
    await conn.execute(
        """
        WITH level AS (
            INSERT INTO inventory_level (sku_id, location_id, on_hand, safety_stock)
            SELECT s.id, l.id, 100 + (s.n * 37 + l.n * 101) % 800, $3
              FROM unnest($1::bigint[]) WITH ORDINALITY AS s(id, n)
             CROSS JOIN unnest($2::bigint[]) WITH ORDINALITY AS l(id, n)
            RETURNING sku_id, location_id, on_hand
        )
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'receipt', on_hand, 0, 'bench', 'setup', 'bench' FROM level
        """,
        sku_ids,
        location_ids,
        SAFETY,
    )


def _client(port: int, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers or {}, timeout=30)


async def _call(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await client.post(path, json=body) if body is not None else await client.post(path)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {path}: HTTP {response.status_code} {response.text[:300]}")
    return response.json()


async def place_orders(world: World, port: int) -> None:
    """``ORDERS`` orders through the JSON API, each with one unit collected at the home
    store (picked, packed and on the shelf, its code sent) and one shipped by parcel."""
    orders = []
    async with _client(port, {"Authorization": f"Bearer {world.admin_token}"}) as client:
        for n in range(1, ORDERS + 1):
            order = await _call(client, "/orders", _order_body(n))
            for fulfilment in order["fulfilments"]:
                path = f"/fulfilments/{fulfilment['id']}"
                await _call(client, f"{path}/start-picking")
                await _call(client, f"{path}/pack")
                if fulfilment["method"] == "pickup":
                    await _call(client, f"{path}/ready-for-pickup")
                else:
                    parcel = {"carrier": "Bench Post", "tracking_number": f"BP{n:08d}GB"}
                    await _call(client, f"{path}/ship", parcel)
            orders.append(Order(number=order["number"], token=order["tracking_token"]))
    world.orders = tuple(orders)


def _order_body(n: int) -> dict[str, Any]:
    line = {"quantity": 1, "unit_price": 1_999, "currency": "GBP"}
    address = {"line1": "1 Bench Street", "city": "London", "postcode": "EC1A 1BB", "country": "GB"}
    return {
        "channel": CHANNEL,
        "external_id": f"BENCH-{uuid.uuid4().hex}",
        "customer": {"name": "Bench Customer", "email": f"bench-customer-{n}@example.com"},
        "lines": [
            {"sku": sku_code(LOOKUP_SKUS + n), "delivery": 0, **line},
            {"sku": sku_code(LOOKUP_SKUS + ORDERS + n), "delivery": 1, **line},
        ],
        "deliveries": [
            {"method": "pickup", "location": HOME_STORE},
            {"method": "ship", "address": address, "lat": 51.6, "lon": 0.0},
        ],
    }


async def sign_in(world: World, port: int) -> None:
    """Once, as a browser does: the sign-in page (its form token and cookie), then the form.
    An associate of one store lands on the app's home page with a session cookie."""
    async with _client(port) as client:
        page = await client.get("/app/login")
        found = _LOGIN_CSRF.search(page.text)
        if page.status_code != 200 or found is None:
            raise RuntimeError(f"sign-in page: HTTP {page.status_code} {page.text[:300]}")
        form = {"_csrf": found[1], "next": "", "username": USERNAME, "password": PASSWORD}
        answer = await client.post("/app/login", data=form)
        secret = client.cookies.get("oms_session")
        if answer.status_code != 303 or answer.headers.get("location") != "/app" or not secret:
            raise RuntimeError(f"sign-in: HTTP {answer.status_code} {answer.text[:300]}")
    world.session_cookie = f"oms_session={secret}"
