"""Routing engine builders for the unit tests: locations at a chosen distance due north of
the customer, ship groups, rule sets, and short views of a plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from oms.domain.routing import Candidate, Delivery, Demand, Group, Plan, Policy, validate_rules

HOME = (51.5, -0.12)
KM_PER_DEGREE_LAT = 111.195  # on the mean-radius sphere geo uses
SHIP = frozenset({"ship_from"})
BOTH = frozenset({"ship_from", "pickup"})
SHIRT, HAT, MUG = 1, 2, 3


def loc(
    location_id: int,
    code: str,
    km: float,
    stock: Mapping[int, int],
    *,
    kind: str = "store",
    priority: int = 10,
    caps: frozenset[str] = BOTH,
    capacity: int = 10,
) -> Candidate:
    """A location ``km`` kilometres north of the customer."""
    lat = HOME[0] + km / KM_PER_DEGREE_LAT
    return Candidate(location_id, code, kind, lat, HOME[1], priority, caps, capacity, stock)


def ship(*lines: tuple[int, int, int], no: int = 1, at: tuple[float, float] | None = HOME) -> Group:
    demand = tuple(Demand(n, sku, q) for n, sku, q in lines)
    if at is None:
        return Group(no, Delivery("ship"), demand)
    return Group(no, Delivery("ship", at[0], at[1]), demand)


def rules(*raw: dict[str, Any]) -> Policy:
    return Policy(rules=validate_rules(list(raw)))


def where(result: Plan) -> list[tuple[int, int, str, tuple[tuple[int, int], ...]]]:
    """Allocations as (delivery, location, method, ((line, quantity), ...))."""
    return [
        (a.delivery_no, a.location_id, a.method, tuple((x.line_no, x.quantity) for x in a.lines))
        for a in result.allocations
    ]


def shown(result: Plan) -> dict[str, Any]:
    """The plan's explanation as the order stores and shows it: plain JSON values."""
    stored: dict[str, Any] = msgspec.to_builtins(result.explanation)
    return stored


def entry(result: Plan, code: str, group: int = 0) -> dict[str, Any]:
    found = [c for c in shown(result)["groups"][group]["candidates"] if c["location"] == code]
    assert len(found) == 1, f"{code} listed {len(found)} times"
    one: dict[str, Any] = found[0]
    return one


def missing(result: Plan) -> list[tuple[int, int, int]]:
    return [(no, d.line_no, d.quantity) for no, d in result.unallocated]
