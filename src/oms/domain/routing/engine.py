"""The routing engine: where each delivery group of an order is fulfilled from, and why.

``plan`` is pure and runs on the order placement path: it reads the candidates as given,
keeps what it takes (stock and daily capacity) on the side so later groups of the same
order see it, and writes an explanation (``explanation.Explanation``) with every
candidate's status and reason. Pickup comes from the customer's store only, topped up by
transfers when the channel allows them; when it cannot be met, nothing is allocated for
the group and the nearest stores that have everything are offered instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from msgspec import UNSET

from oms.domain.geo import Point, haversine_km, rounded_km
from oms.domain.routing.explanation import (
    AllocationEntry,
    Alternative,
    CandidateEntry,
    Explanation,
    GroupExplanation,
    LineQuantity,
    Outcome,
)
from oms.domain.routing.model import (
    AllocatedLine,
    Allocation,
    AllocationMethod,
    Candidate,
    Demand,
    Group,
    Method,
    Plan,
    Policy,
)
from oms.domain.routing.ranking import (
    SHIP_WORDS,
    TRANSFER_WORDS,
    Fill,
    Stock,
    choose,
    explain,
    fill,
    need,
    screen,
    subtract,
)
from oms.domain.routing.rules import RuleSet, compile_rules

MAX_ALTERNATIVES = 5

# (location, method, lines, destination) before they become Allocations
_Part = tuple[Candidate, AllocationMethod, Fill, Candidate | None]
_Worked = tuple[list[_Part], list[Demand], GroupExplanation]


class _Context:
    __slots__ = ("by_id", "candidates", "max_split", "rules", "stock", "transfer")

    def __init__(self, candidates: Sequence[Candidate], policy: Policy) -> None:
        self.candidates = candidates
        self.by_id = {c.location_id: c for c in candidates}
        self.rules: RuleSet = compile_rules(policy.rules)
        self.max_split = max(1, policy.max_split)
        self.transfer = policy.transfer_to_store
        self.stock = Stock(policy.eligible_location_ids)


def plan(groups: Sequence[Group], candidates: Sequence[Candidate], policy: Policy) -> Plan:
    """Allocate every group's demand to locations under the channel's policy.

    ``policy.rules`` must have passed ``validate_rules`` (or be empty for the default).
    """
    ctx = _Context(candidates, policy)
    allocations: list[Allocation] = []
    unallocated: list[tuple[int, Demand]] = []
    shown: list[GroupExplanation] = []
    for group in groups:
        demand = [d for d in group.demand if d.quantity > 0]
        if group.delivery.method == "pickup":
            parts, missing, entry = _pickup(ctx, group, demand)
        else:
            parts, missing, entry = _ship(ctx, group, demand)
        made = []
        for cand, method, lines, destination in parts:
            ctx.stock.take(cand.location_id, lines)
            made.append(
                AllocationEntry(
                    location=cand.code,
                    method=method,
                    lines=[LineQuantity(line=n, quantity=q) for n, _, q in lines],
                    destination=None if destination is None else destination.code,
                )
            )
            allocations.append(
                Allocation(
                    group.delivery_no,
                    cand.location_id,
                    method,
                    tuple(AllocatedLine(n, sku, q) for n, sku, q in lines),
                    None if destination is None else destination.location_id,
                )
            )
        unallocated.extend((group.delivery_no, d) for d in missing)
        entry.delivery = group.delivery_no
        entry.outcome = _outcome(bool(parts), bool(missing))
        entry.allocations = made
        entry.unallocated = [LineQuantity(line=d.line_no, quantity=d.quantity) for d in missing]
        shown.append(entry)
    explanation = Explanation(
        default_rules=ctx.rules.default,
        max_split=ctx.max_split,
        transfer_to_store=ctx.transfer,
        groups=shown,
    )
    return Plan(tuple(allocations), tuple(unallocated), explanation)


def _group_entry(ctx: _Context, method: Method, notes: list[str]) -> GroupExplanation:
    return GroupExplanation(
        method=method,
        pickup_store=None if method == "pickup" else UNSET,
        rules=ctx.rules.shown,
        notes=notes,
    )


def _distance_notes(ctx: _Context, notes: list[str]) -> None:
    notes.append("no coordinates for the delivery address: distance is unknown and not used")
    for rule in ctx.rules.filters:
        if rule.name == "max_distance_km":
            notes.append(f"rule {rule.index} (within {rule.km:g} km) not applied")


def _ship(ctx: _Context, group: Group, demand: list[Demand]) -> _Worked:
    delivery = group.delivery
    notes: list[str] = []
    origin = None
    if delivery.lat is not None and delivery.lon is not None:
        origin = Point(delivery.lat, delivery.lon)
    else:
        _distance_notes(ctx, notes)
    entry = _group_entry(ctx, "ship", notes)
    options, skipped = screen(ctx.stock, ctx.candidates, demand, origin, ctx.rules)
    chosen, missing = choose(options, demand, ctx.max_split)
    explain(options, chosen, missing, ctx.rules.sorts, ctx.max_split, SHIP_WORDS)
    entry.candidates = [o.entry for o in options] + skipped
    parts: list[_Part] = [(o.cand, "ship", lines, None) for o, lines in chosen]
    return parts, missing, entry


def _pickup(ctx: _Context, group: Group, demand: list[Demand]) -> _Worked:
    notes: list[str] = []
    entry = _group_entry(ctx, "pickup", notes)
    store = ctx.by_id.get(group.delivery.pickup_location_id or 0)
    entry.pickup_store = None if store is None else store.code
    if not demand:
        return [], [], entry
    if store is None:
        notes.append("the chosen pickup store is not among the locations open for routing")
        entry.alternatives = _alternatives(ctx, None, demand)
        return [], demand, entry
    stock = ctx.stock
    avail = {sku: stock.available(store, sku) for sku in need(demand)}
    here = fill(avail, demand)
    capacity = stock.capacity_left(store)
    own = CandidateEntry(
        location=store.code,
        kind=store.kind,
        role="pickup store",
        distance_km=None,
        priority=store.priority,
        capacity_left=max(0, capacity),
        can_supply={str(n): q for n, _, q in here},
    )
    entry.candidates = [own]
    if "pickup" not in store.capabilities:
        own.reason = "no pickup capability"
    elif not stock.is_eligible(store):
        own.reason = "not eligible for this channel"
    elif capacity <= 0:
        own.reason = "at daily capacity"
    else:
        missing = subtract(demand, here)
        if not missing:
            own.status = "chosen"
            own.reason = "the customer's store; has everything"
            return [(store, "pickup", here, None)], [], entry
        short = _shortfall(missing)
        if not ctx.transfer:
            own.reason = f"{short}; this channel does not transfer stock to stores"
        else:
            parts = _transfers(ctx, store, missing, entry)
            if parts is not None:
                has = sum(q for *_, q in here)
                own.status = "chosen"
                own.reason = (
                    f"the customer's store; has {has} of {has + _units(missing)} units, "
                    "the rest comes by transfer"
                )
                return [(store, "pickup", here, None), *parts], [], entry
            own.reason = f"{short}; transfers cannot cover it"
    entry.alternatives = _alternatives(ctx, store, demand)
    return [], demand, entry


def _transfers(
    ctx: _Context, store: Candidate, missing: list[Demand], entry: GroupExplanation
) -> list[_Part] | None:
    """Transfers that bring the store everything it lacks, or None when they cannot."""
    origin = ctx.stock.point(store)
    options, skipped = screen(
        ctx.stock,
        ctx.candidates,
        missing,
        origin,
        ctx.rules,
        skip_id=store.location_id,
        role="transfer source",
    )
    chosen, still = choose(options, missing, ctx.max_split)
    explain(options, chosen, still, ctx.rules.sorts, ctx.max_split, TRANSFER_WORDS)
    entry.candidates.extend([o.entry for o in options] + skipped)
    if still:
        for option, lines in chosen:
            option.entry.status = "skipped"
            option.entry.reason = (
                f"could send {sum(q for *_, q in lines)} units, but transfers cannot "
                "complete the pickup"
            )
        return None
    return [(o.cand, "transfer", lines, store) for o, lines in chosen]


def _alternatives(
    ctx: _Context, store: Candidate | None, demand: list[Demand]
) -> list[Alternative]:
    """Up to five other pickup stores that have everything now, nearest to the chosen one.

    Without the chosen store's position, location priority then code orders them.
    """
    stock = ctx.stock
    skus = need(demand)
    origin = None if store is None else stock.point(store)
    found: list[tuple[float, str, float | None]] = []
    for cand in ctx.candidates:
        if store is not None and cand.location_id == store.location_id:
            continue
        if "pickup" not in cand.capabilities or not stock.is_eligible(cand):
            continue
        if stock.capacity_left(cand) <= 0:
            continue
        if any(stock.available(cand, sku) < q for sku, q in skus.items()):
            continue
        if origin is None:
            found.append((float(cand.priority), cand.code, None))
        else:
            distance = haversine_km(origin, stock.point(cand))
            found.append((distance, cand.code, distance))
    best = heapq.nsmallest(MAX_ALTERNATIVES, found)
    return [
        Alternative(location=code, distance_km=None if d is None else rounded_km(d))
        for _, code, d in best
    ]


def _outcome(allocated: bool, missing: bool) -> Outcome:
    if not missing:
        return "complete"
    return "partial" if allocated else "unallocated"


def _units(demand: Sequence[Demand]) -> int:
    return sum(d.quantity for d in demand)


def _shortfall(missing: Sequence[Demand]) -> str:
    lines = ", ".join(str(d.line_no) for d in missing)
    word = "line" if len(missing) == 1 else "lines"
    return f"short of {_units(missing)} units ({word} {lines})"
