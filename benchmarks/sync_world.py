"""Test data of the channel sync benchmark: stocked SKUs, two synced channels and their
listings written in bulk, and the quantity each listing should show, worked out here from
``inventory_level`` and the channel's policy (not by the service's own code).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]

from benchmarks.sync_partners import SHOPIFY, WEBHOOK, Quantities

SHOP_CODE, HOOK_CODE = "BENCH-SHOP", "BENCH-HOOK"
SHOPIFY_TOKEN_ENV = "BENCH_SYNC_SHOPIFY_TOKEN"
WEBHOOK_SECRET_ENV = "BENCH_SYNC_WEBHOOK_SECRET"
SHOPIFY_API_VERSION = "2026-04"


@dataclass(frozen=True)
class Policy:
    """A channel's quantity policy, as channel_sync stores it."""

    buffer: int
    percent: int
    max_quantity: int | None
    zero_at_or_below: int

    def quantity(self, sellable: int) -> int:
        """Sellable units (the sum over feeding locations of what each can sell, a short
        location counting 0) -> minus buffer -> percent rounded down -> cap -> zero at or
        below the threshold -> never negative."""
        quantity = sellable - self.buffer
        if quantity > 0:
            quantity = quantity * self.percent // 100
        if self.max_quantity is not None:
            quantity = min(quantity, self.max_quantity)
        return 0 if quantity <= self.zero_at_or_below else quantity


# The Shopify channel publishes one network quantity fed by three stores; the webhook one
# is fed by every store. Neither policy is the identity, so a wrong policy shows.
POLICIES = {
    SHOPIFY: Policy(buffer=2, percent=100, max_quantity=50_000_000, zero_at_or_below=1),
    WEBHOOK: Policy(buffer=1, percent=90, max_quantity=None, zero_at_or_below=2),
}
SHOP_FEED_STORES = 3


def new_secrets() -> dict[str, str]:
    """Fresh partner secrets for this run, by the env var the channel names."""
    webhook = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    return {SHOPIFY_TOKEN_ENV: "shpat_" + os.urandom(16).hex(), WEBHOOK_SECRET_ENV: webhook}


async def seed_varied_stock(
    conn: asyncpg.Connection, sku_ids: Sequence[int], location_ids: Sequence[int]
) -> None:
    """Every SKU at every location with 0-60 on hand, received through one ledger row per
    stocked level. No safety stock: a negative adjustment takes any unreserved unit, so it
    could leave on_hand below reserved + safety stock, which the oversell check counts."""
    await conn.execute(
        """
        WITH level AS (
            INSERT INTO inventory_level (sku_id, location_id, on_hand, safety_stock)
            SELECT s, l, floor(random() * 61)::int, 0
              FROM unnest($1::bigint[]) AS s CROSS JOIN unnest($2::bigint[]) AS l
            RETURNING sku_id, location_id, on_hand
        )
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'receipt', on_hand, 0, 'bench', 'setup', 'bench'
          FROM level WHERE on_hand > 0
        """,
        list(sku_ids),
        list(location_ids),
    )


async def create_channels(
    conn: asyncpg.Connection,
    urls: dict[str, str],
    shop_location: str,
    feed_location_ids: Sequence[int],
) -> dict[str, int]:
    """The two synced channels (partner -> channel id)."""
    ids: dict[str, int] = {}
    for partner, code, url, env in (
        (SHOPIFY, SHOP_CODE, urls[SHOPIFY], SHOPIFY_TOKEN_ENV),
        (WEBHOOK, HOOK_CODE, urls[WEBHOOK], WEBHOOK_SECRET_ENV),
    ):
        channel_id = await conn.fetchval(
            "INSERT INTO channel (code, name, kind, currency)"
            " VALUES ($1, $2, 'marketplace', 'GBP') RETURNING id",
            code,
            f"Bench {partner}",
        )
        policy = POLICIES[partner]
        await conn.execute(
            """
            INSERT INTO channel_sync (channel_id, adapter, partner_url, api_version,
                                      credentials_env, per_location, partner_location_id,
                                      buffer, percent, max_quantity, zero_at_or_below)
            VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8, $9, $10)
            """,
            channel_id,
            partner,
            url,
            SHOPIFY_API_VERSION if partner == SHOPIFY else None,
            env,
            shop_location if partner == SHOPIFY else None,
            policy.buffer,
            policy.percent,
            policy.max_quantity,
            policy.zero_at_or_below,
        )
        ids[partner] = channel_id
    await conn.execute(
        "INSERT INTO channel_feed_location (channel_id, location_id)"
        " SELECT $1, l FROM unnest($2::bigint[]) AS l",
        ids[SHOPIFY],
        list(feed_location_ids),
    )
    return ids


async def add_listings(
    conn: asyncpg.Connection,
    channels: dict[str, int],
    skus: dict[str, int],
    items: dict[str, str],
    shop_location: str,
    *,
    synced: bool,
) -> None:
    """A network listing of every SKU on both channels: pending (never published) or, with
    ``synced``, already in step with the partner (set ``published_qty`` with
    ``mark_published`` and seed the partner with the same values)."""
    codes = sorted(skus)
    seq = 1 if synced else 0
    for partner in (SHOPIFY, WEBHOOK):
        shopify = partner == SHOPIFY
        await conn.execute(
            """
            INSERT INTO channel_listing (channel_id, sku_id, partner_sku, partner_item_id,
                                         partner_location_id, pending_seq, synced_seq,
                                         pending_since, pushed_at)
            SELECT $1, s, c, i, $4, 1, $5::bigint,
                   CASE WHEN $5::bigint = 0 THEN now() END,
                   CASE WHEN $5::bigint = 1 THEN now() - interval '1 hour' END
              FROM unnest($2::bigint[], $3::text[], $6::text[]) AS t(s, c, i)
            """,
            channels[partner],
            [skus[c] for c in codes],
            codes,
            shop_location if shopify else None,
            seq,
            [items[c] if shopify else c for c in codes],
        )


async def clear_listings(conn: asyncpg.Connection) -> None:
    """No listing at all (so the stock gate signals nothing), and no signal left over."""
    await conn.execute("DELETE FROM channel_listing")
    await conn.execute("DELETE FROM stock_signal")


async def mark_published(conn: asyncpg.Connection, expected: dict[str, Quantities]) -> None:
    """Record the expected quantities as published (listings in step with the partner)."""
    for partner, code in ((SHOPIFY, SHOP_CODE), (WEBHOOK, HOOK_CODE)):
        by_sku = {sku: q for (sku, _), q in expected[partner].items()}
        await conn.execute(
            """
            UPDATE channel_listing l SET published_qty = t.q
              FROM unnest($2::text[], $3::int[]) AS t(item, q), channel c
             WHERE c.code = $1 AND l.channel_id = c.id AND l.partner_item_id = t.item
            """,
            code,
            list(by_sku),
            list(by_sku.values()),
        )


# Per listing: what each feeding location can sell, summed with short locations as 0.
# Feeding: the channel's channel_feed_location rows, or every active location when it has
# none (the benchmark's channels route from no channel_location list).
_SELLABLE = """
    SELECT c.code, l.partner_item_id AS item, l.partner_location_id AS location,
           s.active AND c.active AS listed,
           COALESCE(sum(GREATEST(il.on_hand - il.reserved - il.safety_stock, 0)), 0) AS units
      FROM channel_listing l
      JOIN channel c ON c.id = l.channel_id
      JOIN sku s ON s.id = l.sku_id
      LEFT JOIN inventory_level il ON il.sku_id = l.sku_id
            AND (l.location_id IS NULL OR il.location_id = l.location_id)
            AND il.location_id IN (SELECT id FROM location WHERE active)
            AND (NOT EXISTS (SELECT 1 FROM channel_feed_location f
                              WHERE f.channel_id = l.channel_id)
                 OR il.location_id IN (SELECT f.location_id FROM channel_feed_location f
                                        WHERE f.channel_id = l.channel_id))
     WHERE c.code = ANY($1::text[])
     GROUP BY c.code, l.id, s.active, c.active
"""


async def expected_quantities(conn: asyncpg.Connection) -> dict[str, Quantities]:
    """What each partner should show for every listing now: partner -> (item, location)
    -> quantity."""
    if await conn.fetchval("SELECT count(*) FROM channel_location"):
        raise RuntimeError("channel_location rows would change which locations feed")
    rows = await conn.fetch(_SELLABLE, [SHOP_CODE, HOOK_CODE])
    partner_of = {SHOP_CODE: SHOPIFY, HOOK_CODE: WEBHOOK}
    expected: dict[str, Quantities] = {SHOPIFY: {}, WEBHOOK: {}}
    for row in rows:
        partner = partner_of[row["code"]]
        quantity = POLICIES[partner].quantity(int(row["units"])) if row["listed"] else 0
        expected[partner][(row["item"], row["location"])] = quantity
    return expected


async def push_log(conn: asyncpg.Connection, since: float) -> dict[str, dict[str, int]]:
    """``channel_push`` since ``since`` (epoch s), per partner: calls by outcome, and the
    quantities in calls that went through."""
    rows = await conn.fetch(
        """
        SELECT cs.adapter, p.outcome, count(*) AS calls, sum(p.quantities) AS quantities
          FROM channel_push p JOIN channel_sync cs ON cs.channel_id = p.channel_id
         WHERE p.pushed_at >= to_timestamp($1)
         GROUP BY 1, 2
        """,
        since,
    )
    log: dict[str, dict[str, int]] = {SHOPIFY: {}, WEBHOOK: {}}
    for row in rows:
        log[row["adapter"]][row["outcome"]] = int(row["calls"])
        if row["outcome"] in ("ok", "stale"):
            log[row["adapter"]]["quantities"] = log[row["adapter"]].get("quantities", 0) + int(
                row["quantities"]
            )
    return log


async def pending_listings(conn: asyncpg.Connection) -> dict[str, int]:
    """Listings still to publish, per partner."""
    rows = await conn.fetch(
        """
        SELECT cs.adapter, count(*) AS n FROM channel_listing l
          JOIN channel_sync cs ON cs.channel_id = l.channel_id
         WHERE l.pending_seq > l.synced_seq GROUP BY 1
        """
    )
    pending = {SHOPIFY: 0, WEBHOOK: 0}
    pending.update({row["adapter"]: int(row["n"]) for row in rows})
    return pending
