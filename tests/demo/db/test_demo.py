"""The demo retailer: seeded once, through the ledger, with believable and valid data."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.auth.services.resolver import hash_secret
from oms.catalogue.schemas import LocationIn
from oms.channels.schemas import ChannelIn
from oms.channels.services.policy import channel_policy
from oms.db.models import ApiToken, ApiTokenLocation, Location, Sku
from oms.demo.catalogue_data import FEATURED_SKU, STORES, WAREHOUSE_CODE
from oms.demo.channels_data import CHANNELS, seed_demo_channels
from oms.demo.seed import (
    ADMIN_NAME,
    DemoToken,
    demo_skus,
    format_demo_banner,
    issue_demo_tokens,
    plan_stock,
    seed_demo,
)
from oms.domain import gtin
from oms.domain.access import Role
from oms.domain.geo import Point, haversine_km
from oms.inventory.services.audit import run_audit

Maker = async_sessionmaker[AsyncSession]

DEMO_LOCATIONS = [WAREHOUSE_CODE, *(store.code for store in STORES)]
DEMO_SKUS = [sku.code for sku in demo_skus()]

# Per demo SKU: its barcodes, and the demo locations holding units of it.
_SKU_FACTS = text(
    """
    SELECT s.code,
           (SELECT array_agg(b.gtin) FROM barcode b WHERE b.sku_id = s.id) AS gtins,
           (SELECT coalesce(array_agg(loc.code), '{}') FROM inventory_level l
              JOIN location loc ON loc.id = l.location_id
             WHERE l.sku_id = s.id AND l.on_hand > 0) AS stocked_at
      FROM sku s WHERE s.code = ANY(:codes)
    """
)
_DEMO_COUNTS = text(
    """
    SELECT (SELECT count(*) FROM sku WHERE code = ANY(:skus)) AS skus,
           (SELECT count(*) FROM location WHERE code = ANY(:locations)) AS locations,
           (SELECT count(*) FROM inventory_level l JOIN location loc ON loc.id = l.location_id
             WHERE loc.code = ANY(:locations)) AS levels,
           (SELECT count(*) FROM stock_movement WHERE ref_type = 'demo') AS movements
    """
)


async def _counts(sessionmaker: Maker) -> dict[str, Any]:
    async with sessionmaker() as session:
        params = {"skus": DEMO_SKUS, "locations": DEMO_LOCATIONS}
        return dict((await session.execute(_DEMO_COUNTS, params)).mappings().one())


async def test_seed_creates_the_network(seeded: bool, sessionmaker: Maker) -> None:
    assert seeded is True
    async with sessionmaker() as session:
        rows = list(
            await session.scalars(select(Location).where(Location.code.in_(DEMO_LOCATIONS)))
        )
    by_kind = {kind: [r for r in rows if r.kind == kind] for kind in ("warehouse", "store")}
    assert len(by_kind["warehouse"]) == 1
    assert len(by_kind["store"]) >= 5
    warehouse = by_kind["warehouse"][0]
    assert warehouse.capabilities == ["ship_from"]
    assert warehouse.daily_capacity >= 1000
    for row in rows:
        # Everything the API would accept for a location, hours and address included.
        fields = {c: getattr(row, c) for c in ("code", "name", "kind", "address", "lat", "lon")}
        fields |= {c: getattr(row, c) for c in ("timezone", "opening_hours", "capabilities")}
        fields |= {"daily_capacity": row.daily_capacity, "priority": row.priority}
        msgspec.convert(fields, LocationIn)
        assert 53.3 < row.lat < 53.7, row.code
        assert -2.7 < row.lon < -2.0, row.code
    # Close enough that every store finds the others within the look-up's default radius.
    for a, b in itertools.combinations(rows, 2):
        assert 1.0 < haversine_km(Point(a.lat, a.lon), Point(b.lat, b.lon)) < 25.0
    stores = by_kind["store"]
    assert any(set(s.capabilities) == {"walk_in", "pickup"} for s in stores)
    assert sum(set(s.capabilities) == {"pickup", "ship_from", "walk_in"} for s in stores) >= 4
    assert any(not s.opening_hours["sun"] for s in stores)
    assert any(s.opening_hours["thu"][-1][1] > s.opening_hours["wed"][-1][1] for s in stores)
    assert len({str(s.opening_hours) for s in stores}) >= 4


async def test_catalogue_and_stock_spread(seeded: bool, sessionmaker: Maker) -> None:
    async with sessionmaker() as session:
        facts = (await session.execute(_SKU_FACTS, {"codes": DEMO_SKUS})).all()
        names = dict(
            (await session.execute(select(Sku.code, Sku.name).where(Sku.code.in_(DEMO_SKUS)))).all()
        )
    assert len(facts) >= 500
    gtins = [g for row in facts for g in row.gtins]
    assert all(len(row.gtins) == 1 for row in facts)
    assert all(len(g) == 13 and gtin.is_valid(g) for g in gtins)
    assert len(set(gtins)) == len(facts)
    assert len({names[row.code] for row in facts}) == len(facts)  # names tell variants apart
    spread = {row.code: set(row.stocked_at) for row in facts}
    single = [code for code, places in spread.items() if len(places) == 1]
    nowhere = [code for code, places in spread.items() if not places]
    assert len(single) >= 5
    assert len(nowhere) >= 5
    assert len(nowhere) < len(facts) * 0.06
    assert sum(WAREHOUSE_CODE in places for places in spread.values()) > len(facts) * 0.8
    assert len(spread[FEATURED_SKU]) >= 5


async def test_stock_came_through_the_ledger(seeded: bool, sessionmaker: Maker) -> None:
    levels = text(
        """
        SELECT l.on_hand, l.safety_stock, l.needs_count,
               (SELECT coalesce(sum(m.delta_on_hand), 0) FROM stock_movement m
                 WHERE m.sku_id = l.sku_id AND m.location_id = l.location_id
                   AND ((m.ref_type = 'demo' AND m.ref_id = 'seed' AND m.actor = 'system:demo')
                        -- the demo order shipped at seeding
                        OR m.actor = 'admin:demo')) AS from_seed
          FROM inventory_level l JOIN location loc ON loc.id = l.location_id
         WHERE loc.code = ANY(:locations)
        """
    )
    async with sessionmaker() as session:
        rows = (await session.execute(levels, {"locations": DEMO_LOCATIONS})).all()
    assert len(rows) > 1000
    assert all(r.on_hand == r.from_seed for r in rows)
    assert any(r.on_hand == 0 for r in rows)  # sold out, level kept
    assert not any(r.needs_count for r in rows)
    assert any(r.safety_stock > 0 for r in rows)
    assert all(r.safety_stock <= r.on_hand for r in rows)
    async with sessionmaker() as session, session.begin():
        report = await run_audit(session)
    assert report.ok, report


async def test_second_seed_changes_nothing(seeded: bool, sessionmaker: Maker) -> None:
    before = await _counts(sessionmaker)
    async with sessionmaker() as session, session.begin():
        assert await seed_demo(session, seed=99) is False
    assert await _counts(sessionmaker) == before
    assert before["skus"] == len(DEMO_SKUS)
    assert before["locations"] == len(DEMO_LOCATIONS)


def test_plan_is_deterministic() -> None:
    assert plan_stock(7) == plan_stock(7)
    assert plan_stock(7) != plan_stock(8)


async def _issue(sessionmaker: Maker) -> list[DemoToken]:
    async with sessionmaker() as session, session.begin():
        return await issue_demo_tokens(session)


async def test_tokens_are_reissued(seeded: bool, sessionmaker: Maker) -> None:
    first = await _issue(sessionmaker)
    second = await _issue(sessionmaker)
    assert [t.name for t in first] == [t.name for t in second]
    assert [t.role for t in second].count(Role.ADMIN) == 1
    associates = {t.locations: t for t in second if t.role == "associate"}
    assert set(associates) == {(store.code,) for store in STORES}
    async with sessionmaker() as session:
        active = (
            await session.execute(
                select(ApiToken.name, func.count())
                .where(ApiToken.name.startswith("demo:"), ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.name)
            )
        ).all()
        revoked = await session.scalar(
            select(func.count()).where(
                ApiToken.token_hash.in_([hash_secret(t.secret) for t in first]),
                ApiToken.revoked_at.is_not(None),
            )
        )
        scope = await session.scalars(
            select(Location.code)
            .join(ApiTokenLocation, ApiTokenLocation.location_id == Location.id)
            .join(ApiToken, ApiToken.id == ApiTokenLocation.token_id)
            .where(ApiToken.token_hash == hash_secret(associates[("MAN-CITY",)].secret))
        )
        assert list(scope) == ["MAN-CITY"]
    assert dict(active)[ADMIN_NAME] == 1
    assert all(count == 1 for _, count in active)
    assert revoked == len(first)


async def test_banner_and_its_sample_request(
    seeded: bool,
    sessionmaker: Maker,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    tokens = await _issue(sessionmaker)
    banner = format_demo_banner(tokens, "http://127.0.0.1:8000/")
    assert "http://127.0.0.1:8000/schema" in banner
    for token in tokens:
        assert token.secret in banner
    for store in STORES:
        assert store.code in banner
        assert store.name in banner
    assert f"/stock/{FEATURED_SKU}?near=" in banner

    # The sample request works as printed.
    curl = next(line for line in banner.splitlines() if "Bearer" in line)
    secret = curl.split("Bearer ")[1].split('"')[0]
    near = banner.split("?near=")[1].split('"')[0]
    response = await client.get(
        f"/stock/{FEATURED_SKU}",
        params={"near": near},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sku"] == FEATURED_SKU
    assert body["nearby"]


_COUNT_CHANNELS = text("SELECT count(*) FROM channel WHERE code = ANY(:codes)")
# Orders from other tests may point at a demo channel; those rows must stay.
_DELETE_UNUSED_CHANNELS = text(
    "DELETE FROM channel c WHERE c.code = ANY(:codes)"
    " AND NOT EXISTS (SELECT 1 FROM sales_order o WHERE o.channel_id = c.id)"
)


async def test_demo_channels(seeded: bool, sessionmaker: Maker) -> None:
    async with sessionmaker() as session:
        conn = await session.connection()
        found = {c.code: await channel_policy(conn, c.code) for c in CHANNELS}
        codes_of = dict((await session.execute(select(Location.id, Location.code))).all())
    policies = {code: policy for code, policy in found.items() if policy is not None}
    assert set(policies) == {"POS", "WEB", "AMAZON", "EBAY", "SHOPIFY", "PARTNER"}
    # The two synced with the demo's fake partners take their orders from the partner.
    assert (policies["SHOPIFY"].kind, policies["SHOPIFY"].staff_orders) == ("web", False)
    assert (policies["PARTNER"].kind, policies["PARTNER"].staff_orders) == ("marketplace", False)
    pos, web, amazon, ebay = (policies[c] for c in ("POS", "WEB", "AMAZON", "EBAY"))
    assert (pos.kind, pos.currency, pos.backorders) == ("pos", "GBP", False)
    assert (web.kind, web.currency, web.backorders, web.transfer_to_store) == (
        "web",
        "GBP",
        True,
        True,
    )
    assert web.max_split == 2
    for market in (amazon, ebay):
        assert (market.kind, market.currency, market.backorders) == ("marketplace", "GBP", False)
        assert market.max_split == 1
    # The warehouse and the two stores with the most daily capacity.
    assert amazon.eligible_location_ids is not None
    assert {codes_of[i] for i in amazon.eligible_location_ids} == {
        WAREHOUSE_CODE,
        "MAN-CITY",
        "MAN-STOCKPORT",
    }
    for policy in (pos, web, ebay):
        assert policy.eligible_location_ids is None
    assert all(policy.active and policy.routing_rules == () for policy in policies.values())
    # Everything the API would accept for a channel.
    for channel in CHANNELS:
        fields = dataclasses.asdict(channel)
        msgspec.convert({**fields, "locations": list(channel.locations)}, ChannelIn)

    # Seeding again adds nothing.
    async with sessionmaker() as session, session.begin():
        assert await seed_demo_channels(session) == []
        assert await seed_demo(session) is False
    async with sessionmaker() as session:
        count = await session.scalar(_COUNT_CHANNELS, {"codes": [c.code for c in CHANNELS]})
    assert count == len(CHANNELS)

    # A demo seeded before channels existed gains them on the next start (rolled back here).
    async with sessionmaker() as session, session.begin():
        codes = {"codes": [c.code for c in CHANNELS]}
        await session.execute(_DELETE_UNUSED_CHANNELS, codes)
        assert await seed_demo(session) is False
        conn = await session.connection()
        amazon_again = await channel_policy(conn, "AMAZON")
        assert amazon_again is not None
        assert amazon_again.eligible_location_ids == amazon.eligible_location_ids
        assert await session.scalar(_COUNT_CHANNELS, codes) == len(CHANNELS)
        await session.rollback()
    async with sessionmaker() as session:
        kept = await channel_policy(await session.connection(), "AMAZON")
    assert kept is not None
    assert kept.id == amazon.id
