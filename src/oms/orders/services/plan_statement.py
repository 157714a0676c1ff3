"""The statement that writes a plan, one round trip per attempt: ``PLACE`` for a new order,
``ALLOCATE`` for more units of an existing one (re-routing, backorders, edits).

Every table it writes has one typed row below (its fields are the table's columns, see
``oms.db.unnest``); ``PlanRows.params`` and ``place_params`` turn rows into parameters, so
a column list, its parameters and the code filling them cannot disagree.

Map: each CTE, what feeds it, what it writes. (1)-(3) are the ordering tricks.

    want ............ HoldLineRow[] (hl_*)          -         } the stock gate's part,
    need ............ want                          -         } ``inventory.ledger.orders``
    locked .......... need                          row locks on inventory_level (1)
    reserved ........ need, locked (1)              inventory_level.reserved, guarded
    movements ....... want, reserved                stock_movement 'reserve'
    load_want ....... DayLoadRow[] (ld_*)           -
    load ............ load_want, reserved (2)       location_day_load, capped by capacity
    ord ............. SalesOrderRow (o_*) | :order_id   sales_order (PLACE, ON CONFLICT) (3)
    order_lines ..... ord, OrderLineRow[] (ol_*)    order_line (PLACE only)
    new_fulfilments . ord, FulfilmentRow[] (f_*)    fulfilment
    fulfilment_lines  ord, FulfilmentLineRow[] (fl_*)   fulfilment_line
    holds ........... ord, want                     hold: one per fulfilment reserving stock
    hold_lines ...... ord, want                     hold_line
    decision ........ ord, RoutingDecisionRow (rd_*)    routing_decision
    events .......... ord, OrderEventRow[] (e_*)    order_event
    SELECT .......... counts of ord, reserved, load: what the caller checks

(1) ``reserved`` reads ``locked`` through a scalar subquery, which PostgreSQL evaluates
    before the UPDATE touches a row: the levels are locked in (location, SKU) order, the
    global lock order, rather than in the join's order. Without it, concurrent placements
    deadlock (about 135 of 500 in ``tests/orders/db/test_order_concurrency.py::
    test_500_concurrent_orders_on_hot_skus_never_oversell``).
(2) ``load`` reads ``reserved`` the same way, so a store's day load is locked after every
    level (levels, then loads, is the order every writer uses). No test fails without it
    today, only because the final SELECT happens to read ``reserved`` before ``load``;
    the subquery is what makes that order certain.
(3) Everything that belongs to the order is selected ``FROM ord``: a duplicate (channel,
    external id) leaves ``ord`` empty and none of it is written; the caller then rolls the
    reservations back with its savepoint (exercised by ``test_the_same_marketplace_order_
    sent_20_times_at_once_is_one_order`` in the same file).

The caller (``planning.plan_and_write``) runs it under a savepoint: if fewer levels were
reserved or fewer stores loaded than planned, it rolls back to the savepoint (releasing the
locks) and plans again from fresh figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy import TextClause, text

from oms.db.unnest import Row, Rows, TableRow
from oms.inventory.ledger.orders import HOLD_LINES, RESERVE_CTES, HoldLineRow


class DayLoadRow(TableRow, frozen=True, kw_only=True):
    """``location_day_load``: fulfilments a store takes on today (its local day)."""

    location_id: Annotated[int, "bigint"]
    fulfilments: Annotated[int, "int"]


class SalesOrderRow(TableRow, frozen=True, kw_only=True):
    """``sales_order``: a new order (``placed_by`` is the statement's ``:actor``)."""

    id: Annotated[uuid.UUID, "uuid"]
    channel_id: Annotated[int, "bigint"]
    external_id: Annotated[str, "text"]
    customer_id: Annotated[uuid.UUID, "uuid"]
    customer_name: Annotated[str, "text"]
    email: Annotated[str | None, "text"]
    phone: Annotated[str | None, "text"]
    currency: Annotated[str, "text"]
    total_amount: Annotated[int, "bigint"]
    status: Annotated[str, "text"]
    deliveries: Annotated[str, "jsonb"]  # JSON text
    tracking_token: Annotated[str, "text"]
    intake_fingerprint: Annotated[bytes, "bytea"]
    language: Annotated[str | None, "text"]


class OrderLineRow(TableRow, frozen=True, kw_only=True):
    """``order_line`` of the new order."""

    line_no: Annotated[int, "smallint"]
    sku_id: Annotated[int, "bigint"]
    quantity: Annotated[int, "int"]
    unit_price: Annotated[int, "bigint"]
    delivery_no: Annotated[int, "smallint"]
    quantity_cancelled: Annotated[int, "int"]
    quantity_backordered: Annotated[int, "int"]


class FulfilmentRow(TableRow, frozen=True, kw_only=True):
    """``fulfilment``, created ``pending``."""

    id: Annotated[uuid.UUID, "uuid"]
    location_id: Annotated[int, "bigint"]
    method: Annotated[str, "text"]
    delivery_no: Annotated[int, "smallint"]
    destination_location_id: Annotated[int | None, "bigint"]
    awaits_fulfilment_id: Annotated[uuid.UUID | None, "uuid"]


class FulfilmentLineRow(TableRow, frozen=True, kw_only=True):
    fulfilment_id: Annotated[uuid.UUID, "uuid"]
    line_no: Annotated[int, "smallint"]
    sku_id: Annotated[int, "bigint"]
    quantity: Annotated[int, "int"]


class RoutingDecisionRow(TableRow, frozen=True, kw_only=True):
    trigger: Annotated[str, "text"]
    attempts: Annotated[int, "smallint"]
    explanation: Annotated[str, "jsonb"]  # JSON text


class OrderEventRow(TableRow, frozen=True, kw_only=True):
    """``order_event`` (its ``actor`` is the statement's ``:actor``)."""

    fulfilment_id: Annotated[uuid.UUID | None, "uuid"]
    kind: Annotated[str, "text"]
    detail: Annotated[str, "jsonb"]  # JSON text


DAY_LOADS = Rows(DayLoadRow, "ld")
SALES_ORDER = Row(SalesOrderRow, "o")
ORDER_LINES = Rows(OrderLineRow, "ol")
FULFILMENTS = Rows(FulfilmentRow, "f")
FULFILMENT_LINES = Rows(FulfilmentLineRow, "fl")
DECISION = Row(RoutingDecisionRow, "rd")
EVENTS = Rows(OrderEventRow, "e")


@dataclass(frozen=True, slots=True)
class PlanRows:
    """What writing one plan inserts, besides the order itself."""

    hold_lines: list[HoldLineRow]
    day_loads: list[DayLoadRow]
    fulfilments: list[FulfilmentRow]
    fulfilment_lines: list[FulfilmentLineRow]
    events: list[OrderEventRow]
    decision: RoutingDecisionRow

    def levels(self) -> int:
        """Levels the plan reserves at: ``reserved`` must return this many rows."""
        return len({(r.location_id, r.sku_id) for r in self.hold_lines})

    def params(self) -> dict[str, Any]:
        """The rows as the plan statement's bound parameters: one array per column, scalars for
        the routing decision's one row."""
        return {
            **HOLD_LINES.params(self.hold_lines),
            **DAY_LOADS.params(self.day_loads),
            **FULFILMENTS.params(self.fulfilments),
            **FULFILMENT_LINES.params(self.fulfilment_lines),
            **EVENTS.params(self.events),
            **DECISION.params(self.decision),
        }


def place_params(order: SalesOrderRow, lines: list[OrderLineRow]) -> dict[str, Any]:
    """``PLACE``'s own parameters, besides ``PlanRows.params`` and ``:actor``/``:reference``."""
    return {**SALES_ORDER.params(order), **ORDER_LINES.params(lines)}


_LOAD_CTES = f"""
    load_want AS (
        SELECT * FROM {DAY_LOADS.source}
    ), load AS (
        -- (2) after every level: the scalar subquery makes ``reserved`` run first.
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
    )"""

# Fulfilments, their holds and lines, the decision and the timeline, for order ``ord``.
_PLAN_CTES = f"""
    new_fulfilments AS (
        INSERT INTO fulfilment (order_id, state, {FULFILMENTS.columns})
        SELECT ord.id, 'pending', f.* FROM ord, {FULFILMENTS.source}
    ), fulfilment_lines AS (
        INSERT INTO fulfilment_line ({FULFILMENT_LINES.columns})
        SELECT fl.* FROM ord, {FULFILMENT_LINES.source}
    ), holds AS (
        INSERT INTO hold (id, location_id, status, purpose, reference, actor)
        SELECT DISTINCT ON (w.hold_id) w.hold_id, w.location_id, 'active', 'order',
               :reference, :actor
          FROM ord, want w
    ), hold_lines AS (
        INSERT INTO hold_line ({HOLD_LINES.columns})
        SELECT w.* FROM ord, want w
    ), decision AS (
        INSERT INTO routing_decision (order_id, {DECISION.columns})
        SELECT ord.id, {DECISION.values} FROM ord
    ), events AS (
        INSERT INTO order_event (order_id, actor, {EVENTS.columns})
        SELECT ord.id, :actor, e.* FROM ord, {EVENTS.source}
    )"""

_OUTCOME = """
    SELECT (SELECT count(*) FROM ord) AS orders,
           (SELECT count(*) FROM reserved) AS reserved_levels,
           (SELECT count(*) FROM load) AS loaded_locations
    """


def _statement(order_cte: str, order_children: str = "", extra: str = "") -> TextClause:
    children = f", {order_children}" if order_children else ""
    return text(
        f"WITH {RESERVE_CTES}, {_LOAD_CTES}, ord AS ({order_cte}){children}, {_PLAN_CTES}"
        f" {_OUTCOME} {extra}"
    )


# A new order: it and its lines are written only if (channel, external id) is new;
# otherwise ``ord`` is empty, nothing that hangs off it is written, and the caller rolls
# back to its savepoint and answers with the order that won.
PLACE = _statement(
    f"""
        INSERT INTO sales_order (placed_by, {SALES_ORDER.columns})
        VALUES (:actor, {SALES_ORDER.values})
        ON CONFLICT (channel_id, external_id) DO NOTHING
        RETURNING id, number, created_at
    """,
    f"""
    order_lines AS (
        INSERT INTO order_line (order_id, {ORDER_LINES.columns})
        SELECT ord.id, ol.* FROM ord, {ORDER_LINES.source}
    )""",
    ", (SELECT number FROM ord) AS number, (SELECT created_at FROM ord) AS created_at",
)

# More units of an existing order (re-routing after a short pick, backorders, edits).
ALLOCATE = _statement("SELECT CAST(:order_id AS uuid) AS id")
