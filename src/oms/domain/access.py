"""Who may do what, where: pure rules over a principal, no I/O.

Roles: ``admin`` does everything; ``store_manager`` and ``associate`` act only at the
locations on their token; ``integration`` is a channel's machine client (holds, and the
orders of its own channel). Only a store manager may hand over a pickup without its code.
Reading network-wide availability is open to every role (associates must see what the
store down the road has); the ledger, holds and transfers of a location are not.
"""

from __future__ import annotations

import enum

import msgspec

from oms.domain.errors import Forbidden, NotFound


class Action(enum.Enum):
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_TOKENS = "manage_tokens"
    IMPORT_STOCK = "import_stock"
    AUDIT = "audit"
    RECEIVE = "receive"
    COUNT = "count"
    SELL = "sell"
    DAMAGE = "damage"
    ADJUST = "adjust"
    SET_SAFETY_STOCK = "set_safety_stock"
    HOLD = "hold"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    READ_LOCATION_DETAIL = "read_location_detail"
    MANAGE_CHANNELS = "manage_channels"
    PLACE_ORDER = "place_order"  # integration tokens: only for their own channel
    READ_ORDERS = "read_orders"  # scoped tokens: orders with work at their locations
    CHANGE_ORDER = "change_order"  # cancel, edit quantities
    FULFIL = "fulfil"  # pick, pack, ship, hand over, reject at a location
    OVERRIDE_PICKUP_CODE = "override_pickup_code"
    RETURN = "return"  # take a return in at a location
    READ_CUSTOMERS = "read_customers"


_SCOPED_ROLES = frozenset({"store_manager", "associate"})
_ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "admin": frozenset(Action),
    "store_manager": frozenset(
        {
            Action.RECEIVE,
            Action.COUNT,
            Action.SELL,
            Action.DAMAGE,
            Action.ADJUST,
            Action.SET_SAFETY_STOCK,
            Action.HOLD,
            Action.TRANSFER_OUT,
            Action.TRANSFER_IN,
            Action.READ_LOCATION_DETAIL,
            Action.PLACE_ORDER,
            Action.READ_ORDERS,
            Action.CHANGE_ORDER,
            Action.FULFIL,
            Action.OVERRIDE_PICKUP_CODE,
            Action.RETURN,
            Action.READ_CUSTOMERS,
        }
    ),
    "associate": frozenset(
        {
            Action.RECEIVE,
            Action.COUNT,
            Action.SELL,
            Action.DAMAGE,
            Action.HOLD,
            Action.TRANSFER_IN,
            Action.READ_LOCATION_DETAIL,
            Action.PLACE_ORDER,
            Action.READ_ORDERS,
            Action.CHANGE_ORDER,
            Action.FULFIL,
            Action.RETURN,
            Action.READ_CUSTOMERS,
        }
    ),
    # A channel's machine client: holds, and its own channel's orders.
    "integration": frozenset(
        {Action.HOLD, Action.PLACE_ORDER, Action.READ_ORDERS, Action.CHANGE_ORDER}
    ),
}


class Principal(msgspec.Struct, frozen=True):
    token_id: int
    name: str
    role: str
    location_ids: frozenset[int] = frozenset()
    channel_code: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"

    @property
    def is_scoped(self) -> bool:
        return self.role in _SCOPED_ROLES

    def may(self, action: Action) -> bool:
        return action in _ROLE_ACTIONS.get(self.role, frozenset())

    def sees_location(self, location_id: int) -> bool:
        return not self.is_scoped or location_id in self.location_ids


def require(principal: Principal, action: Action) -> None:
    """Refuse an action the role never has (403: the route exists, the role may not)."""
    if not principal.may(action):
        raise Forbidden(f"role {principal.role!r} may not {action.value.replace('_', ' ')}")


def require_at(principal: Principal, action: Action, location_id: int, location_code: str) -> None:
    """Refuse an action at a location outside the token's scope.

    Location codes are public (stores are on the high street), so saying "not yours" leaks
    nothing; what lives at the location (holds, ledger) is hidden behind 404 instead.
    """
    require(principal, action)
    if not principal.sees_location(location_id):
        raise Forbidden(f"location {location_code!r} is outside this token's scope")


def require_visible(principal: Principal, location_id: int, what: str) -> None:
    """Hide another store's records: a scoped token gets the same 404 as for a missing one."""
    if principal.is_scoped and location_id not in principal.location_ids:
        raise NotFound(f"{what} not found")
