"""The SQL pieces every stock statement is built from, written once.

``sellable`` and ``covers`` are the availability rule; ``with_movement`` pairs a level
change with its ledger row; ``sellable_changed`` is the one place that learns which levels
a statement changed (see the package docstring). Nothing here takes request data: the
pieces are joined into statement text at import time and every value is bound.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

from oms.outbox.stock_signals import signal_cte

MOVEMENT_COLUMNS = (
    "sku_id, location_id, kind, delta_on_hand, delta_reserved,"
    " reason, ref_type, ref_id, actor, note"
)
_MOVEMENT_VALUES = ":kind, :d_on_hand, :d_reserved, :reason, :ref_type, :ref_id, :actor, :note"


def sellable(level: str = "") -> str:
    """Units a level can still promise: ``on_hand - reserved - safety_stock``.

    ``level`` is the table alias (``"l"``), or empty inside an unaliased UPDATE.
    """
    p = f"{level}." if level else ""
    return f"{p}on_hand - {p}reserved - {p}safety_stock"


def covers(quantity: str, level: str = "") -> str:
    """The reservation guard: the level can promise ``quantity`` more units."""
    return f"{sellable(level)} >= {quantity}"


def sellable_changed(changed: str) -> str:
    """Extra CTEs to run for the levels a statement changed.

    ``changed`` names a CTE with one row per changed level and columns ``sku_id`` and
    ``location_id``. Every statement that changes ``on_hand``, ``reserved`` or
    ``safety_stock`` ends its WITH list with this, so this function is the single place
    where "a SKU's sellable quantity may have changed at a location" is known. Channel
    sync listens: the change signals the SKU's listings in the same statement.
    """
    return signal_cte(changed)


def update_level(assignments: str, guard: str = "TRUE") -> str:
    """An UPDATE of one level (``:sku_id``, ``:location_id``) that applies only if ``guard``."""
    return f"""
        UPDATE inventory_level SET {assignments}, updated_at = now()
         WHERE sku_id = :sku_id AND location_id = :location_id AND {guard}"""


def with_movement(level_change: str, record_if: str = "TRUE") -> TextClause:
    """``level_change`` (an UPDATE or upsert RETURNING the level) plus its ledger row.

    One statement, so the level and its movement are written together or not at all.
    No row back means the change's guard refused it.
    """
    return text(
        f"""
        WITH level AS ({level_change}
            RETURNING sku_id, location_id, on_hand, reserved, safety_stock
        ), movement AS (
            INSERT INTO stock_movement ({MOVEMENT_COLUMNS})
            SELECT sku_id, location_id, {_MOVEMENT_VALUES} FROM level WHERE {record_if}
        ){sellable_changed("level")}
        SELECT on_hand, reserved, safety_stock FROM level
        """
    )
