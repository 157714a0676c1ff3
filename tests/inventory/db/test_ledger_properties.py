"""Random sequences of stock operations against a plain Python model of the levels.

Every example starts from a known state (holds released, shelves counted), applies its
operations one by one through the ledger and hold services, and after each one checks
that the database agrees with the model, that reserved equals what active holds hold,
and that the ledger audit is clean. Refused operations must change nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import Location, Sku
from oms.domain.access import Principal, Role
from oms.domain.errors import InsufficientStock, InvalidState
from oms.domain.stock import MovementKind, available, merge_lines
from oms.inventory.ledger import writers as ledger
from oms.inventory.ledger.writers import Source
from oms.inventory.schemas import HoldIn, HoldLineIn
from oms.inventory.services import holds
from oms.inventory.services.audit import run_audit
from tests.support.world import World

ADMIN = Principal(token_id=0, name="property", role=Role.ADMIN)
SOURCE = Source("test", "property", "test:property")
LOCATIONS, SKUS = 2, 3
# Safety stock per level (location, sku): some levels keep units back from holds.
SAFETY = {(0, 0): 0, (0, 1): 1, (0, 2): 0, (1, 0): 2, (1, 1): 0, (1, 2): 0}
Level = tuple[int, int]


@dataclass(frozen=True)
class Small:
    locations: list[Location]
    skus: list[Sku]

    def ids(self, level: Level) -> tuple[int, int]:
        """(sku_id, location_id), the argument order of the ledger functions."""
        return self.skus[level[1]].id, self.locations[level[0]].id


@pytest.fixture(scope="module")
async def small(sessionmaker: async_sessionmaker[AsyncSession]) -> Small:
    world = World(sessionmaker, client=None)  # type: ignore[arg-type]  # no HTTP needed
    locations = [await world.location() for _ in range(LOCATIONS)]
    skus = [await world.sku() for _ in range(SKUS)]
    for (loc, sku), safety in SAFETY.items():
        await world.stock(skus[sku], locations[loc], 1, safety_stock=safety)
    return Small(locations, skus)


# ---- operations --------------------------------------------------------------------------

levels = st.tuples(st.integers(0, LOCATIONS - 1), st.integers(0, SKUS - 1))


@dataclass(frozen=True)
class Receive:
    level: Level
    quantity: int


@dataclass(frozen=True)
class Sell:
    """A walk-in sale: always accepted, may take the shelf below zero."""

    level: Level
    quantity: int


@dataclass(frozen=True)
class Damage:
    level: Level
    quantity: int


@dataclass(frozen=True)
class Count:
    level: Level
    counted: int


@dataclass(frozen=True)
class Reserve:
    location: int
    lines: tuple[tuple[int, int], ...]  # (sku index, quantity); repeats are allowed
    expires: bool


@dataclass(frozen=True)
class Release:
    pick: int


@dataclass(frozen=True)
class Expire:
    pick: int


Op = Receive | Sell | Damage | Count | Reserve | Release | Expire

reservations = st.builds(
    Reserve,
    st.integers(0, LOCATIONS - 1),
    st.lists(st.tuples(st.integers(0, SKUS - 1), st.integers(1, 3)), min_size=1, max_size=4).map(
        tuple
    ),
    st.booleans(),
)
# Holds are drawn twice as often as the rest: releases, expiries and refusals need them.
operations = st.one_of(
    st.builds(Receive, levels, st.integers(1, 8)),
    st.builds(Sell, levels, st.integers(1, 4)),
    st.builds(Damage, levels, st.integers(1, 6)),
    st.builds(Count, levels, st.integers(0, 10)),
    reservations,
    reservations,
    st.builds(Release, st.integers(0, 50)),
    st.builds(Expire, st.integers(0, 50)),
)


# ---- the model ---------------------------------------------------------------------------


@dataclass
class Model:
    on_hand: dict[Level, int]
    reserved: dict[Level, int] = field(default_factory=dict)
    needs_count: dict[Level, bool] = field(default_factory=dict)
    # Hold id -> (location index, {sku index: quantity}), in creation order.
    active: dict[uuid.UUID, tuple[int, dict[int, int]]] = field(default_factory=dict)
    closed: dict[uuid.UUID, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for level in self.on_hand:
            self.reserved.setdefault(level, 0)
            self.needs_count.setdefault(level, False)

    def free(self, level: Level) -> int:
        return available(self.on_hand[level], self.reserved[level], SAFETY[level])

    def close(self, hold_id: uuid.UUID, status: str) -> None:
        loc, lines = self.active.pop(hold_id)
        for sku, quantity in lines.items():
            self.reserved[(loc, sku)] -= quantity
        self.closed[hold_id] = status


# ---- applying one operation --------------------------------------------------------------


async def _apply(sm: async_sessionmaker[AsyncSession], small: Small, model: Model, op: Op) -> None:
    if isinstance(op, Receive | Sell):
        quantity, kind = (
            (op.quantity, MovementKind.RECEIPT)
            if isinstance(op, Receive)
            else (-op.quantity, MovementKind.SALE)
        )
        async with sm() as s, s.begin():
            state = await ledger.add_on_hand(s, *small.ids(op.level), quantity, kind, SOURCE)
        model.on_hand[op.level] += quantity
        model.needs_count[op.level] |= model.on_hand[op.level] < 0
        if model.on_hand[op.level] < 0:
            event("sold below zero")
        assert state.on_hand == model.on_hand[op.level]
    elif isinstance(op, Damage):
        allowed = model.on_hand[op.level] - model.reserved[op.level] >= op.quantity
        async with sm() as s, s.begin():
            taken = await ledger.take_free_on_hand(
                s, *small.ids(op.level), op.quantity, MovementKind.DAMAGE, SOURCE
            )
        # Units promised to a hold cannot be written off; refusal is "no row", not an error.
        assert (taken is not None) == allowed, (op, model)
        event(f"damage {'taken' if allowed else 'refused'}")
        if allowed:
            model.on_hand[op.level] -= op.quantity
    elif isinstance(op, Count):
        async with sm() as s, s.begin():
            state, delta = await ledger.set_on_hand(s, *small.ids(op.level), op.counted, SOURCE)
        assert delta == op.counted - model.on_hand[op.level]
        model.on_hand[op.level] = op.counted
        model.needs_count[op.level] = False
        assert state.on_hand == op.counted
        if op.counted < model.reserved[op.level]:
            event("counted below reserved")
    elif isinstance(op, Reserve):
        await _reserve(sm, small, model, op)
    else:
        await _close(sm, small, model, op)


async def _reserve(
    sm: async_sessionmaker[AsyncSession], small: Small, model: Model, op: Reserve
) -> None:
    merged = merge_lines(op.lines)
    short = [
        {
            "sku": small.skus[sku].code,
            "requested": quantity,
            "available": model.free((op.location, sku)),
        }
        for sku, quantity in merged
        if model.free((op.location, sku)) < quantity
    ]
    data = HoldIn(
        location=small.locations[op.location].code,
        lines=[HoldLineIn(sku=small.skus[sku].code, quantity=q) for sku, q in op.lines],
        expires_in_seconds=3600 if op.expires else None,
    )
    if short:
        with pytest.raises(InsufficientStock) as refused:
            async with sm() as s, s.begin():
                await holds.create_hold(s, ADMIN, data)
        assert refused.value.extra["lines"] == short
        event("reserve refused")
        return
    async with sm() as s, s.begin():
        hold = await holds.create_hold(s, ADMIN, data)
    assert [(line.sku, line.quantity) for line in hold.lines] == [
        (small.skus[sku].code, q) for sku, q in merged
    ]
    event("reserve accepted")
    model.active[hold.id] = (op.location, dict(merged))
    for sku, quantity in merged:
        model.reserved[(op.location, sku)] += quantity


async def _close(
    sm: async_sessionmaker[AsyncSession], small: Small, model: Model, op: Release | Expire
) -> None:
    if isinstance(op, Release):
        # Any hold of this example, closed ones included: those must be refused.
        known = [*model.active, *model.closed]
        if not known:
            return
        hold_id = known[op.pick % len(known)]
        if hold_id in model.closed:
            with pytest.raises(InvalidState):
                async with sm() as s, s.begin():
                    await holds.release_hold(s, ADMIN, hold_id)
            event("second close refused")
            return
        async with sm() as s, s.begin():
            out = await holds.release_hold(s, ADMIN, hold_id)
        assert out.status == "released"
        model.close(hold_id, "released")
        return
    if not model.active:
        return
    active = list(model.active)
    hold_id = active[op.pick % len(active)]
    # Time travel for one hold only: the sweeper must pick it up and nothing of ours else.
    async with sm() as s, s.begin():
        await s.execute(
            text("UPDATE hold SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": hold_id},
        )
    for _ in range(100):
        async with sm() as s, s.begin():
            swept = await holds.release_expired_holds(s, limit=1000)
            status = await s.scalar(text("SELECT status FROM hold WHERE id = :id"), {"id": hold_id})
        if status != "active" or swept == 0:
            break
    assert status == "expired"
    event("hold expired")
    model.close(hold_id, "expired")


# ---- checking the database against the model --------------------------------------------

_LEVELS = text(
    """
    SELECT l.location_id, l.sku_id, l.on_hand, l.reserved, l.safety_stock, l.needs_count,
           coalesce((SELECT sum(hl.quantity) FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
                      WHERE h.status = 'active' AND hl.sku_id = l.sku_id
                        AND hl.location_id = l.location_id), 0) AS held
      FROM inventory_level l
     WHERE l.location_id = ANY(:location_ids) AND l.sku_id = ANY(:sku_ids)
    """
)


async def _check(sm: async_sessionmaker[AsyncSession], small: Small, model: Model) -> None:
    index_of_location = {loc.id: i for i, loc in enumerate(small.locations)}
    index_of_sku = {sku.id: i for i, sku in enumerate(small.skus)}
    async with sm() as s:
        rows = (
            await s.execute(
                _LEVELS,
                {"location_ids": list(index_of_location), "sku_ids": list(index_of_sku)},
            )
        ).all()
        statuses: dict[uuid.UUID, str] = dict(
            (
                await s.execute(
                    text("SELECT id, status FROM hold WHERE id = ANY(:ids)"),
                    {"ids": [*model.active, *model.closed]},
                )
            ).all()
        )
    seen = {}
    for row in rows:
        level = (index_of_location[row.location_id], index_of_sku[row.sku_id])
        seen[level] = (row.on_hand, row.reserved, row.safety_stock, row.needs_count)
        assert row.reserved >= 0, row
        assert row.reserved == row.held, f"reserved is not what active holds hold: {row}"
    expected = {
        level: (
            model.on_hand[level],
            model.reserved[level],
            SAFETY[level],
            model.needs_count[level],
        )
        for level in model.on_hand
    }
    assert seen == expected
    assert statuses == {
        **dict.fromkeys(model.active, "active"),
        **model.closed,
    }
    async with sm() as s, s.begin():
        report = await run_audit(s)
    codes = {loc.code for loc in small.locations}
    assert [m for m in report.ledger_mismatches if m.location in codes] == []
    assert [m for m in report.hold_mismatches if m.location in codes] == []
    assert report.ok, report


async def _reset(sm: async_sessionmaker[AsyncSession], small: Small, start: list[int]) -> Model:
    """Release what earlier examples left held and count every shelf to ``start``."""
    async with sm() as s, s.begin():
        leftover = (
            await s.scalars(
                text("SELECT id FROM hold WHERE status = 'active' AND location_id = ANY(:ids)"),
                {"ids": [loc.id for loc in small.locations]},
            )
        ).all()
        for hold_id in leftover:
            await holds.release_hold(s, ADMIN, hold_id)
        for level, counted in zip(SAFETY, start, strict=True):
            await ledger.set_on_hand(s, *small.ids(level), counted, SOURCE)
    return Model(on_hand=dict(zip(SAFETY, start, strict=True)))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.lists(st.integers(0, 10), min_size=len(SAFETY), max_size=len(SAFETY)),
    ops=st.lists(operations, min_size=6, max_size=30),
)
# A refused hold once reported its earlier, satisfiable lines as short too (their levels
# already carried this transaction's own reservation).
@example(start=[0, 3, 0, 0, 0, 0], ops=[Reserve(0, ((1, 2), (2, 1)), expires=False)])
async def test_random_operations_keep_levels_holds_and_ledger_in_agreement(
    sessionmaker: async_sessionmaker[AsyncSession], small: Small, start: list[int], ops: list[Op]
) -> None:
    model = await _reset(sessionmaker, small, start)
    await _check(sessionmaker, small, model)
    for op in ops:
        await _apply(sessionmaker, small, model, op)
        await _check(sessionmaker, small, model)
