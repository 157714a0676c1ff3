"""Choosing sources for some demand: screen candidates, rank them, pick, explain each.

Shared by shipping (sources ship to the customer) and transfer-to-store (sources send to
the pickup store). One location that has everything wins over any split; otherwise a
greedy split takes, step by step, the location that covers most of what is still missing
(ties by rank), up to the channel's split limit. A line may be split over locations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from msgspec import UNSET

from oms.domain.geo import Point, haversine_km, rounded_km
from oms.domain.routing.explanation import CandidateEntry, Role
from oms.domain.routing.model import Candidate, Demand
from oms.domain.routing.rules import RuleSet, Sort

# (line_no, sku_id, quantity): cheaper than building value objects for every candidate.
Fill = list[tuple[int, int, int]]


class Stock:
    """What this plan has already taken, shared by all the groups of one order.

    Candidates' own figures are never copied: usage is kept on the side.
    """

    __slots__ = ("capacity", "eligible", "points", "units")

    def __init__(self, eligible: frozenset[int] | None) -> None:
        self.units: dict[tuple[int, int], int] = {}
        self.capacity: dict[int, int] = {}
        self.points: dict[int, Point] = {}
        self.eligible = eligible

    def available(self, cand: Candidate, sku_id: int) -> int:
        """Units of the SKU the candidate has left after what this plan already took, at least 0."""
        left = cand.available.get(sku_id, 0) - self.units.get((cand.location_id, sku_id), 0)
        return max(0, left)

    def capacity_left(self, cand: Candidate) -> int:
        """Allocations the candidate can still take today after this plan's (may be negative)."""
        return cand.capacity_left - self.capacity.get(cand.location_id, 0)

    def is_eligible(self, cand: Candidate) -> bool:
        """Whether the channel lets this candidate fulfil (every location when unrestricted)."""
        return self.eligible is None or cand.location_id in self.eligible

    def point(self, cand: Candidate) -> Point:
        """The candidate's coordinates, built once per location."""
        point = self.points.get(cand.location_id)
        if point is None:
            point = self.points[cand.location_id] = Point(cand.lat, cand.lon)
        return point

    def take(self, location_id: int, lines: Iterable[tuple[int, int, int]]) -> None:
        """One allocation at the location: one unit of capacity and its stock."""
        self.capacity[location_id] = self.capacity.get(location_id, 0) + 1
        for _, sku_id, quantity in lines:
            key = (location_id, sku_id)
            self.units[key] = self.units.get(key, 0) + quantity


class Words(NamedTuple):
    """How reasons read for shipping or for transfers to a store."""

    whole: str  # the source has all of the demand
    other: str  # another source has all of it
    verb: str


SHIP_WORDS = Words("has everything", "another location ships everything", "ships")
TRANSFER_WORDS = Words(
    "has everything the store lacks", "another location sends everything the store lacks", "sends"
)

# Why the chosen location ranks first (superlative) or above another (comparative), by the
# first sort that told them apart; "code" is the final tie-break.
_BEST = {
    "complete": "the only one with everything",
    "distance": "nearest",
    "priority": "best priority",
    "most_stock": "most stock",
    "code": "equal on every rule, first by location code",
}
_BETTER = {
    "complete": "has everything",
    "distance": "is nearer",
    "priority": "has a better priority",
    "most_stock": "has more stock",
    "code": "is equal on every rule and comes first by location code",
}


class Option:
    """A candidate that passed every check for this demand, with its ranking key."""

    __slots__ = ("avail", "cand", "entry", "key", "units")

    def __init__(
        self, cand: Candidate, avail: dict[int, int], units: int, entry: CandidateEntry
    ) -> None:
        self.cand = cand
        self.avail = avail
        self.units = units
        self.entry = entry
        self.key: tuple[Any, ...] = ()


def fill(avail: Mapping[int, int], demand: Sequence[Demand]) -> Fill:
    """What a location can take of the demand, line by line; lines share a SKU's stock."""
    left = dict(avail)
    out: Fill = []
    for d in demand:
        have = left.get(d.sku_id, 0)
        quantity = have if have < d.quantity else d.quantity
        if quantity > 0:
            out.append((d.line_no, d.sku_id, quantity))
            left[d.sku_id] = have - quantity
    return out


def need(demand: Sequence[Demand]) -> dict[int, int]:
    """Units wanted per SKU id, summed over the demand's lines."""
    totals: dict[int, int] = {}
    for d in demand:
        totals[d.sku_id] = totals.get(d.sku_id, 0) + d.quantity
    return totals


def subtract(demand: Sequence[Demand], taken: Fill) -> list[Demand]:
    """The demand left once ``taken`` is placed."""
    by_line = {line_no: quantity for line_no, _, quantity in taken}
    out = []
    for d in demand:
        left = d.quantity - by_line.get(d.line_no, 0)
        if left > 0:
            out.append(d if left == d.quantity else Demand(d.line_no, d.sku_id, left))
    return out


def screen(
    stock: Stock,
    candidates: Sequence[Candidate],
    demand: Sequence[Demand],
    origin: Point | None,
    rules: RuleSet,
    *,
    skip_id: int | None = None,
    role: Role | None = None,
) -> tuple[list[Option], list[CandidateEntry]]:
    """Ranked options that may supply the demand, and the explanation of every other one.

    ``role`` labels each explanation entry (transfer sources, next to the pickup store).
    """
    skus = need(demand)
    total = sum(skus.values())
    options: list[Option] = []
    skipped: list[CandidateEntry] = []
    fresh = not stock.units  # the first group of a plan: nothing taken yet
    for cand in candidates:
        if cand.location_id == skip_id:
            continue
        if fresh:
            have = cand.available
            avail = {sku: max(0, have.get(sku, 0)) for sku in skus}
        else:
            avail = {sku: stock.available(cand, sku) for sku in skus}
        can = fill(avail, demand)
        units = sum(q for _, _, q in can)
        distance = haversine_km(origin, stock.point(cand)) if origin is not None else None
        capacity = stock.capacity_left(cand)
        entry = CandidateEntry(
            location=cand.code,
            kind=cand.kind,
            role=UNSET if role is None else role,
            distance_km=None if distance is None else rounded_km(distance),
            priority=cand.priority,
            capacity_left=max(0, capacity),
            can_supply={str(line_no): q for line_no, _, q in can},
        )
        reason: str | None = None
        if "ship_from" not in cand.capabilities:
            reason = "no ship_from capability"
        elif not stock.is_eligible(cand):
            reason = "not eligible for this channel"
        elif capacity <= 0:
            reason = "at daily capacity"
        else:
            for rule in rules.filters:
                reason = rule.rejects(cand.code, cand.kind, distance)
                if reason is not None:
                    break
            else:
                if units == 0:
                    reason = "no stock for these lines"
        if reason is not None:
            entry.reason = reason
            skipped.append(entry)
            continue
        option = Option(cand, avail, units, entry)
        option.key = _key(option, rules.sorts, units == total, distance)
        options.append(option)
    options.sort(key=lambda o: o.key)
    return options, skipped


def _key(option: Option, sorts: Sequence[Sort], complete: bool, distance: float | None) -> Any:
    cand = option.cand
    parts: list[Any] = []
    for sort in sorts:
        if sort.name == "complete":
            parts.append(not complete)
        elif sort.name == "distance":
            parts.append(distance or 0.0)  # unknown for everyone: no effect
        elif sort.name == "priority":
            parts.append(cand.priority)
        elif sort.name == "kind":
            parts.append(cand.kind != sort.first)
        else:  # most_stock
            parts.append(-sum(option.avail.values()))
    parts.append(cand.code)
    parts.append(cand.location_id)
    return tuple(parts)


def choose(
    options: Sequence[Option], demand: Sequence[Demand], max_parts: int
) -> tuple[list[tuple[Option, Fill]], list[Demand]]:
    """The chosen sources with what each supplies, and the demand nobody could take."""
    total = sum(d.quantity for d in demand)
    for option in options:
        if option.units == total:  # the best-ranked location with everything: no split
            return [(option, fill(option.avail, demand))], []
    parts: list[tuple[Option, Fill]] = []
    pool = list(options)
    remaining: list[Demand] = list(demand)
    while remaining and len(parts) < max_parts:
        missing = need(remaining)
        best, best_cover = None, 0
        for option in pool:
            cover = _cover(option.avail, missing)
            if cover > best_cover:  # strictly more: ties keep the better-ranked one
                best, best_cover = option, cover
        if best is None:
            break
        taken = fill(best.avail, remaining)
        parts.append((best, taken))
        pool.remove(best)
        remaining = subtract(remaining, taken)
    return parts, remaining


def _cover(avail: Mapping[int, int], missing: Mapping[int, int]) -> int:
    return sum(min(avail.get(sku, 0), quantity) for sku, quantity in missing.items())


def explain(
    options: Sequence[Option],
    parts: Sequence[tuple[Option, Fill]],
    missing: Sequence[Demand],
    sorts: Sequence[Sort],
    max_parts: int,
    words: Words,
) -> None:
    """Set each option's status and reason in its explanation entry."""
    if not parts:
        for option in options:
            option.entry.reason = "nothing it has is still missing"
        return
    chosen = {id(option) for option, _ in parts}
    first = parts[0][0]
    if len(parts) == 1 and not missing:  # one location has everything: no split
        rivals = [o for o in options if o is not first and o.units == first.units]
        if rivals:
            rule = _told_apart(first.key, rivals[0].key, sorts)
            why = _BEST.get(rule, f"{rule} first")
        else:
            why = "the only one that does"
        first.entry.status = "chosen"
        first.entry.reason = f"{words.whole}; {why}"
        for option in options:
            if option is first:
                continue
            if option.units == first.units:
                rule = _told_apart(first.key, option.key, sorts)
                better = _BETTER.get(rule, f"is a {rule}")
                option.entry.reason = f"{words.whole} too, but {first.cand.code} {better}"
            else:
                option.entry.reason = words.other
        return
    count = len(parts)
    still = sum(d.quantity for d in missing) if missing else 0
    for i, (option, taken) in enumerate(parts, 1):
        units = sum(q for _, _, q in taken)
        option.entry.status = "chosen"
        if count == 1:
            option.entry.reason = (
                f"no location has everything; {words.verb} {units} units, the most of any"
            )
        else:
            option.entry.reason = (
                f"split part {i} of {count}: {words.verb} {units} units, the most of what "
                "was still missing"
            )
    left = need(missing)
    for option in options:
        if id(option) in chosen:
            continue
        if still and _cover(option.avail, left) > 0:
            option.entry.reason = f"split limit reached ({max_parts} parts)"
        else:
            option.entry.reason = "the chosen locations already cover what it has"


def _told_apart(a: tuple[Any, ...], b: tuple[Any, ...], sorts: Sequence[Sort]) -> str:
    """The first sort on which two ranking keys differ, or "code" for the final tie-break."""
    for i, sort in enumerate(sorts):
        if a[i] != b[i]:
            return sort.first if sort.name == "kind" else sort.name
    return "code"
