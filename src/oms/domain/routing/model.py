"""What the routing engine works on and what it answers: plain values, no I/O.

The service layer reads candidates (locations with their sellable stock and today's spare
capacity) and the channel's policy, calls ``engine.plan`` and reserves the result. If a
reservation loses a race it reads again and plans again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from oms.domain.fulfilment_flow import Method as FulfilmentMethod

if TYPE_CHECKING:  # explanation.py builds on this module's Method and AllocationMethod
    from oms.domain.routing.explanation import Explanation

Method = Literal["ship", "pickup"]
# An allocation becomes a fulfilment with this method.
AllocationMethod: TypeAlias = FulfilmentMethod


@dataclass(frozen=True, slots=True)
class Candidate:
    """A location that might fulfil part of an order, as it stands right now."""

    location_id: int
    code: str
    kind: str  # "store" or "warehouse"
    lat: float
    lon: float
    priority: int  # lower is preferred
    capabilities: frozenset[str]  # "pickup", "ship_from", "walk_in"
    capacity_left: int  # fulfilments it may still take today (daily capacity minus load)
    available: Mapping[int, int]  # sku_id -> sellable units (safety stock already taken off)


def available_in_network(
    candidates: Iterable[Candidate], sku_id: int, eligible: Collection[int] | None
) -> int:
    """Sellable units of ``sku_id`` across the candidates a channel may use (all: None)."""
    return sum(
        c.available.get(sku_id, 0)
        for c in candidates
        if eligible is None or c.location_id in eligible
    )


@dataclass(frozen=True, slots=True)
class Demand:
    """Units of one order line still to be placed."""

    line_no: int
    sku_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one group of lines reaches the customer."""

    method: Method
    # ship: where to (None when the address could not be placed: distance is then unknown)
    lat: float | None = None
    lon: float | None = None
    # pickup: the store the customer chose
    pickup_location_id: int | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """One delivery and the demand that goes with it."""

    delivery_no: int
    delivery: Delivery
    demand: tuple[Demand, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A channel's routing settings."""

    rules: tuple[Mapping[str, Any], ...] = ()  # empty: the default rules
    max_split: int = 2
    transfer_to_store: bool = False
    eligible_location_ids: frozenset[int] | None = None  # None: every location


@dataclass(frozen=True, slots=True)
class AllocatedLine:
    line_no: int
    sku_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units to reserve and fulfil at one location by one method.

    ``transfer`` allocations are picked at ``location_id`` and sent to the pickup store
    ``destination_location_id``, where the group's ``pickup`` allocation waits for them.
    """

    delivery_no: int
    location_id: int
    method: AllocationMethod
    lines: tuple[AllocatedLine, ...]
    destination_location_id: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    allocations: tuple[Allocation, ...]
    unallocated: tuple[tuple[int, Demand], ...]  # (delivery_no, demand) nothing could take
    # Per group, the rules applied and every candidate with why it was chosen or skipped;
    # for a pickup that cannot be met, the nearby stores that have everything.
    explanation: Explanation

    @property
    def complete(self) -> bool:
        """Whether every unit found a location (nothing left unallocated)."""
        return not self.unallocated
