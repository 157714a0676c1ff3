"""The hold line reservation: the hottest write, one statement per line of ``POST /holds``.

It reserves one line and records it in one statement: the conditional UPDATE, its ledger
row, the hold line and, with the first line, the hold itself. The level row is locked from
this statement until COMMIT, the next round trip: nothing else runs in between.
Parameters: ``sku_id``, ``location_id``, ``quantity``, ``hold_id``, ``ref_id`` (the hold id
as text), ``actor``, ``reference``, ``expires_at``, ``first_line``. The result's
``reserved`` is 0 when the guard refused the line.
"""

from __future__ import annotations

from sqlalchemy import text

from oms.inventory.ledger.sql import covers, sellable_changed

RESERVE_HOLD_LINE = text(
    f"""
    WITH level AS (
        UPDATE inventory_level
           SET reserved = reserved + :quantity, updated_at = now()
         WHERE sku_id = :sku_id AND location_id = :location_id
           AND {covers(":quantity")}
        RETURNING sku_id, location_id
    ), new_hold AS (
        INSERT INTO hold (id, location_id, status, reference, expires_at, actor)
        SELECT :hold_id, location_id, 'active', :reference, :expires_at, :actor
          FROM level WHERE :first_line
        RETURNING created_at
    ), movement AS (
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'reserve', 0, :quantity, 'hold', :ref_id, :actor FROM level
    ), line AS (
        INSERT INTO hold_line (hold_id, sku_id, location_id, quantity)
        SELECT :hold_id, sku_id, location_id, :quantity FROM level
    ){sellable_changed("level")}
    SELECT (SELECT count(*) FROM level) AS reserved, (SELECT created_at FROM new_hold) AS created_at
    """
)
