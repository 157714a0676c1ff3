"""The routing engine with channel rules: each filter and sort, rule order, unknown
distance, and the explanation it stores."""

from __future__ import annotations

import json

import msgspec

from oms.domain.routing import Policy, plan
from tests.support.routing import HAT, SHIRT, entry, loc, missing, rules, ship, shown, where


def test_kind_filter_keeps_only_the_listed_kinds() -> None:
    store = loc(1, "STORE", 1, {SHIRT: 5})
    depot = loc(2, "DEPOT", 90, {SHIRT: 5}, kind="warehouse")
    result = plan(
        [ship((1, SHIRT, 1))], [store, depot], rules({"filter": "kind", "in": ["warehouse"]})
    )
    assert where(result) == [(1, 2, "ship", ((1, 1),))]
    assert entry(result, "STORE")["reason"] == "a store: rule 0 allows only warehouse locations"


def test_max_distance_filter_drops_far_locations() -> None:
    near = loc(1, "NEAR", 10, {SHIRT: 5})
    far = loc(2, "FAR", 60, {SHIRT: 5})
    policy = rules({"filter": "max_distance_km", "km": 50}, {"sort": "distance"})
    result = plan([ship((1, SHIRT, 1))], [far, near], policy)
    assert where(result) == [(1, 1, "ship", ((1, 1),))]
    assert entry(result, "FAR")["reason"] == "farther than 50 km"
    only_far = plan([ship((1, SHIRT, 1))], [far], policy)
    assert missing(only_far) == [(1, 1, 1)]


def test_exclude_filter_never_uses_the_listed_locations() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 5})
    far = loc(2, "FAR", 9, {SHIRT: 5})
    result = plan(
        [ship((1, SHIRT, 1))], [near, far], rules({"filter": "exclude", "locations": ["NEAR"]})
    )
    assert where(result) == [(1, 2, "ship", ((1, 1),))]
    assert entry(result, "NEAR")["reason"] == "excluded by rule 0"


def test_filters_apply_in_order_and_the_first_one_that_drops_is_named() -> None:
    store = loc(1, "STORE", 80, {SHIRT: 5})
    depot = loc(2, "DEPOT", 5, {SHIRT: 5}, kind="warehouse")
    policy = rules(
        {"filter": "exclude", "locations": ["STORE"]},
        {"filter": "kind", "in": ["warehouse"]},
        {"filter": "max_distance_km", "km": 50},
    )
    result = plan([ship((1, SHIRT, 1))], [store, depot], policy)
    assert entry(result, "STORE")["reason"] == "excluded by rule 0"
    assert where(result) == [(1, 2, "ship", ((1, 1),))]


def test_kind_sort_puts_the_named_kind_first() -> None:
    store = loc(1, "STORE", 30, {SHIRT: 5})
    depot = loc(2, "DEPOT", 5, {SHIRT: 5}, kind="warehouse")
    result = plan(
        [ship((1, SHIRT, 1))],
        [store, depot],
        rules({"sort": "kind", "first": "store"}, {"sort": "distance"}),
    )
    assert where(result) == [(1, 1, "ship", ((1, 1),))]
    assert entry(result, "STORE")["reason"] == "has everything; store first"
    assert entry(result, "DEPOT")["reason"] == "has everything too, but STORE is a store"


def test_most_stock_sort_prefers_deeper_stock() -> None:
    thin = loc(1, "THIN", 1, {SHIRT: 2})
    deep = loc(2, "DEEP", 30, {SHIRT: 40})
    result = plan(
        [ship((1, SHIRT, 2))], [thin, deep], rules({"sort": "most_stock"}, {"sort": "distance"})
    )
    assert where(result) == [(1, 2, "ship", ((1, 2),))]
    assert entry(result, "DEEP")["reason"] == "has everything; most stock"
    assert entry(result, "THIN")["reason"] == "has everything too, but DEEP has more stock"


def test_priority_before_distance_when_the_channel_says_so() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 5}, priority=9)
    far = loc(2, "FAR", 60, {SHIRT: 5}, priority=1)
    default = plan([ship((1, SHIRT, 1))], [near, far], Policy())
    assert where(default) == [(1, 1, "ship", ((1, 1),))]
    custom = plan(
        [ship((1, SHIRT, 1))], [near, far], rules({"sort": "priority"}, {"sort": "distance"})
    )
    assert where(custom) == [(1, 2, "ship", ((1, 1),))]
    assert shown(custom)["default_rules"] is False
    assert shown(custom)["groups"][0]["rules"] == [{"sort": "priority"}, {"sort": "distance"}]


def test_the_default_rules_are_shown_when_the_channel_has_none() -> None:
    result = plan([ship((1, SHIRT, 1))], [loc(1, "A", 1, {SHIRT: 1})], Policy())
    assert shown(result)["default_rules"] is True
    assert shown(result)["groups"][0]["rules"] == [
        {"sort": "complete"},
        {"sort": "distance"},
        {"sort": "priority"},
    ]


# ---- unknown distance --------------------------------------------------------------------


def test_without_coordinates_distance_is_unknown_and_priority_decides() -> None:
    near = loc(1, "NEAR", 1, {SHIRT: 5}, priority=9)
    far = loc(2, "FAR", 900, {SHIRT: 5}, priority=1)
    policy = rules(
        {"filter": "max_distance_km", "km": 50}, {"sort": "distance"}, {"sort": "priority"}
    )
    result = plan([ship((1, SHIRT, 1), at=None)], [near, far], policy)
    assert where(result) == [(1, 2, "ship", ((1, 1),))]  # the 50 km rule could not drop FAR
    group = shown(result)["groups"][0]
    assert all(c["distance_km"] is None for c in group["candidates"])
    assert group["notes"] == [
        "no coordinates for the delivery address: distance is unknown and not used",
        "rule 0 (within 50 km) not applied",
    ]
    assert entry(result, "FAR")["reason"] == "has everything; best priority"


# ---- explanation -------------------------------------------------------------------------


def _json_only(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_only(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def test_the_explanation_is_plain_json_with_every_candidate_and_the_outcome() -> None:
    cands = [
        loc(1, "A", 1, {SHIRT: 1}),
        loc(2, "B", 2, {SHIRT: 5}, caps=frozenset({"pickup"})),
        loc(3, "C", 3, {SHIRT: 1}, capacity=0),
        loc(4, "D", 4, {HAT: 1}),
    ]
    result = plan([ship((1, SHIRT, 2), (2, HAT, 1))], cands, Policy(max_split=2))
    assert _json_only(shown(result))
    assert json.loads(msgspec.json.encode(result.explanation)) == shown(result)
    group = shown(result)["groups"][0]
    assert group["delivery"] == 1
    assert group["method"] == "ship"
    assert group["outcome"] == "partial"
    assert sorted(c["location"] for c in group["candidates"]) == ["A", "B", "C", "D"]
    assert {c["status"] for c in group["candidates"]} == {"chosen", "skipped"}
    assert all(c["reason"] for c in group["candidates"])
    assert group["allocations"] == [
        {
            "location": "A",
            "method": "ship",
            "lines": [{"line": 1, "quantity": 1}],
            "destination": None,
        },
        {
            "location": "D",
            "method": "ship",
            "lines": [{"line": 2, "quantity": 1}],
            "destination": None,
        },
    ]
    assert group["unallocated"] == [{"line": 1, "quantity": 1}]
    assert group["alternatives"] == []
    # Chosen ones come first, in the order of the ranking.
    assert [c["location"] for c in group["candidates"][:2]] == ["A", "D"]
    assert shown(result)["max_split"] == 2
    assert shown(result)["transfer_to_store"] is False


def test_distances_are_shown_to_a_hundred_metres() -> None:
    result = plan([ship((1, SHIRT, 1))], [loc(1, "A", 3.2468, {SHIRT: 1})], Policy())
    assert entry(result, "A")["distance_km"] == 3.2
