"""The two statements an order placement sends: read the candidates, write the plan.

Reading: every active location holding any of the order's SKUs (plus the pickup stores),
with sellable stock per SKU and the fulfilments it has taken on its local today.

Writing, in ONE statement: lock the plan's levels in (location, SKU) order, reserve each
one with a guarded UPDATE, write the ledger, the holds, the store load, the fulfilments,
their lines, the routing decision and the timeline. The caller runs it under a SAVEPOINT:
if any level was short or any store full, it rolls back to the savepoint (which also
releases the locks taken) and plans again from freshly read candidates.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

_CANDIDATES = """
    SELECT loc.id, loc.code, loc.kind AS location_kind, loc.lat, loc.lon, loc.priority,
           loc.capabilities, loc.daily_capacity - coalesce(d.fulfilments, 0) AS capacity_left,
           coalesce(array_agg(l.sku_id) FILTER (WHERE l.sku_id IS NOT NULL), '{{}}') AS sku_ids,
           coalesce(
               array_agg(l.on_hand - l.reserved - l.safety_stock)
                   FILTER (WHERE l.sku_id IS NOT NULL),
               '{{}}') AS available
      FROM location loc
      LEFT JOIN inventory_level l ON l.location_id = loc.id AND {skus}
      LEFT JOIN location_day_load d
             ON d.location_id = loc.id AND d.day = (now() AT TIME ZONE loc.timezone)::date
     WHERE loc.active AND (l.sku_id IS NOT NULL OR {always})
     GROUP BY loc.id, d.fulfilments
    """
CANDIDATES = text(
    _CANDIDATES.format(
        skus="l.sku_id = ANY(CAST(:sku_ids AS bigint[]))",
        always="loc.id = ANY(CAST(:always AS bigint[]))",
    )
)
# The same, by the codes a request names: order placement reads it with the codes.
CANDIDATES_BY_CODE = _CANDIDATES.format(
    skus="l.sku_id IN (SELECT id FROM sku WHERE code = ANY(CAST(:skus AS text[])) AND active)",
    always="loc.code = ANY(CAST(:locations AS text[]))",
)

# The last re-plan's guarantee: every level it may choose, then every store load, locked
# in the global order (levels by location and SKU, then loads by location).
LOCK_CANDIDATE_LEVELS = text(
    """
    SELECT (SELECT count(*) FROM (
                SELECT 1 FROM inventory_level l JOIN location loc ON loc.id = l.location_id
                 WHERE l.sku_id = ANY(CAST(:sku_ids AS bigint[])) AND loc.active
                 ORDER BY l.location_id, l.sku_id
                   FOR UPDATE OF l) levels) AS levels,
           (SELECT count(*) FROM (
                SELECT 1 FROM location_day_load d JOIN location loc ON loc.id = d.location_id
                 WHERE d.day = (now() AT TIME ZONE loc.timezone)::date AND loc.active
                   AND (d.location_id = ANY(CAST(:always AS bigint[])) OR EXISTS (
                        SELECT 1 FROM inventory_level l WHERE l.location_id = d.location_id
                           AND l.sku_id = ANY(CAST(:sku_ids AS bigint[]))))
                 ORDER BY d.location_id
                   FOR UPDATE OF d) loads) AS loads
    """
)

# Reservation rows are one per (hold, level): a hold is a fulfilment's reservation at its
# location. ``need`` sums them per level, the unit the guard and the lock work on.
_RESERVE_CTES = """
    want AS (
        SELECT * FROM unnest(CAST(:r_hold AS uuid[]), CAST(:r_location AS bigint[]),
                             CAST(:r_sku AS bigint[]), CAST(:r_quantity AS int[]))
               AS w(hold_id, location_id, sku_id, quantity)
    ), need AS (
        SELECT location_id, sku_id, sum(quantity)::int AS quantity
          FROM want GROUP BY location_id, sku_id
    ), locked AS (
        SELECT l.location_id, l.sku_id, l.on_hand - l.reserved - l.safety_stock AS free
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
           AND l.on_hand - l.reserved - l.safety_stock >= n.quantity
           AND (SELECT count(*) FROM locked) >= 0
        RETURNING l.location_id, l.sku_id
    ), load_want AS (
        SELECT * FROM unnest(CAST(:load_location AS bigint[]), CAST(:load_count AS int[]))
               AS d(location_id, fulfilments)
    ), load AS (
        -- Store capacity per local day; taken after the levels (the same order everywhere).
        INSERT INTO location_day_load AS d (location_id, day, fulfilments)
        SELECT w.location_id, (now() AT TIME ZONE loc.timezone)::date, w.fulfilments
          FROM load_want w JOIN location loc ON loc.id = w.location_id
         WHERE w.fulfilments <= loc.daily_capacity
           AND (SELECT count(*) FROM reserved) >= 0
         ORDER BY w.location_id
        ON CONFLICT (location_id, day) DO UPDATE
           SET fulfilments = d.fulfilments + EXCLUDED.fulfilments
         WHERE d.fulfilments + EXCLUDED.fulfilments
               <= (SELECT daily_capacity FROM location WHERE id = d.location_id)
        RETURNING location_id
    ), movements AS (
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT w.sku_id, w.location_id, 'reserve', 0, w.quantity, 'fulfilment',
               w.hold_id::text, :actor
          FROM want w
          JOIN reserved r ON r.location_id = w.location_id AND r.sku_id = w.sku_id
    )"""

# Fulfilments, their holds and lines, the decision and the timeline, for order ``ord``.
_PLAN_CTES = """
    new_fulfilments AS (
        INSERT INTO fulfilment (id, order_id, location_id, method, delivery_no, state,
                                destination_location_id, awaits_fulfilment_id)
        SELECT f.id, ord.id, f.location_id, f.method, f.delivery_no, 'pending',
               f.destination, f.awaits
          FROM ord, unnest(CAST(:f_id AS uuid[]), CAST(:f_location AS bigint[]),
                           CAST(:f_method AS text[]), CAST(:f_delivery AS smallint[]),
                           CAST(:f_destination AS bigint[]), CAST(:f_awaits AS uuid[]))
               AS f(id, location_id, method, delivery_no, destination, awaits)
        RETURNING id
    ), fulfilment_lines AS (
        INSERT INTO fulfilment_line (fulfilment_id, line_no, sku_id, quantity)
        SELECT fl.* FROM ord, unnest(CAST(:fl_fulfilment AS uuid[]),
                                     CAST(:fl_line AS smallint[]),
                                     CAST(:fl_sku AS bigint[]), CAST(:fl_quantity AS int[]))
               AS fl(fulfilment_id, line_no, sku_id, quantity)
    ), holds AS (
        INSERT INTO hold (id, location_id, status, purpose, reference, actor)
        SELECT DISTINCT ON (w.hold_id) w.hold_id, w.location_id, 'active', 'order',
               :reference, :actor
          FROM ord, want w
    ), hold_lines AS (
        INSERT INTO hold_line (hold_id, sku_id, location_id, quantity)
        SELECT w.hold_id, w.sku_id, w.location_id, w.quantity FROM ord, want w
    ), decision AS (
        INSERT INTO routing_decision (order_id, trigger, attempts, explanation)
        SELECT ord.id, :trigger, :attempts, CAST(:explanation AS jsonb) FROM ord
    ), events AS (
        INSERT INTO order_event (order_id, fulfilment_id, kind, actor, detail)
        SELECT ord.id, e.fulfilment_id, e.kind, :actor, e.detail
          FROM ord, unnest(CAST(:e_fulfilment AS uuid[]), CAST(:e_kind AS text[]),
                           CAST(:e_detail AS jsonb[]))
               AS e(fulfilment_id, kind, detail)
    )"""

_OUTCOME = """
    SELECT (SELECT count(*) FROM ord) AS orders,
           (SELECT count(*) FROM reserved) AS reserved_levels,
           (SELECT count(*) FROM load) AS loaded_locations
    """


def _statement(order_cte: str, order_children: str = "", extra: str = "") -> TextClause:
    children = f", {order_children}" if order_children else ""
    return text(
        f"WITH {_RESERVE_CTES}, ord AS ({order_cte}){children}, {_PLAN_CTES} {_OUTCOME} {extra}"
    )


# A new order: it and its lines are written only if (channel, external id) is new;
# otherwise ``ord`` is empty, nothing that hangs off it is written, and the caller rolls
# back to its savepoint and answers with the order that won.
PLACE = _statement(
    """
        INSERT INTO sales_order (id, channel_id, external_id, customer_id, customer_name,
                                 email, phone, currency, total_amount, status, deliveries,
                                 tracking_token, placed_by, intake_fingerprint)
        VALUES (:order_id, :channel_id, :external_id, :customer_id, :customer_name, :email,
                :phone, :currency, :total, :status, CAST(:deliveries AS jsonb),
                :tracking_token, :actor, :intake_fingerprint)
        ON CONFLICT (channel_id, external_id) DO NOTHING
        RETURNING id, number, created_at
    """,
    """
    order_lines AS (
        INSERT INTO order_line (order_id, line_no, sku_id, quantity, unit_price, delivery_no,
                                quantity_cancelled, quantity_backordered)
        SELECT ord.id, ol.* FROM ord,
               unnest(CAST(:ol_line AS smallint[]), CAST(:ol_sku AS bigint[]),
                      CAST(:ol_quantity AS int[]), CAST(:ol_price AS bigint[]),
                      CAST(:ol_delivery AS smallint[]), CAST(:ol_cancelled AS int[]),
                      CAST(:ol_backordered AS int[]))
               AS ol(line_no, sku_id, quantity, unit_price, delivery_no, cancelled,
                     backordered)
    )""",
    ", (SELECT number FROM ord) AS number, (SELECT created_at FROM ord) AS created_at",
)

# More units of an existing order (re-routing after a short pick, backorders, edits).
ALLOCATE = _statement("SELECT CAST(:order_id AS uuid) AS id")
