"""Order routing: which locations fulfil an order's lines, by the channel's rules, and why.

Pure Python: the order service reads candidates and the channel's policy, calls ``plan``
and reserves what it answers. The channels API calls ``validate_rules`` before storing.
"""

from oms.domain.routing.engine import plan
from oms.domain.routing.model import (
    AllocatedLine,
    Allocation,
    AllocationMethod,
    Candidate,
    Delivery,
    Demand,
    Group,
    Method,
    Plan,
    Policy,
    available_in_network,
)
from oms.domain.routing.rules import DEFAULT_RULES, validate_rules

__all__ = [
    "DEFAULT_RULES",
    "AllocatedLine",
    "Allocation",
    "AllocationMethod",
    "Candidate",
    "Delivery",
    "Demand",
    "Group",
    "Method",
    "Plan",
    "Policy",
    "available_in_network",
    "plan",
    "validate_rules",
]
