"""Routing engine, shipping: rules, ties, capability, eligibility, capacity, splits, stock.

Locations sit due north of the customer at a chosen distance, so the expected ranking is
plain from each test. Pickup and transfer-to-store are in ``test_routing_pickup.py``.
"""

from __future__ import annotations

import pytest

from oms.domain.routing import AllocatedLine, Allocation, Policy, plan
from tests.support.routing import (
    HAT,
    SHIP,
    SHIRT,
    entry,
    loc,
    missing,
    rules,
    ship,
    shown,
    where,
)

# ---- one location that has everything ---------------------------------------------------


def test_the_nearest_location_with_everything_ships_the_whole_group() -> None:
    near = loc(1, "NEAR", 2, {SHIRT: 5, HAT: 5})
    far = loc(2, "FAR", 20, {SHIRT: 5, HAT: 5}, priority=1)
    result = plan([ship((1, SHIRT, 2), (2, HAT, 1))], [far, near], Policy())

    assert result.allocations == (
        Allocation(1, 1, "ship", (AllocatedLine(1, SHIRT, 2), AllocatedLine(2, HAT, 1))),
    )
    assert result.complete
    assert result.unallocated == ()
    assert entry(result, "NEAR")["status"] == "chosen"
    assert entry(result, "NEAR")["reason"] == "has everything; nearest"
    assert entry(result, "NEAR")["distance_km"] == 2.0
    assert entry(result, "NEAR")["can_supply"] == {"1": 2, "2": 1}
    assert entry(result, "FAR")["status"] == "skipped"
    assert entry(result, "FAR")["reason"] == "has everything too, but NEAR is nearer"


def test_a_farther_location_with_everything_beats_a_nearer_one_that_would_split() -> None:
    partial = loc(1, "PART", 1, {SHIRT: 5})
    whole = loc(2, "WHOLE", 40, {SHIRT: 5, HAT: 5})
    result = plan([ship((1, SHIRT, 2), (2, HAT, 1))], [partial, whole], Policy())

    assert where(result) == [(1, 2, "ship", ((1, 2), (2, 1)))]
    assert entry(result, "PART")["reason"] == "another location ships everything"
    assert entry(result, "WHOLE")["reason"] == "has everything; the only one that does"


def test_one_location_with_everything_wins_even_when_rules_rank_distance_first() -> None:
    # "Split only when needed" is not a rule a channel can drop.
    partial = loc(1, "PART", 1, {SHIRT: 5})
    whole = loc(2, "WHOLE", 40, {SHIRT: 5, HAT: 5})
    result = plan([ship((1, SHIRT, 2), (2, HAT, 1))], [partial, whole], rules({"sort": "distance"}))
    assert where(result) == [(1, 2, "ship", ((1, 2), (2, 1)))]
    # The ranking still follows the rules: the nearer one is listed first.
    codes = [c["location"] for c in shown(result)["groups"][0]["candidates"]]
    assert codes == ["PART", "WHOLE"]


def test_priority_decides_between_equally_near_locations() -> None:
    a = loc(1, "A", 5, {SHIRT: 5}, priority=20)
    b = loc(2, "B", 5, {SHIRT: 5}, priority=3)
    result = plan([ship((1, SHIRT, 1))], [a, b], Policy())
    assert where(result) == [(1, 2, "ship", ((1, 1),))]
    assert entry(result, "B")["reason"] == "has everything; best priority"
    assert entry(result, "A")["reason"] == "has everything too, but B has a better priority"


@pytest.mark.parametrize("reverse", [False, True])
def test_a_full_tie_goes_to_the_first_code_whatever_the_input_order(reverse: bool) -> None:
    cands = [loc(7, "ZED", 5, {SHIRT: 5}), loc(3, "ALPHA", 5, {SHIRT: 5})]
    if reverse:
        cands.reverse()
    result = plan([ship((1, SHIRT, 1))], cands, Policy())
    assert where(result) == [(1, 3, "ship", ((1, 1),))]
    assert entry(result, "ALPHA")["reason"] == (
        "has everything; equal on every rule, first by location code"
    )
    assert entry(result, "ZED")["reason"] == (
        "has everything too, but ALPHA is equal on every rule and comes first by location code"
    )


def test_the_same_input_always_gives_the_same_plan() -> None:
    cands = [loc(i, f"L{i:02}", (i * 7) % 5, {SHIRT: i % 3, HAT: 2}) for i in range(1, 30)]
    groups = [ship((1, SHIRT, 3), (2, HAT, 2))]
    first = plan(groups, cands, Policy(max_split=3))
    again = plan(groups, list(reversed(cands)), Policy(max_split=3))
    assert first.allocations == again.allocations
    assert (
        shown(first)["groups"][0]["candidates"][:5] == (shown(again)["groups"][0]["candidates"][:5])
    )


# ---- hard checks: capability, eligibility, capacity, stock ------------------------------


def test_locations_without_ship_from_are_skipped() -> None:
    pickup_only = loc(1, "PICK", 1, {SHIRT: 5}, caps=frozenset({"pickup", "walk_in"}))
    ships = loc(2, "SHIPS", 9, {SHIRT: 5}, caps=SHIP)
    result = plan([ship((1, SHIRT, 1))], [pickup_only, ships], Policy())
    assert where(result) == [(1, 2, "ship", ((1, 1),))]
    assert entry(result, "PICK")["status"] == "skipped"
    assert entry(result, "PICK")["reason"] == "no ship_from capability"
    # Skipped locations still show what they could have supplied, for the operator.
    assert entry(result, "PICK")["can_supply"] == {"1": 1}


def test_only_locations_eligible_for_the_channel_are_used() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 5})
    far = loc(2, "FAR", 9, {SHIRT: 5})
    limited = plan([ship((1, SHIRT, 1))], [near, far], Policy(eligible_location_ids=frozenset({2})))
    assert where(limited) == [(1, 2, "ship", ((1, 1),))]
    assert entry(limited, "NEAR")["reason"] == "not eligible for this channel"

    everyone = plan([ship((1, SHIRT, 1))], [near, far], Policy(eligible_location_ids=None))
    assert where(everyone) == [(1, 1, "ship", ((1, 1),))]


def test_a_location_at_daily_capacity_is_skipped() -> None:
    busy = loc(1, "BUSY", 1, {SHIRT: 5}, capacity=0)
    over = loc(2, "OVER", 2, {SHIRT: 5}, capacity=-3)  # load above capacity after a change
    free = loc(3, "FREE", 9, {SHIRT: 5}, capacity=1)
    result = plan([ship((1, SHIRT, 1))], [busy, over, free], Policy())
    assert where(result) == [(1, 3, "ship", ((1, 1),))]
    assert entry(result, "BUSY")["reason"] == "at daily capacity"
    assert entry(result, "OVER")["reason"] == "at daily capacity"
    assert entry(result, "OVER")["capacity_left"] == 0
    assert entry(result, "FREE")["capacity_left"] == 1


def test_capacity_is_used_up_across_the_groups_of_one_order() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 9, HAT: 9}, capacity=1)
    far = loc(2, "FAR", 9, {SHIRT: 9, HAT: 9}, capacity=5)
    result = plan([ship((1, SHIRT, 1), no=1), ship((2, HAT, 1), no=2)], [near, far], Policy())
    assert where(result) == [(1, 1, "ship", ((1, 1),)), (2, 2, "ship", ((2, 1),))]
    assert entry(result, "NEAR", group=1)["reason"] == "at daily capacity"
    assert entry(result, "NEAR", group=1)["capacity_left"] == 0
    assert entry(result, "FAR", group=1)["capacity_left"] == 5


def test_stock_taken_by_one_group_is_not_offered_to_the_next() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 3})
    far = loc(2, "FAR", 9, {SHIRT: 3})
    result = plan([ship((1, SHIRT, 2), no=1), ship((2, SHIRT, 2), no=2)], [near, far], Policy())
    assert where(result) == [(1, 1, "ship", ((1, 2),)), (2, 2, "ship", ((2, 2),))]
    assert entry(result, "NEAR", group=1)["can_supply"] == {"2": 1}
    assert entry(result, "NEAR", group=1)["reason"] == "another location ships everything"
    # The candidates themselves are untouched: the plan keeps its usage on the side.
    assert near.available == {SHIRT: 3}


def test_two_lines_of_the_same_sku_share_its_stock() -> None:
    short = loc(1, "SHORT", 1, {SHIRT: 3})  # 3 units cannot serve 2 + 2
    deep = loc(2, "DEEP", 9, {SHIRT: 4})
    result = plan([ship((1, SHIRT, 2), (2, SHIRT, 2))], [short, deep], Policy())
    assert where(result) == [(1, 2, "ship", ((1, 2), (2, 2)))]
    assert entry(result, "SHORT")["can_supply"] == {"1": 2, "2": 1}
    assert entry(result, "SHORT")["reason"] == "another location ships everything"


def test_a_location_with_no_stock_for_the_lines_is_skipped() -> None:
    empty = loc(1, "EMPTY", 1, {HAT: 9})
    negative = loc(2, "NEG", 2, {SHIRT: -2})  # oversold shelf: nothing to offer
    result = plan([ship((1, SHIRT, 1))], [empty, negative], Policy())
    assert result.allocations == ()
    assert missing(result) == [(1, 1, 1)]
    assert not result.complete
    assert entry(result, "EMPTY")["reason"] == "no stock for these lines"
    assert entry(result, "EMPTY")["can_supply"] == {}
    assert entry(result, "NEG")["reason"] == "no stock for these lines"
    assert shown(result)["groups"][0]["outcome"] == "unallocated"
    assert shown(result)["groups"][0]["unallocated"] == [{"line": 1, "quantity": 1}]


def test_lines_with_nothing_to_place_are_ignored() -> None:
    a = loc(1, "A", 1, {SHIRT: 5})
    result = plan([ship((1, SHIRT, 0), (2, SHIRT, 1))], [a], Policy())
    assert where(result) == [(1, 1, "ship", ((2, 1),))]
    assert result.complete


def test_no_candidates_leaves_everything_unallocated() -> None:
    result = plan([ship((1, SHIRT, 1), (2, HAT, 2))], [], Policy())
    assert missing(result) == [(1, 1, 1), (1, 2, 2)]
    assert shown(result)["groups"][0]["candidates"] == []


# ---- splits ------------------------------------------------------------------------------


def test_split_takes_the_location_covering_most_first_and_splits_a_line() -> None:
    a = loc(1, "A", 1, {SHIRT: 2})
    b = loc(2, "B", 5, {SHIRT: 4, HAT: 1})
    c = loc(3, "C", 2, {HAT: 1})
    result = plan([ship((1, SHIRT, 5), (2, HAT, 1))], [a, b, c], Policy(max_split=2))
    # B covers 5 of 6 units, then A (nearer than nothing else left for SHIRT) adds the last.
    assert where(result) == [(1, 2, "ship", ((1, 4), (2, 1))), (1, 1, "ship", ((1, 1),))]
    assert result.complete
    assert entry(result, "B")["reason"] == (
        "split part 1 of 2: ships 5 units, the most of what was still missing"
    )
    assert entry(result, "A")["reason"] == (
        "split part 2 of 2: ships 1 units, the most of what was still missing"
    )
    assert entry(result, "C")["status"] == "skipped"
    assert entry(result, "C")["reason"] == "the chosen locations already cover what it has"


def test_split_ties_on_coverage_follow_the_rules() -> None:
    far = loc(1, "FAR", 30, {SHIRT: 1})
    near = loc(2, "NEAR", 3, {SHIRT: 1})
    hats = loc(3, "HATS", 50, {HAT: 5})
    result = plan([ship((1, SHIRT, 1), (2, HAT, 1))], [far, near, hats], Policy(max_split=2))
    assert where(result) == [(1, 2, "ship", ((1, 1),)), (1, 3, "ship", ((2, 1),))]
    assert entry(result, "FAR")["reason"] == "the chosen locations already cover what it has"


def test_split_limit_leaves_the_rest_unallocated() -> None:
    cands = [loc(i, f"L{i}", i, {SHIRT: 1}) for i in range(1, 5)]
    result = plan([ship((1, SHIRT, 4))], cands, Policy(max_split=2))
    assert where(result) == [(1, 1, "ship", ((1, 1),)), (1, 2, "ship", ((1, 1),))]
    assert missing(result) == [(1, 1, 2)]
    assert entry(result, "L3")["reason"] == "split limit reached (2 parts)"
    assert entry(result, "L4")["reason"] == "split limit reached (2 parts)"
    assert shown(result)["groups"][0]["outcome"] == "partial"


def test_no_split_channel_ships_the_best_part_and_leaves_the_rest() -> None:
    a = loc(1, "A", 1, {SHIRT: 1})
    b = loc(2, "B", 9, {SHIRT: 3})
    result = plan([ship((1, SHIRT, 5))], [a, b], Policy(max_split=1))
    assert where(result) == [(1, 2, "ship", ((1, 3),))]
    assert missing(result) == [(1, 1, 2)]
    assert entry(result, "B")["reason"] == (
        "no location has everything; ships 3 units, the most of any"
    )
    assert entry(result, "A")["reason"] == "split limit reached (1 parts)"


def test_a_split_location_uses_one_unit_of_capacity_per_part() -> None:
    a = loc(1, "A", 1, {SHIRT: 1, HAT: 1}, capacity=1)
    b = loc(2, "B", 2, {SHIRT: 1}, capacity=1)
    # Group 1 splits over A and B; group 2 then finds both at capacity.
    result = plan([ship((1, SHIRT, 2), no=1), ship((2, HAT, 1), no=2)], [a, b], Policy(max_split=2))
    assert where(result) == [(1, 1, "ship", ((1, 1),)), (1, 2, "ship", ((1, 1),))]
    assert missing(result) == [(2, 2, 1)]
    assert entry(result, "A", group=1)["reason"] == "at daily capacity"


# ---- configurable rules ------------------------------------------------------------------
