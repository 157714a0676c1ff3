"""The routing explanation, as stored with each order and shown at ``/orders/{id}/routing``.

The JSON of each scenario below is pinned in ``routing_explanations.json``, written by the
engine before the explanation had a type: a change to what is stored shows up here.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from oms.domain.routing import Delivery, Demand, Group, Plan, Policy, plan
from tests.support.routing import BOTH, HAT, SHIP, SHIRT, loc, rules, ship

PINNED = Path(__file__).with_name("routing_explanations.json")
PICK = frozenset({"pickup"})


def pickup(*lines: tuple[int, int, int], at: int, no: int = 1) -> Group:
    return Group(no, Delivery("pickup", pickup_location_id=at), tuple(Demand(*x) for x in lines))


def scenarios() -> dict[str, Plan]:
    return {
        "one_location_has_everything": plan(
            [ship((1, SHIRT, 2), (2, HAT, 1))],
            [
                loc(1, "NEAR", 5, {SHIRT: 5, HAT: 5}),
                loc(2, "FAR", 30, {SHIRT: 5, HAT: 5}),
                loc(3, "PART", 2, {SHIRT: 1}),
                loc(4, "NOSHIP", 1, {SHIRT: 9, HAT: 9}, caps=PICK),
                loc(5, "FULL", 1, {SHIRT: 9, HAT: 9}, capacity=0),
                loc(6, "EMPTY", 1, {}),
            ],
            Policy(),
        ),
        "split_up_to_the_limit": plan(
            [ship((1, SHIRT, 3), (2, HAT, 3))],
            [
                loc(1, "A", 5, {SHIRT: 3}),
                loc(2, "B", 6, {HAT: 2}),
                loc(3, "C", 7, {HAT: 1}),
            ],
            Policy(max_split=2),
        ),
        "no_coordinates_and_rules": plan(
            [ship((1, SHIRT, 1), at=None)],
            [
                loc(1, "WH", 50, {SHIRT: 4}, kind="warehouse", caps=SHIP, priority=1),
                loc(2, "SHOP", 5, {SHIRT: 4}),
                loc(3, "GONE", 5, {SHIRT: 4}),
            ],
            rules(
                {"filter": "max_distance_km", "km": 20},
                {"filter": "exclude", "locations": ["GONE"]},
                {"sort": "kind", "first": "warehouse"},
            ),
        ),
        "pickup_with_transfers": plan(
            [pickup((1, SHIRT, 3), at=100)],
            [
                loc(100, "CHOSEN", 0, {SHIRT: 1}, caps=BOTH),
                loc(1, "SOURCE", 8, {SHIRT: 5}),
                loc(2, "OTHER", 3, {HAT: 5}),
            ],
            Policy(transfer_to_store=True),
        ),
        "pickup_unmet_with_alternatives": plan(
            [pickup((1, SHIRT, 2), at=100)],
            [
                loc(100, "CHOSEN", 0, {SHIRT: 1}),
                loc(1, "ALT1", 4, {SHIRT: 2}),
                loc(2, "ALT2", 2, {SHIRT: 9}),
                loc(3, "SHIPONLY", 1, {SHIRT: 9}, caps=SHIP),
            ],
            Policy(),
        ),
        "pickup_store_not_open_for_routing": plan(
            [pickup((1, SHIRT, 1), at=999)],
            [loc(1, "ALT", 4, {SHIRT: 2})],
            Policy(),
        ),
        "two_deliveries_share_stock": plan(
            [ship((1, SHIRT, 2), no=1), pickup((2, SHIRT, 2), at=1, no=2)],
            [loc(1, "ONE", 1, {SHIRT: 3}), loc(2, "TWO", 9, {SHIRT: 3})],
            Policy(),
        ),
    }


@pytest.mark.parametrize("name", sorted(scenarios()))
def test_the_stored_explanation_is_unchanged(name: str) -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))[name]
    encoded = msgspec.json.encode(scenarios()[name].explanation)
    assert json.loads(encoded) == pinned
    # Key for key in the same order, too (compact separators, as msgspec writes them).
    assert encoded == json.dumps(pinned, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_scenario_is_pinned() -> None:
    assert sorted(json.loads(PINNED.read_text(encoding="utf-8"))) == sorted(scenarios())
