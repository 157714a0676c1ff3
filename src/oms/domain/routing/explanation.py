"""Why a plan is what it is: per delivery group, the rules applied, every candidate with its
status and reason, what was allocated, what was not, and (for a pickup that cannot be met)
the nearby stores that have everything.

Stored with the order's routing decision as JSON and shown at ``/orders/{id}/routing``:
field order is the stored key order, and a field left ``UNSET`` is left out (``role`` of a
ship candidate, ``pickup_store`` of a ship group), as before these types existed.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from oms.domain.routing.model import AllocationMethod, Method

Status = Literal["chosen", "skipped"]
Outcome = Literal["complete", "partial", "unallocated"]
# What a candidate is to a pickup group; ship candidates have no role.
Role = Literal["pickup store", "transfer source"]


class LineQuantity(msgspec.Struct, frozen=True, kw_only=True):
    line: int
    quantity: int


class CandidateEntry(msgspec.Struct, kw_only=True):
    """One location considered for a group. Ranking sets ``status`` and ``reason`` later."""

    location: str
    kind: str
    role: Role | UnsetType = UNSET
    distance_km: float | None
    priority: int
    capacity_left: int
    can_supply: dict[str, int]  # line number (as text) -> units it could supply
    status: Status = "skipped"
    reason: str = ""


class AllocationEntry(msgspec.Struct, frozen=True, kw_only=True):
    location: str
    method: AllocationMethod
    lines: list[LineQuantity]
    destination: str | None  # transfers: the pickup store they go to


class Alternative(msgspec.Struct, frozen=True, kw_only=True):
    """Another pickup store that has everything now."""

    location: str
    distance_km: float | None  # from the chosen store; None when its position is unknown


class GroupExplanation(msgspec.Struct, kw_only=True):
    """One delivery group, filled in as the engine works through it."""

    delivery: int = 0
    method: Method
    pickup_store: str | UnsetType | None = UNSET  # pickup groups only
    outcome: Outcome | Literal[""] = ""
    rules: list[dict[str, Any]]  # the channel's rules as validated, or the default ones
    notes: list[str]
    candidates: list[CandidateEntry] = msgspec.field(default_factory=list)
    allocations: list[AllocationEntry] = msgspec.field(default_factory=list)
    unallocated: list[LineQuantity] = msgspec.field(default_factory=list)
    alternatives: list[Alternative] = msgspec.field(default_factory=list)


class Explanation(msgspec.Struct, kw_only=True):
    default_rules: bool
    max_split: int
    transfer_to_store: bool
    groups: list[GroupExplanation]
