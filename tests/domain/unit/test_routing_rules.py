"""Routing rule vocabulary: what a channel may store, the errors it gets, the compiled form."""

from __future__ import annotations

from typing import Any

import pytest

from oms.domain.routing import DEFAULT_RULES, validate_rules
from oms.domain.routing.rules import MAX_RULES, Filter, compile_rules


def test_empty_rules_are_valid_and_mean_the_default() -> None:
    assert validate_rules([]) == ()
    compiled = compile_rules(())
    assert compiled.default is True
    assert compiled.shown == [{"sort": "complete"}, {"sort": "distance"}, {"sort": "priority"}]
    assert [s.name for s in compiled.sorts] == ["complete", "distance", "priority"]
    assert compiled.filters == ()
    assert list(DEFAULT_RULES) == compiled.shown


def test_every_rule_of_the_vocabulary_is_accepted_and_copied() -> None:
    raw: list[dict[str, Any]] = [
        {"filter": "kind", "in": ["warehouse", "store"]},
        {"filter": "max_distance_km", "km": 50},
        {"filter": "max_distance_km", "km": 12.5},
        {"filter": "exclude", "locations": ["LDN-1", "MAN-2"]},
        {"sort": "complete"},
        {"sort": "kind", "first": "store"},
        {"sort": "distance"},
        {"sort": "priority"},
        {"sort": "most_stock"},
    ]
    rules = validate_rules(raw)
    assert [dict(r) for r in rules] == raw
    # Fresh objects: later edits to the request body cannot change what was validated.
    assert rules[0] is not raw[0]
    assert rules[0]["in"] is not raw[0]["in"]


def test_compiled_rules_keep_order_and_indexes() -> None:
    compiled = compile_rules(
        validate_rules(
            [
                {"sort": "priority"},
                {"filter": "exclude", "locations": ["X"]},
                {"sort": "kind", "first": "warehouse"},
                {"filter": "max_distance_km", "km": 30},
            ]
        )
    )
    assert compiled.default is False
    assert [(f.index, f.name) for f in compiled.filters] == [(1, "exclude"), (3, "max_distance_km")]
    assert [(s.index, s.name, s.first) for s in compiled.sorts] == [
        (0, "priority", ""),
        (2, "kind", "warehouse"),
    ]
    assert compiled.filters[1].km == 30.0
    assert compiled.filters[0].codes == frozenset({"X"})


def test_filters_say_why_they_drop_a_location() -> None:
    kind = Filter(0, "kind", kinds=frozenset({"warehouse"}))
    assert kind.rejects("S1", "warehouse", 1.0) is None
    assert kind.rejects("S1", "store", 1.0) == "a store: rule 0 allows only warehouse locations"
    near = Filter(2, "max_distance_km", km=50.0)
    assert near.rejects("S1", "store", 50.0) is None
    assert near.rejects("S1", "store", 50.01) == "farther than 50 km"
    assert near.rejects("S1", "store", None) is None  # unknown distance: not applied
    exclude = Filter(1, "exclude", codes=frozenset({"S1"}))
    assert exclude.rejects("S1", "store", None) == "excluded by rule 1"
    assert exclude.rejects("S2", "store", None) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"sort": "distance"}, {"sort": "nearest"}], "rule 1: unknown sort 'nearest'"),
        ([{"filter": "colour", "in": ["red"]}], "rule 0: unknown filter 'colour'"),
        ([{"filter": 3}], "rule 0: unknown filter 3"),
        ([{"sort": "distance", "km": 5}], "rule 0: sort 'distance' takes no parameter 'km'"),
        ([{"filter": "max_distance_km"}], "rule 0: filter 'max_distance_km' needs the parameter"),
        ([{"filter": "kind", "in": ["store"], "x": 1}], "rule 0: filter 'kind' takes no param"),
        ([{"sort": "kind"}], "rule 0: sort 'kind' needs the parameter 'first'"),
        ([{"sort": "kind", "first": "shop"}], "rule 0: 'first' must be one of store, warehouse"),
        ([{"filter": "kind", "in": []}], "rule 0: 'in' must be a non-empty list"),
        ([{"filter": "kind", "in": "store"}], "rule 0: 'in' must be a non-empty list"),
        ([{"filter": "kind", "in": ["depot"]}], "rule 0: 'in' must be one of store, warehouse"),
        ([{"filter": "kind", "in": ["store", "store"]}], "rule 0: 'in' lists a value twice"),
        ([{"filter": "max_distance_km", "km": 0}], "rule 0: 'km' must be a number above 0"),
        ([{"filter": "max_distance_km", "km": -5}], "rule 0: 'km' must be a number above 0"),
        ([{"filter": "max_distance_km", "km": True}], "rule 0: 'km' must be a number above 0"),
        ([{"filter": "max_distance_km", "km": "50"}], "rule 0: 'km' must be a number above 0"),
        ([{"filter": "max_distance_km", "km": float("inf")}], "rule 0: 'km' must be a number"),
        ([{"filter": "max_distance_km", "km": 30_000}], "rule 0: 'km' must be a number"),
        ([{"filter": "exclude", "locations": []}], "rule 0: 'locations' must be a non-empty"),
        ([{"filter": "exclude", "locations": [""]}], "rule 0: 'locations' must hold non-empty"),
        ([{"filter": "exclude", "locations": [7]}], "rule 0: 'locations' must hold non-empty"),
        ([{"filter": "exclude", "locations": ["A" * 33]}], "at most 32 characters"),
        ([{"filter": "exclude", "locations": ["A", "A"]}], "rule 0: 'locations' lists a value"),
        ([{"sort": "priority"}, {"sort": "priority"}], "rule 1: sort 'priority' is already"),
        ([{"filter": "kind", "sort": "distance"}], "rule 0: must have exactly one of"),
        ([{"km": 5}], "rule 0: must have exactly one of 'filter' or 'sort'"),
        ([{"sort": "distance"}, "distance"], "rule 1: must be an object"),
    ],
)
def test_bad_rules_are_refused_naming_the_rule_and_the_problem(
    raw: list[Any], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        validate_rules(raw)
    assert message in str(caught.value)


def test_rules_must_be_a_list_of_bounded_length() -> None:
    with pytest.raises(ValueError, match="must be a list"):
        validate_rules({"sort": "distance"})  # type: ignore[arg-type]
    many = [{"filter": "exclude", "locations": [f"L{i}"]} for i in range(MAX_RULES + 1)]
    with pytest.raises(ValueError, match=f"at most {MAX_RULES} routing rules"):
        validate_rules(many)
    assert len(validate_rules(many[:MAX_RULES])) == MAX_RULES


def test_repeated_filters_are_allowed() -> None:
    raw: list[dict[str, Any]] = [
        {"filter": "exclude", "locations": ["A"]},
        {"filter": "exclude", "locations": ["B"]},
    ]
    assert len(validate_rules(raw)) == 2
