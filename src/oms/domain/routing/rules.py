"""A channel's routing rules: the vocabulary, its validation and its compiled form.

Rules are stored as an ordered JSON list on the channel. Each rule is either a filter
(``{"filter": ...}``: drops locations) or a sort (``{"sort": ...}``: ranks those left).
Filters apply in order, each one naming why it dropped a location; sorts form one
lexicographic key in order, and the location code always breaks the last tie so the same
input gives the same plan. An empty list means ``DEFAULT_RULES``.

Filters
    ``{"filter": "kind", "in": ["warehouse"]}``         only these kinds of location
    ``{"filter": "max_distance_km", "km": 50}``         no farther than this (skipped when
                                                        the distance is unknown)
    ``{"filter": "exclude", "locations": ["CODE"]}``    never these locations
Sorts
    ``{"sort": "complete"}``                 a location that has everything first
    ``{"sort": "distance"}``                 nearest first
    ``{"sort": "priority"}``                 lower location priority first
    ``{"sort": "kind", "first": "store"}``   this kind of location first
    ``{"sort": "most_stock"}``               most units of the group's SKUs first

Capability, channel eligibility and daily capacity are not rules: they always apply.
Splitting a group only when no single location has everything is not a rule either.
For transfer-to-store the same rules pick the sources, distance measured from the pickup
store; the pickup store itself is the customer's choice and no rule applies to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("store", "warehouse")
DEFAULT_RULES: tuple[Mapping[str, Any], ...] = (
    {"sort": "complete"},
    {"sort": "distance"},
    {"sort": "priority"},
)
# A channel needs a handful of rules; hundreds would be a mistake (and cost every order).
MAX_RULES = 20
MAX_EXCLUDED = 500
MAX_CODE_LENGTH = 32
# Half the Earth's circumference: any larger radius excludes nothing.
MAX_KM = 20_040.0

# Parameters each rule takes besides its "filter"/"sort" key.
_FILTER_PARAMS: dict[str, frozenset[str]] = {
    "kind": frozenset({"in"}),
    "max_distance_km": frozenset({"km"}),
    "exclude": frozenset({"locations"}),
}
_SORT_PARAMS: dict[str, frozenset[str]] = {
    "complete": frozenset(),
    "distance": frozenset(),
    "priority": frozenset(),
    "kind": frozenset({"first"}),
    "most_stock": frozenset(),
}


@dataclass(frozen=True, slots=True)
class Filter:
    """One filter rule, ready to test a location."""

    index: int  # position in the channel's rules, shown in reasons
    name: str
    kinds: frozenset[str] = frozenset()
    km: float = 0.0
    codes: frozenset[str] = frozenset()

    def rejects(self, code: str, kind: str, distance: float | None) -> str | None:
        """Why this rule drops the location, or None when it keeps it."""
        if self.name == "kind":
            if kind not in self.kinds:
                allowed = " or ".join(sorted(self.kinds))
                return f"a {kind}: rule {self.index} allows only {allowed} locations"
        elif self.name == "max_distance_km":
            # Unknown distance: the engine notes the rule as not applied; it keeps everyone.
            if distance is not None and distance > self.km:
                return f"farther than {self.km:g} km"
        elif code in self.codes:
            return f"excluded by rule {self.index}"
        return None


@dataclass(frozen=True, slots=True)
class Sort:
    """One sort rule: a component of the ranking key."""

    index: int
    name: str
    first: str = ""  # the kind ranked first, for the "kind" sort


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A channel's rules compiled once per plan."""

    filters: tuple[Filter, ...]
    sorts: tuple[Sort, ...]
    shown: list[dict[str, Any]]  # the rules as the explanation lists them
    default: bool


def validate_rules(raw: list[dict[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """Check rules about to be stored; return them normalised (fresh dicts and lists).

    Raises ``ValueError`` naming the first bad rule by its index and what is wrong.
    """
    if not isinstance(raw, list):
        raise ValueError("routing rules must be a list of rule objects")
    if len(raw) > MAX_RULES:
        raise ValueError(f"at most {MAX_RULES} routing rules are allowed, got {len(raw)}")
    out: list[Mapping[str, Any]] = []
    seen_sorts: set[str] = set()
    for i, rule in enumerate(raw):
        out.append(_validate_one(i, rule, seen_sorts))
    return tuple(out)


def _validate_one(i: int, rule: object, seen_sorts: set[str]) -> dict[str, Any]:
    where = f"rule {i}"
    if not isinstance(rule, Mapping):
        raise ValueError(f'{where}: must be an object such as {{"sort": "distance"}}')
    has_filter, has_sort = "filter" in rule, "sort" in rule
    if has_filter == has_sort:
        raise ValueError(f"{where}: must have exactly one of 'filter' or 'sort'")
    family = "filter" if has_filter else "sort"
    name = rule[family]
    table = _FILTER_PARAMS if has_filter else _SORT_PARAMS
    if not isinstance(name, str) or name not in table:
        known = ", ".join(sorted(table))
        raise ValueError(f"{where}: unknown {family} {name!r} (known: {known})")
    expected = table[name]
    given = set(rule) - {family}
    extra = sorted(given - expected)
    if extra:
        raise ValueError(f"{where}: {family} {name!r} takes no parameter {extra[0]!r}")
    missing = sorted(expected - given)
    if missing:
        raise ValueError(f"{where}: {family} {name!r} needs the parameter {missing[0]!r}")
    if has_sort:
        if name in seen_sorts:
            raise ValueError(f"{where}: sort {name!r} is already listed; a repeat has no effect")
        seen_sorts.add(name)
        if name == "kind":
            return {"sort": name, "first": _kind(where, rule["first"], "first")}
        return {"sort": name}
    if name == "kind":
        kinds = _str_list(where, rule["in"], "in", MAX_CODE_LENGTH, len(KINDS))
        for kind in kinds:
            _kind(where, kind, "in")
        return {"filter": name, "in": kinds}
    if name == "max_distance_km":
        km = rule["km"]
        ok = isinstance(km, int | float) and not isinstance(km, bool)
        if not ok or not math.isfinite(km) or not 0 < km <= MAX_KM:
            raise ValueError(f"{where}: 'km' must be a number above 0 and at most {MAX_KM:g}")
        return {"filter": name, "km": km}
    codes = _str_list(where, rule["locations"], "locations", MAX_CODE_LENGTH, MAX_EXCLUDED)
    return {"filter": name, "locations": codes}


def _kind(where: str, value: object, param: str) -> str:
    if value not in KINDS:
        raise ValueError(f"{where}: {param!r} must be one of {', '.join(KINDS)}, got {value!r}")
    return str(value)


def _str_list(where: str, value: object, param: str, max_len: int, max_items: int) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: {param!r} must be a non-empty list")
    if len(value) > max_items:
        raise ValueError(f"{where}: {param!r} lists at most {max_items} values")
    for item in value:
        if not isinstance(item, str) or not item or len(item) > max_len:
            raise ValueError(
                f"{where}: {param!r} must hold non-empty strings of at most {max_len} "
                f"characters, got {item!r}"
            )
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: {param!r} lists a value twice")
    return list(value)


def compile_rules(rules: Sequence[Mapping[str, Any]]) -> RuleSet:
    """Turn validated rules (or the default when empty) into filters and sorts."""
    default = not rules
    source = DEFAULT_RULES if default else rules
    filters: list[Filter] = []
    sorts: list[Sort] = []
    for i, rule in enumerate(source):
        if "filter" in rule:
            name = rule["filter"]
            if name == "kind":
                filters.append(Filter(i, name, kinds=frozenset(rule["in"])))
            elif name == "max_distance_km":
                filters.append(Filter(i, name, km=float(rule["km"])))
            else:
                filters.append(Filter(i, name, codes=frozenset(rule["locations"])))
        else:
            sorts.append(Sort(i, rule["sort"], rule.get("first", "")))
    shown = [dict(rule) for rule in source]
    return RuleSet(tuple(filters), tuple(sorts), shown, default)
