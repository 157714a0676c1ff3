"""Pure stock arithmetic: availability, line merging (the lock order) and ledger replay."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oms.domain.stock import LedgerDelta, LevelBalance, available, merge_lines, replay


def test_available_is_what_is_left_after_reservations_and_safety_stock() -> None:
    assert available(10, 3, 2) == 5
    assert available(10, 0, 0) == 10
    assert available(5, 5, 0) == 0


def test_available_never_goes_below_zero() -> None:
    assert available(5, 4, 2) == 0  # safety stock eats into what is left
    assert available(3, 8, 0) == 0  # over-committed after a count
    assert available(-2, 0, 0) == 0  # sold below zero at the till


@given(st.integers(-1000, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_available_is_the_floored_difference(on_hand: int, reserved: int, safety: int) -> None:
    assert available(on_hand, reserved, safety) == max(0, on_hand - reserved - safety)


def test_merge_lines_sums_repeated_skus_and_sorts_by_id() -> None:
    assert merge_lines([(7, 1), (3, 2), (7, 4), (5, 1), (3, 1)]) == [(3, 3), (5, 1), (7, 5)]
    assert merge_lines([]) == []
    assert merge_lines([(9, 2)]) == [(9, 2)]


@given(st.lists(st.tuples(st.integers(1, 20), st.integers(1, 50)), max_size=30))
def test_merge_lines_keeps_totals_and_gives_one_line_per_sku_in_order(
    lines: list[tuple[int, int]],
) -> None:
    merged = merge_lines(lines)
    ids = [sku_id for sku_id, _ in merged]
    assert ids == sorted(set(ids))
    assert set(ids) == {sku_id for sku_id, _ in lines}
    for sku_id, total in merged:
        assert total == sum(q for s, q in lines if s == sku_id)
    # The order of the request does not matter: the lock order is always the same.
    assert merge_lines(reversed(lines)) == merged


def test_replay_sums_both_deltas_from_nothing() -> None:
    assert replay([]) == LevelBalance(0, 0)
    movements = [
        LedgerDelta(10, 0),  # receipt
        LedgerDelta(0, 4),  # reserve
        LedgerDelta(0, -1),  # release
        LedgerDelta(-3, -3),  # ship
        LedgerDelta(-8, 0),  # walk-in sale below zero
    ]
    assert replay(movements) == LevelBalance(on_hand=-1, reserved=0)


@given(st.lists(st.tuples(st.integers(-100, 100), st.integers(-100, 100)), max_size=40))
def test_replay_equals_the_column_sums(deltas: list[tuple[int, int]]) -> None:
    balance = replay(LedgerDelta(a, b) for a, b in deltas)
    assert balance == LevelBalance(sum(a for a, _ in deltas), sum(b for _, b in deltas))
