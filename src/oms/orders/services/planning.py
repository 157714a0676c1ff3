"""Plan and reserve: read candidates, ask the routing engine, write the plan, re-plan on a
lost race. Shared by order placement and by later allocations of the same order
(re-routing after a short pick, backorders that can now be met).

Each attempt's write runs under a savepoint taken the one way savepoints are taken here
(``oms.db.savepoints``, which says why it is not ``begin_nested()``).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import TextClause
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.db.savepoints import Savepoint
from oms.domain.errors import Contended
from oms.domain.routing import Allocation, Candidate, Group, Plan, Policy, plan
from oms.inventory.ledger.orders import HoldLineRow
from oms.orders.services.events import EventKind
from oms.orders.services.plan_statement import (
    DayLoadRow,
    FulfilmentLineRow,
    FulfilmentRow,
    OrderEventRow,
    PlanRows,
    RoutingDecisionRow,
)
from oms.orders.services.routing_sql import CANDIDATES, LOCK_CANDIDATE_LEVELS

# A lost race re-plans from fresh figures; the last attempt first locks every candidate
# level (in the global lock order), so its plan cannot lose and placement always ends.
MAX_ATTEMPTS = 3


@dataclasses.dataclass(frozen=True, slots=True)
class NewFulfilment:
    id: uuid.UUID
    delivery_no: int
    location_id: int
    method: str
    destination_location_id: int | None
    awaits_fulfilment_id: uuid.UUID | None
    lines: tuple[tuple[int, int, int], ...]  # (line_no, sku_id, quantity) to be handed over


@dataclasses.dataclass(frozen=True, slots=True)
class Written:
    plan: Plan
    fulfilments: tuple[NewFulfilment, ...]
    row: Row[Any]  # the write statement's outcome (order number, created_at, ...)
    rows: PlanRows  # what was written, besides the order itself
    candidates: list[Candidate]  # what the written plan was made from


async def read_candidates(
    conn: AsyncConnection, sku_ids: Sequence[int], always: Sequence[int], *, lock: bool = False
) -> list[Candidate]:
    """Active locations holding any of ``sku_ids``, plus ``always`` (pickup stores).

    ``lock`` first locks those levels and store loads until the transaction (or the
    savepoint) ends, so the figures read cannot change before the plan is written.
    """
    params = {"sku_ids": list(sku_ids), "always": list(always)}
    if lock:
        await conn.execute(LOCK_CANDIDATE_LEVELS, params)
    return candidates_from_rows(await conn.execute(CANDIDATES, params))


def candidates_from_rows(rows: Iterable[Any]) -> list[Candidate]:
    """Candidates from rows shaped like ``routing_sql.CANDIDATES``."""
    return [
        Candidate(
            location_id=r.id,
            code=r.code,
            kind=r.location_kind,
            lat=r.lat,
            lon=r.lon,
            priority=r.priority,
            capabilities=frozenset(r.capabilities),
            capacity_left=max(0, r.capacity_left),
            available={s: max(0, a) for s, a in zip(r.sku_ids, r.available, strict=True)},
        )
        for r in rows
    ]


def fulfilments_for(plan_: Plan) -> tuple[NewFulfilment, ...]:
    """One fulfilment per allocation; a pickup waiting for transfers hands over their units
    too, so its lines are its own units plus everything sent to it."""
    ids = {index: uuid.uuid4() for index in range(len(plan_.allocations))}
    transfers_to: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, allocation in enumerate(plan_.allocations):
        if allocation.method == "transfer" and allocation.destination_location_id is not None:
            transfers_to[(allocation.delivery_no, allocation.destination_location_id)].append(index)
    made = []
    for index, allocation in enumerate(plan_.allocations):
        lines = _merge(allocation)
        awaits = None
        if allocation.method == "pickup":
            feeding = transfers_to.get((allocation.delivery_no, allocation.location_id), [])
            for other in feeding:
                lines = _merge_more(lines, plan_.allocations[other])
            awaits = ids[feeding[0]] if feeding else None
        made.append(
            NewFulfilment(
                id=ids[index],
                delivery_no=allocation.delivery_no,
                location_id=allocation.location_id,
                method=allocation.method,
                destination_location_id=allocation.destination_location_id,
                awaits_fulfilment_id=awaits,
                lines=lines,
            )
        )
    return tuple(made)


def _merge(allocation: Allocation) -> tuple[tuple[int, int, int], ...]:
    return _merge_more((), allocation)


def _merge_more(
    lines: tuple[tuple[int, int, int], ...], allocation: Allocation
) -> tuple[tuple[int, int, int], ...]:
    totals: dict[tuple[int, int], int] = {(ln, sku): q for ln, sku, q in lines}
    for line in allocation.lines:
        key = (line.line_no, line.sku_id)
        totals[key] = totals.get(key, 0) + line.quantity
    return tuple(sorted((ln, sku, q) for (ln, sku), q in totals.items()))


def plan_rows(
    plan_: Plan,
    fulfilments: Sequence[NewFulfilment],
    location_code: dict[int, str],
    decision: RoutingDecisionRow,
    order_events: Sequence[tuple[str, dict[str, Any]]] = (),
) -> PlanRows:
    """The rows that writing ``plan_`` inserts (``order_events`` have no fulfilment)."""
    reserve: dict[tuple[uuid.UUID, int, int], int] = {}
    for allocation, fulfilment in zip(plan_.allocations, fulfilments, strict=True):
        for line in allocation.lines:  # only what is reserved here now (not transfers in)
            key = (fulfilment.id, line.sku_id, allocation.location_id)
            reserve[key] = reserve.get(key, 0) + line.quantity
    load: dict[int, int] = defaultdict(int)
    for fulfilment in fulfilments:
        load[fulfilment.location_id] += 1
    return PlanRows(
        hold_lines=[
            HoldLineRow(hold_id=hold, sku_id=sku, location_id=location, quantity=quantity)
            for (hold, sku, location), quantity in reserve.items()
        ],
        day_loads=[DayLoadRow(location_id=loc, fulfilments=n) for loc, n in load.items()],
        fulfilments=[
            FulfilmentRow(
                id=f.id,
                location_id=f.location_id,
                method=f.method,
                delivery_no=f.delivery_no,
                destination_location_id=f.destination_location_id,
                awaits_fulfilment_id=f.awaits_fulfilment_id,
            )
            for f in fulfilments
        ],
        fulfilment_lines=[
            FulfilmentLineRow(fulfilment_id=f.id, line_no=ln, sku_id=sku, quantity=q)
            for f in fulfilments
            for ln, sku, q in f.lines
        ],
        events=[
            *(
                OrderEventRow(
                    fulfilment_id=f.id,
                    kind=EventKind.FULFILMENT_CREATED,
                    detail=json.dumps(
                        {
                            "location": location_code.get(f.location_id),
                            "method": f.method,
                            "destination": location_code.get(f.destination_location_id or 0),
                            "units": sum(q for _, _, q in f.lines),
                        }
                    ),
                )
                for f in fulfilments
            ),
            *(
                OrderEventRow(fulfilment_id=None, kind=kind, detail=json.dumps(detail))
                for kind, detail in order_events
            ),
        ],
        decision=decision,
    )


async def plan_and_write(
    conn: AsyncConnection,
    statement: TextClause,
    statement_params: dict[str, Any],
    groups: Sequence[Group],
    candidates: list[Candidate],
    policy: Policy,
    *,
    trigger: str,
    sku_ids: Sequence[int],
    always: Sequence[int],
    accept: Callable[[Plan, list[Candidate]], dict[str, Any]],
    extra_events: Callable[[Plan], list[tuple[EventKind, dict[str, Any]]]] = lambda _: [],
) -> Written | None:
    """Plan, then write under a savepoint; re-plan with fresh figures on a lost race.

    ``statement`` is ``plan_statement.PLACE`` or ``ALLOCATE``; ``statement_params`` are
    its parameters that do not depend on the plan (``:actor``, ``:reference``, ...).
    ``candidates`` come from ``read_candidates(sku_ids, always)``. ``accept`` sees each
    plan before it is written: it raises to refuse it (e.g. a channel that takes no
    backorders) or returns the statement's plan-dependent order parameters
    (``plan_statement.place_params``). Returns None when the statement wrote no order row
    (``PLACE`` lost to a duplicate of the same order).
    """
    attempt_savepoint = Savepoint(conn, "plan_attempt")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            await attempt_savepoint.begin()
            candidates = await read_candidates(conn, sku_ids, always, lock=attempt == MAX_ATTEMPTS)
        location_code = {c.location_id: c.code for c in candidates}
        plan_ = plan(groups, candidates, policy)
        order_params = accept(plan_, candidates)
        fulfilments = fulfilments_for(plan_)
        decision = RoutingDecisionRow(
            trigger=trigger,
            attempts=attempt,
            explanation=msgspec.json.encode(plan_.explanation).decode(),
        )
        rows = plan_rows(plan_, fulfilments, location_code, decision, extra_events(plan_))
        params = {**statement_params, **order_params, **rows.params()}
        if attempt == 1:  # taken this late so a refused plan costs no round trip
            await attempt_savepoint.begin()
        row = (await conn.execute(statement, params)).one()
        if row.orders == 0:
            await attempt_savepoint.rollback()
            return None
        if row.reserved_levels == rows.levels() and row.loaded_locations == len(rows.day_loads):
            # The savepoint stays open: COMMIT releases it, a RELEASE would cost a round trip.
            return Written(plan_, fulfilments, row, rows, candidates)
        await attempt_savepoint.rollback()
    raise Contended("the stock this order needs kept changing; please retry")
