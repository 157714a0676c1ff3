"""Demo data for a first start: a small store network, its catalogue, stock and tokens.

The seed is deterministic (``random.Random(seed)``) so two machines show the same demo,
and every unit of stock arrives through the ledger, so ``oms audit`` is clean from the
first minute. Tokens are the exception: only their hashes are stored, so fresh ones are
issued at every start and printed once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from oms.auth.services.resolver import create_token
from oms.db.models import ApiToken, Barcode, Location, Sku
from oms.demo.catalogue_data import (
    COLOURS,
    FEATURED_SKU,
    GTIN_COMPANY_PREFIX,
    PRODUCTS,
    STORES,
    TIMEZONE,
    WAREHOUSE,
    WAREHOUSE_CODE,
    DemoLocation,
    size_label,
)
from oms.demo.channels_data import seed_demo_channels
from oms.demo.orders_data import seed_demo_orders
from oms.demo.prices_data import seed_demo_prices
from oms.domain import gtin
from oms.domain.access import Role
from oms.domain.stock import MovementKind
from oms.inventory.ledger.safety_stock import set_safety_stocks
from oms.inventory.ledger.writers import Source, add_on_hand

DEMO_SOURCE = Source("demo", "seed", "system:demo")
# Demo tokens are recognised by their name, so a restart can revoke the previous ones.
NAME_PREFIX = "demo:"
ADMIN_NAME = "demo:admin"

# Shares of the catalogue with special stock situations worth seeing in a demo.
OUT_OF_STOCK_SHARE = 0.03
SINGLE_STORE_SHARE = 0.05
# Big boxes: fewer units on the shelf and in the warehouse.
BULKY = frozenset({"tents", "sleeping", "packs", "furniture"})

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('oms:demo-seed', 0))")


class DemoToken(msgspec.Struct, frozen=True, kw_only=True):
    """A freshly issued demo token; the secret exists only here, never in the database."""

    name: str
    role: Role
    locations: tuple[str, ...]
    secret: str


@dataclass(frozen=True, slots=True)
class DemoSku:
    code: str
    name: str
    category: str
    gtin: str
    fast: bool
    attributes: dict[str, str]


def demo_gtin(item_number: int) -> str:
    """The 13-digit GTIN of the ``item_number``-th demo SKU (1 to 99999): the made-up company
    prefix, the number in five digits, the check digit."""
    body = f"{GTIN_COMPANY_PREFIX}{item_number:05d}"
    return body + str(gtin.check_digit(body))


@cache
def demo_skus() -> tuple[DemoSku, ...]:
    """Every product in each colour and size, in catalogue order (which fixes the GTINs)."""
    skus: list[DemoSku] = []
    for product in PRODUCTS:
        for colour in product.colours:
            for size in product.sizes or (None,):
                attributes = {
                    "brand": product.brand,
                    "category": product.category,
                    "colour": COLOURS[colour],
                }
                if size:
                    attributes["size"] = size_label(size)
                if product.department:
                    attributes["department"] = product.department
                variant = ", ".join(v for v in (attributes["colour"], attributes.get("size")) if v)
                skus.append(
                    DemoSku(
                        code="-".join(p for p in (product.code, colour, size) if p),
                        name=f"{product.name}, {variant}",
                        category=product.category,
                        gtin=demo_gtin(len(skus) + 1),
                        fast=product.fast,
                        attributes=attributes,
                    )
                )
    return tuple(skus)


@dataclass(frozen=True, slots=True)
class Placement:
    """Units of one SKU received at one location."""

    sku: str
    location: str
    on_hand: int
    safety_stock: int = 0
    # Received and then all sold: a level that exists but holds nothing.
    sold_out: bool = False


def _ranges(location: DemoLocation, sku: DemoSku) -> bool:
    return location.categories is None or sku.category in location.categories


def _quantity(rng: random.Random, location: DemoLocation, sku: DemoSku) -> int:
    if location.kind == "warehouse":
        units = rng.randint(60, 240) if sku.fast else rng.randint(8, 80)
    else:
        units = rng.choices((1, 2, 3, 4, 6, 8, 12), weights=(12, 18, 20, 16, 14, 12, 8))[0]
        if sku.fast:
            units += rng.randint(4, 10)
    return max(1, units // 3) if sku.category in BULKY else units


def _safety_stock(rng: random.Random, location: DemoLocation, sku: DemoSku, units: int) -> int:
    """Fast movers keep a few units back for walk-in customers (never all of them)."""
    if not sku.fast or units < 4:
        return 0
    wanted = rng.randint(5, 15) if location.kind == "warehouse" else rng.randint(1, 3)
    return min(wanted, units // 2)


def plan_stock(seed: int) -> list[Placement]:
    """Where each demo SKU sits and how many: uneven, and the same for the same seed."""
    rng = random.Random(seed)
    skus = demo_skus()
    candidates = [sku for sku in skus if sku.code != FEATURED_SKU]
    out_of_stock = rng.sample(candidates, max(2, round(len(skus) * OUT_OF_STOCK_SHARE)))
    gone = {sku.code for sku in out_of_stock}
    rest = [sku for sku in candidates if sku.code not in gone]
    single = {sku.code for sku in rng.sample(rest, max(1, round(len(skus) * SINGLE_STORE_SHARE)))}
    walk_in_stores = [store for store in STORES if "walk_in" in store.capabilities]

    plan: list[Placement] = []
    for index, sku in enumerate(out_of_stock):
        # Half were never stocked; the others sold their last units over the counter.
        if index % 2:
            shop = rng.choice([s for s in walk_in_stores if _ranges(s, sku)])
            plan.append(Placement(sku.code, shop.code, rng.randint(1, 4), sold_out=True))
    for sku in skus:
        if sku.code in gone:
            continue
        if sku.code in single:
            shop = rng.choice([s for s in STORES if _ranges(s, sku)])
            plan.append(Placement(sku.code, shop.code, rng.randint(1, 3)))
            continue
        placed = False
        for location in (WAREHOUSE, *STORES):
            if not _ranges(location, sku):
                continue
            if sku.code != FEATURED_SKU and rng.random() >= location.assortment:
                continue
            units = _quantity(rng, location, sku)
            safety = _safety_stock(rng, location, sku, units)
            plan.append(Placement(sku.code, location.code, units, safety))
            placed = True
        if not placed:
            plan.append(Placement(sku.code, WAREHOUSE.code, _quantity(rng, WAREHOUSE, sku)))
    return plan


def _location_row(location: DemoLocation) -> dict[str, Any]:
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "address": location.address,
        "lat": location.lat,
        "lon": location.lon,
        "timezone": TIMEZONE,
        "opening_hours": location.opening_hours,
        "capabilities": list(location.capabilities),
        "daily_capacity": location.daily_capacity,
        "priority": location.priority,
    }


async def _insert_locations(session: AsyncSession) -> dict[str, int]:
    rows = [_location_row(location) for location in (WAREHOUSE, *STORES)]
    result = await session.execute(insert(Location).returning(Location.code, Location.id), rows)
    return {row.code: row.id for row in result}


async def _insert_catalogue(session: AsyncSession, skus: Sequence[DemoSku]) -> dict[str, int]:
    rows = [{"code": s.code, "name": s.name, "attributes": s.attributes} for s in skus]
    result = await session.execute(insert(Sku).returning(Sku.code, Sku.id), rows)
    ids = {row.code: row.id for row in result}
    await session.execute(
        insert(Barcode), [{"gtin": sku.gtin, "sku_id": ids[sku.code]} for sku in skus]
    )
    return ids


async def _receive(
    session: AsyncSession, plan: Iterable[Placement], skus: dict[str, int], places: dict[str, int]
) -> None:
    # Level order (location, sku) ascending, like every other multi-level writer.
    ordered = sorted(plan, key=lambda p: (places[p.location], skus[p.sku]))
    for placement in ordered:
        sku_id, location_id = skus[placement.sku], places[placement.location]
        await add_on_hand(
            session, sku_id, location_id, placement.on_hand, MovementKind.RECEIPT, DEMO_SOURCE
        )
        if placement.sold_out:
            await add_on_hand(
                session, sku_id, location_id, -placement.on_hand, MovementKind.SALE, DEMO_SOURCE
            )
    # Safety stock is a setting, not stock: it changes no quantity and writes no movement.
    await set_safety_stocks(
        session,
        ((skus[p.sku], places[p.location], p.safety_stock) for p in ordered if p.safety_stock),
    )


async def seed_demo(session: AsyncSession, *, seed: int = 7) -> bool:
    """Create the demo network in the session's transaction; False if it is already there."""
    # Two processes starting together must not both seed (the second would fail on codes).
    await session.execute(_LOCK)
    present = await session.scalar(select(Location.id).where(Location.code == WAREHOUSE_CODE))
    if present is not None:
        # A demo made before channels (or prices) existed gains them; existing ones are
        # left alone.
        await seed_demo_channels(session)
        await seed_demo_prices(session, (sku.code for sku in demo_skus()))
        await seed_demo_orders(session)
        return False
    places = await _insert_locations(session)
    skus = await _insert_catalogue(session, demo_skus())
    await _receive(session, plan_stock(seed), skus, places)
    await seed_demo_channels(session)
    await seed_demo_prices(session, skus)
    await seed_demo_orders(session)
    return True


async def issue_demo_tokens(session: AsyncSession) -> list[DemoToken]:
    """Revoke every earlier demo token; one admin and one associate per demo store."""
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.name.startswith(NAME_PREFIX, autoescape=True),
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
        .execution_options(synchronize_session=False)
    )
    wanted = [store.code for store in STORES]
    present = set(
        await session.scalars(
            select(Location.code).where(Location.code.in_(wanted), Location.active.is_(True))
        )
    )
    tokens: list[DemoToken] = []
    _, secret, _ = await create_token(session, name=ADMIN_NAME, role=Role.ADMIN)
    tokens.append(DemoToken(name=ADMIN_NAME, role=Role.ADMIN, locations=(), secret=secret))
    for code in (code for code in wanted if code in present):
        name = f"{NAME_PREFIX}associate:{code}"
        _, secret, codes = await create_token(
            session, name=name, role=Role.ASSOCIATE, location_codes=[code]
        )
        tokens.append(
            DemoToken(name=name, role=Role.ASSOCIATE, locations=tuple(codes), secret=secret)
        )
    return tokens


def format_demo_banner(
    tokens: Sequence[DemoToken], base_url: str, *, tracking_token: str | None = None
) -> str:
    """What to print on the console so somebody can try the demo straight away."""
    base = base_url.rstrip("/")
    names = {store.code: store.name for store in STORES}
    admin = next((t for t in tokens if t.role == Role.ADMIN), None)
    associates = [t for t in tokens if t.role == Role.ASSOCIATE and t.locations]
    width = max((len(t.locations[0]) for t in associates), default=0)
    lines = [
        "OMS demo: an outdoor retailer with stores around Greater Manchester",
        f"  API       {base}",
        f"  OpenAPI   {base}/schema",
    ]
    if admin is not None:
        lines += ["", "  Admin token", f"    {admin.secret}"]
    if associates:
        lines += ["", "  Associate tokens (each sees and acts for its own store)"]
        for token in associates:
            code = token.locations[0]
            lines.append(f"    {code:<{width}}  {names.get(code, code)}")
            lines.append(f"    {'':<{width}}  {token.secret}")
    caller = associates[0] if associates else admin
    if caller is not None:
        near = caller.locations[0] if caller.locations else WAREHOUSE_CODE
        lines += [
            "",
            "  Try a stock look-up, nearest stores first:",
            f'    curl -H "Authorization: Bearer {caller.secret}" \\',
            f'      "{base}/stock/{FEATURED_SKU}?near={near}"',
        ]
    if tracking_token is not None:
        lines += ["", "  Track the demo order waiting for collection (no token needed):"]
        lines.append(f"    curl {base}/track/{tracking_token}")
    lines += ["", "  Demo tokens are re-issued at every start; earlier ones stop working."]
    return "\n".join(lines)
