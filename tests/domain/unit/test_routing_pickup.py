"""Routing engine, pickup in store: the chosen store, transfers to it, and alternatives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from oms.domain.routing import (
    AllocatedLine,
    Allocation,
    Candidate,
    Delivery,
    Demand,
    Group,
    Plan,
    Policy,
    plan,
    validate_rules,
)

STORE_AT = (51.5, -0.12)
KM_PER_DEGREE_LAT = 111.195
PICK = frozenset({"pickup"})
SHIP = frozenset({"ship_from"})
BOTH = frozenset({"ship_from", "pickup"})
SHIRT, HAT = 1, 2
STORE = 100  # the store the customer chose, at STORE_AT


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
    """A location ``km`` kilometres north of the chosen store."""
    lat = STORE_AT[0] + km / KM_PER_DEGREE_LAT
    return Candidate(location_id, code, kind, lat, STORE_AT[1], priority, caps, capacity, stock)


def store(stock: Mapping[int, int], **kw: Any) -> Candidate:
    return loc(STORE, "CHOSEN", 0, stock, **kw)


def pickup(*lines: tuple[int, int, int], at: int = STORE, no: int = 1) -> Group:
    demand = tuple(Demand(n, sku, q) for n, sku, q in lines)
    return Group(no, Delivery("pickup", pickup_location_id=at), demand)


def where(result: Plan) -> list[tuple[int, str, tuple[tuple[int, int], ...], int | None]]:
    return [
        (
            a.location_id,
            a.method,
            tuple((x.line_no, x.quantity) for x in a.lines),
            a.destination_location_id,
        )
        for a in result.allocations
    ]


def group(result: Plan, index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = msgspec.to_builtins(result.explanation)["groups"][index]
    return found


def entry(result: Plan, code: str, index: int = 0) -> dict[str, Any]:
    found = [c for c in group(result, index)["candidates"] if c["location"] == code]
    assert len(found) == 1, f"{code} listed {len(found)} times"
    one: dict[str, Any] = found[0]
    return one


TRANSFER = Policy(transfer_to_store=True)


# ---- the chosen store has everything -----------------------------------------------------


def test_pickup_comes_from_the_chosen_store_when_it_has_everything() -> None:
    nearer_depot = loc(1, "DEPOT", 0.1, {SHIRT: 50}, kind="warehouse", priority=1)
    result = plan([pickup((1, SHIRT, 2))], [nearer_depot, store({SHIRT: 2})], TRANSFER)
    assert result.allocations == (Allocation(1, STORE, "pickup", (AllocatedLine(1, SHIRT, 2),)),)
    assert result.complete
    g = group(result)
    assert g["method"] == "pickup"
    assert g["pickup_store"] == "CHOSEN"
    assert g["outcome"] == "complete"
    # Other locations are not even considered for a pickup the store can serve.
    assert [c["location"] for c in g["candidates"]] == ["CHOSEN"]
    assert entry(result, "CHOSEN")["status"] == "chosen"
    assert entry(result, "CHOSEN")["role"] == "pickup store"
    assert entry(result, "CHOSEN")["reason"] == "the customer's store; has everything"
    assert g["allocations"] == [
        {
            "location": "CHOSEN",
            "method": "pickup",
            "lines": [{"line": 1, "quantity": 2}],
            "destination": None,
        }
    ]


def test_pickup_uses_store_capacity_and_stock_across_groups() -> None:
    chosen = store({SHIRT: 3}, capacity=1)
    other = loc(1, "OTHER", 2, {SHIRT: 5})
    result = plan(
        [pickup((1, SHIRT, 1), no=1), pickup((2, SHIRT, 1), no=2)], [chosen, other], TRANSFER
    )
    assert where(result) == [(STORE, "pickup", ((1, 1),), None)]
    assert [(no, d.line_no) for no, d in result.unallocated] == [(2, 2)]
    assert entry(result, "CHOSEN", 1)["reason"] == "at daily capacity"
    assert group(result, 1)["alternatives"] == [{"location": "OTHER", "distance_km": 2.0}]


# ---- the chosen store cannot serve it ----------------------------------------------------


def test_a_store_without_pickup_capability_or_not_eligible_cannot_take_the_pickup() -> None:
    no_pickup = store({SHIRT: 5}, caps=SHIP)
    result = plan([pickup((1, SHIRT, 1))], [no_pickup], TRANSFER)
    assert result.allocations == ()
    assert entry(result, "CHOSEN")["reason"] == "no pickup capability"

    barred = plan(
        [pickup((1, SHIRT, 1))], [store({SHIRT: 5})], Policy(eligible_location_ids=frozenset({1}))
    )
    assert barred.allocations == ()
    assert entry(barred, "CHOSEN")["reason"] == "not eligible for this channel"


def test_short_store_without_transfers_allocates_nothing_and_offers_alternatives() -> None:
    chosen = store({SHIRT: 1, HAT: 1})
    has_all_far = loc(1, "FAR", 12, {SHIRT: 5, HAT: 5})
    has_all_near = loc(2, "NEAR", 3, {SHIRT: 2, HAT: 1})
    lacks_hat = loc(3, "NOHAT", 1, {SHIRT: 5})
    result = plan(
        [pickup((1, SHIRT, 2), (2, HAT, 1))],
        [chosen, has_all_far, has_all_near, lacks_hat],
        Policy(),
    )
    # No partial pickup: the units the store has are not held either.
    assert result.allocations == ()
    assert [(no, d.line_no, d.quantity) for no, d in result.unallocated] == [(1, 1, 2), (1, 2, 1)]
    g = group(result)
    assert g["outcome"] == "unallocated"
    assert entry(result, "CHOSEN")["status"] == "skipped"
    assert entry(result, "CHOSEN")["reason"] == (
        "short of 1 units (line 1); this channel does not transfer stock to stores"
    )
    assert g["alternatives"] == [
        {"location": "NEAR", "distance_km": 3.0},
        {"location": "FAR", "distance_km": 12.0},
    ]
    assert [c["location"] for c in g["candidates"]] == ["CHOSEN"]


def test_alternatives_are_pickup_stores_that_can_serve_now_nearest_first_at_most_five() -> None:
    chosen = store({})
    good = [loc(i, f"G{i}", 10 - i, {SHIRT: 1}) for i in range(1, 8)]  # G7 is nearest
    bad = [
        loc(20, "NOPICK", 0.5, {SHIRT: 1}, caps=SHIP),
        loc(21, "FULL", 0.5, {SHIRT: 1}, capacity=0),
        loc(22, "BARRED", 0.5, {SHIRT: 1}),
        loc(23, "EMPTY", 0.5, {HAT: 1}),
    ]
    eligible = frozenset({STORE, *range(1, 8), 20, 21, 23})
    result = plan(
        [pickup((1, SHIRT, 1))], [chosen, *bad, *good], Policy(eligible_location_ids=eligible)
    )
    assert group(result)["alternatives"] == [
        {"location": "G7", "distance_km": 3.0},
        {"location": "G6", "distance_km": 4.0},
        {"location": "G5", "distance_km": 5.0},
        {"location": "G4", "distance_km": 6.0},
        {"location": "G3", "distance_km": 7.0},
    ]


def test_alternatives_account_for_stock_taken_by_earlier_groups() -> None:
    chosen = store({})
    alt = loc(1, "ALT", 2, {SHIRT: 1, HAT: 1})
    result = plan(
        [
            Group(1, Delivery("ship", STORE_AT[0], STORE_AT[1]), (Demand(1, SHIRT, 1),)),
            pickup((2, SHIRT, 1), no=2),
        ],
        [chosen, alt],
        Policy(),
    )
    assert where(result) == [(1, "ship", ((1, 1),), None)]
    assert group(result, 1)["alternatives"] == []


def test_an_unknown_pickup_store_is_unmet_with_alternatives_by_priority() -> None:
    a = loc(1, "A", 5, {SHIRT: 1}, priority=20)
    b = loc(2, "B", 9, {SHIRT: 1}, priority=1)
    result = plan([pickup((1, SHIRT, 1), at=999)], [a, b], TRANSFER)
    assert result.allocations == ()
    g = group(result)
    assert g["pickup_store"] is None
    assert g["notes"] == ["the chosen pickup store is not among the locations open for routing"]
    assert g["alternatives"] == [
        {"location": "B", "distance_km": None},
        {"location": "A", "distance_km": None},
    ]


# ---- transfer to store -------------------------------------------------------------------


def test_a_short_store_is_topped_up_by_a_transfer_from_the_nearest_source() -> None:
    chosen = store({SHIRT: 1, HAT: 1})
    far = loc(1, "FAR", 40, {SHIRT: 9})
    near = loc(2, "NEAR", 4, {SHIRT: 9}, kind="warehouse")
    result = plan([pickup((1, SHIRT, 3), (2, HAT, 1))], [chosen, far, near], TRANSFER)
    assert where(result) == [
        (STORE, "pickup", ((1, 1), (2, 1)), None),
        (2, "transfer", ((1, 2),), STORE),
    ]
    assert result.complete
    assert entry(result, "CHOSEN")["reason"] == (
        "the customer's store; has 2 of 4 units, the rest comes by transfer"
    )
    assert entry(result, "NEAR")["status"] == "chosen"
    assert entry(result, "NEAR")["role"] == "transfer source"
    assert entry(result, "NEAR")["distance_km"] == 4.0  # to the store
    assert entry(result, "NEAR")["can_supply"] == {"1": 2}  # only what the store lacks
    assert entry(result, "NEAR")["reason"] == "has everything the store lacks; nearest"
    assert (
        entry(result, "FAR")["reason"] == "has everything the store lacks too, but NEAR is nearer"
    )
    assert group(result)["allocations"][1] == {
        "location": "NEAR",
        "method": "transfer",
        "lines": [{"line": 1, "quantity": 2}],
        "destination": "CHOSEN",
    }


def test_an_empty_store_still_gets_a_pickup_allocation_with_no_lines() -> None:
    chosen = store({})
    source = loc(1, "SRC", 4, {SHIRT: 9})
    result = plan([pickup((1, SHIRT, 2))], [chosen, source], TRANSFER)
    assert where(result) == [(STORE, "pickup", (), None), (1, "transfer", ((1, 2),), STORE)]
    assert entry(result, "CHOSEN")["reason"] == (
        "the customer's store; has 0 of 2 units, the rest comes by transfer"
    )


def test_transfer_sources_need_ship_from_and_capacity_and_use_it() -> None:
    chosen = store({}, capacity=5)
    pick_only = loc(1, "PICKONLY", 1, {SHIRT: 9}, caps=PICK)
    one_slot = loc(2, "ONESLOT", 2, {SHIRT: 9}, capacity=1)
    backup = loc(3, "BACKUP", 30, {SHIRT: 9})
    result = plan(
        [pickup((1, SHIRT, 1), no=1), pickup((2, SHIRT, 1), no=2)],
        [chosen, pick_only, one_slot, backup],
        TRANSFER,
    )
    assert where(result) == [
        (STORE, "pickup", (), None),
        (2, "transfer", ((1, 1),), STORE),
        (STORE, "pickup", (), None),
        (3, "transfer", ((2, 1),), STORE),
    ]
    assert entry(result, "PICKONLY")["reason"] == "no ship_from capability"
    assert entry(result, "ONESLOT", 1)["reason"] == "at daily capacity"
    assert entry(result, "CHOSEN", 1)["capacity_left"] == 4


def test_transfers_split_over_sources_within_the_limit() -> None:
    chosen = store({SHIRT: 1})
    a = loc(1, "A", 2, {SHIRT: 2})
    b = loc(2, "B", 3, {SHIRT: 2})
    result = plan(
        [pickup((1, SHIRT, 5))], [chosen, a, b], Policy(transfer_to_store=True, max_split=2)
    )
    assert where(result) == [
        (STORE, "pickup", ((1, 1),), None),
        (1, "transfer", ((1, 2),), STORE),
        (2, "transfer", ((1, 2),), STORE),
    ]
    assert entry(result, "A")["reason"] == (
        "split part 1 of 2: sends 2 units, the most of what was still missing"
    )


def test_transfers_that_cannot_complete_the_pickup_allocate_nothing() -> None:
    chosen = store({SHIRT: 1})
    a = loc(1, "A", 2, {SHIRT: 1}, capacity=1)
    b = loc(2, "B", 3, {SHIRT: 1})
    c = loc(3, "C", 4, {SHIRT: 1})
    alt = loc(4, "ALT", 6, {SHIRT: 9}, caps=PICK)
    result = plan(
        [pickup((1, SHIRT, 4))], [chosen, a, b, c, alt], Policy(transfer_to_store=True, max_split=2)
    )
    assert result.allocations == ()
    assert [(d.line_no, d.quantity) for _, d in result.unallocated] == [(1, 4)]
    assert (
        entry(result, "CHOSEN")["reason"] == "short of 3 units (line 1); transfers cannot cover it"
    )
    assert entry(result, "A")["status"] == "skipped"
    assert entry(result, "A")["reason"] == (
        "could send 1 units, but transfers cannot complete the pickup"
    )
    assert entry(result, "C")["reason"] == "split limit reached (2 parts)"
    assert group(result)["alternatives"] == [{"location": "ALT", "distance_km": 6.0}]
    # Nothing was taken: a later group still finds A's stock and capacity.
    later = plan(
        [pickup((1, SHIRT, 4), no=1), Group(2, Delivery("ship"), (Demand(2, SHIRT, 1),))],
        [chosen, a, b, c, alt],
        Policy(transfer_to_store=True, max_split=2),
    )
    assert where(later) == [(1, "ship", ((2, 1),), None)]
    assert entry(later, "A", 1)["capacity_left"] == 1
    assert entry(later, "A", 1)["can_supply"] == {"2": 1}


def test_channel_filters_apply_to_transfer_sources_measured_from_the_store() -> None:
    chosen = store({})
    far = loc(1, "FAR", 80, {SHIRT: 9}, priority=1)
    policy = Policy(
        rules=validate_rules([{"filter": "max_distance_km", "km": 50}]), transfer_to_store=True
    )
    result = plan([pickup((1, SHIRT, 1))], [chosen, far], policy)
    assert result.allocations == ()
    assert entry(result, "FAR")["reason"] == "farther than 50 km"
