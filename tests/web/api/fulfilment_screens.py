"""Helpers for the fulfilment and hand-over screens' tests: orders placed through the JSON
API, and the app's forms filled in from the page that rendered them (hidden fields
included), as a browser would send them."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import httpx

from oms.db.models import Barcode, Location, Sku
from tests.support.fulfilment import fulfilment, place, rows
from tests.support.orders import pickup_at, ship_to
from tests.support.web import SignedIn
from tests.support.world import World

_FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S)
_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')


def _attrs(tag: str) -> dict[str, str]:
    return {m["name"]: html.unescape(m["value"]) for m in _ATTR.finditer(tag)}


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to ``action``."""
    for form in _FORM.finditer(page):
        if _attrs(form["attrs"]).get("action") == action:
            fields = {}
            for tag in _INPUT.findall(form["body"]):
                attrs = _attrs(tag)
                if attrs.get("type") == "hidden":
                    fields[attrs["name"]] = attrs.get("value", "")
            return fields
    raise AssertionError(f"no form posting to {action} on the page")


async def submit(
    signed: SignedIn, page: httpx.Response, action: str, **fields: Any
) -> httpx.Response:
    """Send the page's form for ``action`` with ``fields`` filled in."""
    assert page.status_code < 500, page.text
    data = form_fields(page.text, action) | {k: str(v) for k, v in fields.items()}
    return await signed.client.post(action, data=data)


async def sku_with_barcode(world: World, name: str) -> tuple[Sku, str]:
    sku = await world.sku(name=name)
    gtin = f"5{uuid.uuid4().int % 10**12:012d}"
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=sku.id))
    return sku, gtin


async def pickup_order(
    world: World, store: Location, lines: list[tuple[Sku, int]], **body: Any
) -> tuple[dict[str, Any], str]:
    """A pickup order at ``store`` placed as an admin; (order, its fulfilment's id)."""
    for sku, quantity in lines:
        await world.stock(sku, store, quantity + 3)
    order = await place(world.client, world, await world.channel(), lines, pickup_at(store), **body)
    return order, fulfilment(order, "pickup")["id"]


async def ship_order(
    world: World, store: Location, lines: list[tuple[Sku, int]]
) -> tuple[dict[str, Any], str]:
    """A ship-from-store order that only ``store`` can fulfil; (order, fulfilment id)."""
    for sku, quantity in lines:
        await world.stock(sku, store, quantity + 3)
    channel = await world.channel(locations=(store,))
    order = await place(world.client, world, channel, lines, ship_to())
    return order, fulfilment(order, "ship")["id"]


async def fulfilment_state(world: World, fulfilment_id: str) -> str:
    found = await rows(
        world, "SELECT state FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return str(found[0]["state"])


async def pickup_code(world: World, fulfilment_id: str) -> str:
    found = await rows(
        world, "SELECT pickup_code FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return str(found[0]["pickup_code"])
