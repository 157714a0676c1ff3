"""The reservation part of the order placement statement (``orders.services.routing_sql``).

Order placement writes everything in one statement, so its stock writes cannot be a call
to ``writers``; they are these CTEs, which the placement statement starts its WITH list
with. They read the hold lines to reserve (``want``, one ``HoldLineRow`` each, parameters
from ``HOLD_LINES.params``) and ``:actor``, and define for the rest of the statement:

- ``want``: the hold lines, one per (fulfilment's hold, level);
- ``need``: units per level (the unit the guard and the lock work on);
- ``locked``: every level of ``need`` locked in (location, SKU) order, the global lock
  order, so two placements never deadlock;
- ``reserved``: the levels whose guarded UPDATE succeeded (fewer rows than ``need`` means
  the plan lost a race: the caller rolls back to its savepoint);
- ``movements``: one ``reserve`` ledger row per hold line of a reserved level.

Ordering trick: an UPDATE ... FROM takes its row locks in whatever order its join
produces, so ``reserved`` refers to ``locked`` through a scalar subquery that PostgreSQL
must evaluate before the UPDATE touches any row; every lock is then taken in ``locked``'s
ORDER BY. Without it about 135 of the 500 concurrent orders of ``tests/orders/db/
test_order_concurrency.py`` die in deadlocks. A CTE composed after these that takes further
locks (the store's day load) refers to ``reserved`` the same way.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from oms.db.unnest import Rows, TableRow
from oms.inventory.ledger.sql import covers, sellable, sellable_changed


class HoldLineRow(TableRow, frozen=True, kw_only=True):
    """One ``hold_line`` row: units of a SKU that a fulfilment's hold keeps at a level."""

    hold_id: Annotated[uuid.UUID, "uuid"]
    sku_id: Annotated[int, "bigint"]
    location_id: Annotated[int, "bigint"]
    quantity: Annotated[int, "int"]


HOLD_LINES = Rows(HoldLineRow, "hl")

RESERVE_CTES = f"""
    want AS (
        SELECT * FROM {HOLD_LINES.source}
    ), need AS (
        SELECT location_id, sku_id, sum(quantity)::int AS quantity
          FROM want GROUP BY location_id, sku_id
    ), locked AS (
        SELECT l.location_id, l.sku_id, {sellable("l")} AS free
          FROM inventory_level l
          JOIN need n ON n.location_id = l.location_id AND n.sku_id = l.sku_id
         ORDER BY l.location_id, l.sku_id
           FOR UPDATE OF l
    ), reserved AS (
        -- The scalar subquery runs first, so every lock is taken in ``locked``'s order.
        UPDATE inventory_level l
           SET reserved = l.reserved + n.quantity, updated_at = now()
          FROM need n
         WHERE l.location_id = n.location_id AND l.sku_id = n.sku_id
           AND {covers("n.quantity", "l")}
           AND (SELECT count(*) FROM locked) >= 0
        RETURNING l.location_id, l.sku_id
    ), movements AS (
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT w.sku_id, w.location_id, 'reserve', 0, w.quantity, 'fulfilment',
               w.hold_id::text, :actor
          FROM want w
          JOIN reserved r ON r.location_id = w.location_id AND r.sku_id = w.sku_id
    ){sellable_changed("reserved")}"""
