"""The channel quantity policy, applied in its documented order, and the retry schedule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oms.domain.channel_sync import (
    RETRY_CAP_SECONDS,
    QuantityPolicy,
    publishable,
    retry_delay,
)


def test_sum_then_buffer_then_percent_rounded_down_then_cap_then_zero() -> None:
    policy = QuantityPolicy(buffer=2, percent=50, max_quantity=10, zero_at_or_below=1)
    assert publishable([4, 5], policy) == 3  # (9 - 2) * 50% = 3.5 -> 3
    assert publishable([30, 0], policy) == 10  # (30 - 2) * 50% = 14 -> capped at 10
    assert publishable([3, 0], policy) == 0  # (3 - 2) * 50% = 0
    assert publishable([4, 1], policy) == 0  # (5 - 2) * 50% = 1 -> at the threshold: 0
    assert publishable([5, 1], policy) == 2


def test_a_location_short_of_stock_does_not_eat_another_one() -> None:
    # A level can be oversold (safety stock raised under reservations): it counts as 0.
    assert publishable([-3, 4], QuantityPolicy()) == 4


def test_percent_rounds_down_like_the_channels_do() -> None:
    assert publishable([1], QuantityPolicy(percent=90)) == 0
    assert publishable([2], QuantityPolicy(percent=40)) == 0
    assert publishable([10], QuantityPolicy(percent=15)) == 1


@given(
    st.lists(st.integers(-50, 500), max_size=6),
    st.integers(0, 50),
    st.integers(0, 100),
    st.one_of(st.none(), st.integers(0, 300)),
    st.integers(0, 20),
)
def test_never_negative_never_above_cap_never_above_what_is_free(
    units: list[int], buffer: int, percent: int, cap: int | None, zero_at: int
) -> None:
    policy = QuantityPolicy(
        buffer=buffer, percent=percent, max_quantity=cap, zero_at_or_below=zero_at
    )
    quantity = publishable(units, policy)
    assert quantity >= 0
    assert quantity <= sum(max(u, 0) for u in units)
    assert cap is None or quantity <= cap
    assert quantity == 0 or quantity > zero_at


def test_retry_delay_grows_and_is_capped() -> None:
    assert retry_delay(0, 0.999) < retry_delay(3, 0.999) < retry_delay(6, 0.999)
    assert retry_delay(40, 0.999) <= RETRY_CAP_SECONDS
    assert retry_delay(5, 0.0) == 0.5  # full jitter, with a floor
