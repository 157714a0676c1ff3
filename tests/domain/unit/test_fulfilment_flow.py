"""The fulfilment state machine, short-pick reasons and pickup codes (pure, no database)."""

from __future__ import annotations

import pytest

from oms.domain.errors import InvalidInput, InvalidState
from oms.domain.fulfilment_flow import (
    DEFAULT_SHORT_PICK_EFFECTS,
    FINAL_STATES,
    PICKUP_CODE_ALPHABET,
    PICKUP_CODE_LENGTH,
    PickupCodeMismatch,
    StockEffect,
    allowed_next,
    check_short_pick,
    check_transition,
    new_pickup_code,
    normalise_pickup_code,
    parse_effects,
    pickup_code_matches,
    short_pick_effect,
)

LEGAL = [
    ("ship", "pending", "picking"),
    ("ship", "picking", "packed"),
    ("ship", "packed", "shipped"),
    ("transfer", "packed", "shipped"),
    ("pickup", "packed", "ready_for_pickup"),
    ("pickup", "ready_for_pickup", "picked_up"),
    ("ship", "pending", "rejected"),
    ("ship", "picking", "rejected"),
    ("pickup", "packed", "rejected"),
    ("ship", "pending", "cancelled"),
    ("transfer", "picking", "cancelled"),
    ("ship", "packed", "cancelled"),
    ("pickup", "ready_for_pickup", "cancelled"),
]

ILLEGAL = [
    ("ship", "pending", "packed"),  # skipping picking
    ("ship", "pending", "shipped"),
    ("ship", "picking", "shipped"),
    ("ship", "packed", "ready_for_pickup"),  # a parcel never waits on the shelf
    ("transfer", "packed", "ready_for_pickup"),
    ("pickup", "packed", "shipped"),  # a pickup is handed over, not shipped
    ("pickup", "picking", "ready_for_pickup"),
    ("pickup", "ready_for_pickup", "rejected"),  # picked already: too late to be short
    ("pickup", "pending", "picked_up"),
    ("ship", "shipped", "cancelled"),
    ("pickup", "picked_up", "cancelled"),
    ("ship", "rejected", "picking"),
    ("ship", "cancelled", "pending"),
    ("ship", "picking", "picking"),
]


@pytest.mark.parametrize(("method", "current", "target"), LEGAL)
def test_legal_transitions_pass(method: str, current: str, target: str) -> None:
    check_transition(current, target, method)
    assert target in allowed_next(current, method)


@pytest.mark.parametrize(("method", "current", "target"), ILLEGAL)
def test_illegal_transitions_name_from_to_and_the_options(
    method: str, current: str, target: str
) -> None:
    with pytest.raises(InvalidState) as raised:
        check_transition(current, target, method)
    error = raised.value
    assert current in error.detail
    assert target in error.detail
    assert error.extra["state"] == current
    assert error.extra["target"] == target
    assert error.extra["allowed"] == list(allowed_next(current, method))
    for option in allowed_next(current, method):
        assert option in error.detail


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
@pytest.mark.parametrize("method", ["ship", "pickup", "transfer"])
def test_final_states_allow_nothing(state: str, method: str) -> None:
    assert allowed_next(state, method) == ()
    with pytest.raises(InvalidState, match="none"):
        check_transition(state, "cancelled", method)


def test_a_pickup_awaiting_its_transfer_cannot_start_picking_but_can_be_cancelled() -> None:
    with pytest.raises(InvalidState, match="waiting for its transfer") as raised:
        check_transition("pending", "picking", "pickup", awaiting_transfer=True)
    assert "picking" not in raised.value.extra["allowed"]
    check_transition("pending", "cancelled", "pickup", awaiting_transfer=True)
    check_transition("pending", "picking", "pickup", awaiting_transfer=False)


@pytest.mark.parametrize("state", ["pending", "picking", "packed"])
def test_short_picks_allowed_while_work_is_in_progress(state: str) -> None:
    check_short_pick(state, "ship")


@pytest.mark.parametrize("state", ["ready_for_pickup", "shipped", "picked_up", "rejected"])
def test_short_picks_refused_once_the_goods_are_gathered_or_gone(state: str) -> None:
    with pytest.raises(InvalidState, match=state):
        check_short_pick(state, "pickup")


def test_default_reason_effects() -> None:
    assert short_pick_effect("not_found") is StockEffect.COUNT_ZERO
    assert short_pick_effect("damaged") is StockEffect.DAMAGE
    assert short_pick_effect("wrong_item") is StockEffect.FLAG_COUNT
    assert short_pick_effect("other") is StockEffect.FLAG_COUNT
    assert short_pick_effect("no_capacity") is StockEffect.NONE


def test_unknown_reason_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as raised:
        short_pick_effect("stolen")
    assert "stolen" in raised.value.detail
    assert raised.value.extra["known"] == sorted(DEFAULT_SHORT_PICK_EFFECTS)


def test_reason_mapping_is_configurable() -> None:
    effects = parse_effects({"stolen": "count_zero", "not_found": "flag_count"})
    assert short_pick_effect("stolen", effects) is StockEffect.COUNT_ZERO
    assert short_pick_effect("not_found", effects) is StockEffect.FLAG_COUNT
    with pytest.raises(InvalidInput):
        short_pick_effect("damaged", effects)
    with pytest.raises(ValueError, match="count_zero"):
        parse_effects({"lost": "vanish"})


def test_pickup_codes_use_only_unambiguous_characters() -> None:
    codes = {new_pickup_code() for _ in range(500)}
    assert len(codes) > 490  # random, not a counter
    for code in codes:
        assert len(code) == PICKUP_CODE_LENGTH
        assert set(code) <= set(PICKUP_CODE_ALPHABET)
    assert not set("0O1IL5S2Z8B") & set(PICKUP_CODE_ALPHABET)


def test_pickup_code_comparison() -> None:
    assert pickup_code_matches("ACD-EFG", "ACDEFG")
    assert pickup_code_matches(" acd efg ", "ACDEFG")
    assert not pickup_code_matches("ACDEFH", "ACDEFG")
    assert not pickup_code_matches("ACDEF", "ACDEFG")
    assert not pickup_code_matches("", "ACDEFG")
    assert not pickup_code_matches("ACDEFG", None)
    assert not pickup_code_matches("ÄCDEFG", "ACDEFG")
    assert normalise_pickup_code("ab-c d") == "ABCD"


def test_mismatch_error_has_its_own_code() -> None:
    error = PickupCodeMismatch("no")
    assert error.code == "pickup_code_mismatch"
    assert isinstance(error, InvalidInput)
