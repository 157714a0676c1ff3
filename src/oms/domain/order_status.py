"""An order's status, derived from its lines and fulfilments: pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from oms.domain.fulfilment_flow import DELIVERED_STATES, LIVE_STATES


@dataclass(frozen=True, slots=True)
class LineTally:
    quantity: int
    cancelled: int
    backordered: int


def order_status(lines: Iterable[LineTally], fulfilment_states: Iterable[str]) -> str:
    """``cancelled`` when every unit is; ``backordered`` while any unit waits for stock;
    ``completed`` once nothing is left to do; otherwise ``open``."""
    tallies = list(lines)
    if all(t.cancelled == t.quantity for t in tallies):
        return "cancelled"
    if any(t.backordered for t in tallies):
        return "backordered"
    states = list(fulfilment_states)
    if not any(state in LIVE_STATES for state in states) and any(
        state in DELIVERED_STATES for state in states
    ):
        return "completed"
    return "open"
