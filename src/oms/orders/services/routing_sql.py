"""What routing reads: every active location holding any of the order's SKUs (plus the
pickup stores), with sellable stock per SKU and the fulfilments it has taken on its local
today. The plan is then written by ``plan_statement``.
"""

from __future__ import annotations

from sqlalchemy import text

from oms.inventory.ledger.sql import sellable


def _candidates(skus: str, always: str) -> str:
    """Candidate locations; ``skus`` picks the levels, ``always`` the locations kept anyway."""
    return f"""
        SELECT loc.id, loc.code, loc.kind AS location_kind, loc.lat, loc.lon, loc.priority,
               loc.capabilities, loc.daily_capacity - coalesce(d.fulfilments, 0) AS capacity_left,
               coalesce(array_agg(l.sku_id) FILTER (WHERE l.sku_id IS NOT NULL), '{{}}') AS sku_ids,
               coalesce(
                   array_agg({sellable("l")})
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
    _candidates(
        skus="l.sku_id = ANY(CAST(:sku_ids AS bigint[]))",
        always="loc.id = ANY(CAST(:always AS bigint[]))",
    )
)
# The same, by the codes a request names: order placement reads it with the codes.
CANDIDATES_BY_CODE = _candidates(
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
