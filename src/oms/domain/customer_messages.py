"""The messages this service may write to a channel's customers. Pure, no I/O.

A channel chooses which of them it sends (``channel.customer_messages``): a marketplace
tells its buyers itself that a parcel shipped, and may forbid sellers to write to them;
a web shop's platform may send its own confirmations. The pickup code is only in
``ready_for_pickup``: a channel that turns it off must give its customers the code another
way, or every hand-over needs a manager's override.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

CustomerMessage: TypeAlias = Literal[
    "order_placed", "ready_for_pickup", "parcel_shipped", "order_cancelled"
]
CUSTOMER_MESSAGES: tuple[CustomerMessage, ...] = (
    "order_placed",  # orders taken by store staff: the customer leaves with a confirmation
    "ready_for_pickup",
    "parcel_shipped",
    "order_cancelled",
)
