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

from oms.domain.errors import Forbidden, InvalidInput, NotFound


class Role(enum.StrEnum):
    """What a caller is; the value is what a token row stores and what ``actor`` shows."""

    ADMIN = "admin"
    STORE_MANAGER = "store_manager"
    ASSOCIATE = "associate"
    INTEGRATION = "integration"
    # The Prometheus scraper's OMS_METRICS_TOKEN: opens GET /metrics and nothing else. Never
    # stored: no API token carries it.
    METRICS = "metrics"


# The roles an API token may be issued with.
TOKEN_ROLES = (Role.ADMIN, Role.STORE_MANAGER, Role.ASSOCIATE, Role.INTEGRATION)
# Roles a staff account (a person signing in to the associate app) may have.
STAFF_ROLES = (Role.ADMIN, Role.STORE_MANAGER, Role.ASSOCIATE)
# Roles confined to the locations on their token.
SCOPED_ROLES = frozenset({Role.STORE_MANAGER, Role.ASSOCIATE})


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
    UNLOCK_PICKUP_CODE = "unlock_pickup_code"  # after too many wrong codes, with a reason
    RETURN = "return"  # take a return in at a location
    READ_CUSTOMERS = "read_customers"
    READ_LISTINGS = "read_listings"  # integration tokens: only their own channel's
    MANAGE_PRICES = "manage_prices"  # set, import and delete channel prices
    READ_PRICES = "read_prices"  # store staff quote them to customers
    OVERRIDE_PRICE = "override_price"  # charge another price than the list's, at a location


_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.STORE_MANAGER: frozenset(
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
            Action.UNLOCK_PICKUP_CODE,
            Action.RETURN,
            Action.READ_CUSTOMERS,
            Action.READ_PRICES,
            Action.OVERRIDE_PRICE,
        }
    ),
    Role.ASSOCIATE: frozenset(
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
            Action.READ_PRICES,
        }
    ),
    # A channel's machine client: holds, its own channel's orders and listings.
    Role.INTEGRATION: frozenset(
        {
            Action.HOLD,
            Action.PLACE_ORDER,
            Action.READ_ORDERS,
            Action.CHANGE_ORDER,
            Action.READ_LISTINGS,
        }
    ),
}


class Principal(msgspec.Struct, frozen=True):
    token_id: int
    name: str
    role: Role
    location_ids: frozenset[int] = frozenset()
    channel_code: str | None = None

    @property
    def actor(self) -> str:
        """``role:name``, as ledger rows, events and imports record who acted."""
        return f"{self.role}:{self.name}"

    @property
    def is_scoped(self) -> bool:
        """Whether the role acts only at the token's locations (store staff)."""
        return self.role in SCOPED_ROLES

    def may(self, action: Action) -> bool:
        """Whether the role ever has ``action``, wherever it is done."""
        return action in _ROLE_ACTIONS.get(self.role, frozenset())

    def sees_location(self, location_id: int) -> bool:
        """Whether the token acts at this location: any for unscoped roles, else its own."""
        return not self.is_scoped or location_id in self.location_ids


def require(principal: Principal, action: Action) -> None:
    """Refuse an action the role never has (403: the route exists, the role may not)."""
    if not principal.may(action):
        raise Forbidden(f"role {_named(principal)!r} may not {action.value.replace('_', ' ')}")


def _named(principal: Principal) -> str:
    # The role's plain value for messages (a Role's repr would show the enum).
    return str(principal.role)


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


def check_token_scope(role: Role, *, has_locations: bool, has_channel: bool) -> None:
    """Refuse a token whose scope does not fit its role, when it is issued: store roles act
    at one or more locations, an integration token for one channel, no other role at
    locations (InvalidInput)."""
    scoped = role in SCOPED_ROLES
    if scoped and not has_locations:
        raise InvalidInput(f"a {role} token needs at least one location")
    if not scoped and has_locations:
        raise InvalidInput(f"a {role} token is not scoped to locations")
    if role == Role.INTEGRATION and not has_channel:
        raise InvalidInput("an integration token needs a channel_code")


# Integration tokens: a channel's machine client sees and acts for its own channel only, and
# among holds only those it placed. Every check of that kind asks one of these.


def channel_scope(principal: Principal) -> str | None:
    """The one channel whose records the token is confined to; None: not confined by channel.

    An integration token without a channel (which token issuing refuses) is confined to
    none: an empty string matches no channel code.
    """
    if principal.role != Role.INTEGRATION:
        return None
    return principal.channel_code or ""


def sees_channel(principal: Principal, channel: str) -> bool:
    """Whether the token may see ``channel``: its policy, orders and fulfilments."""
    if principal.role != Role.INTEGRATION:
        return True
    return principal.channel_code is not None and principal.channel_code == channel


def require_channel(principal: Principal, channel: str, *, to: str) -> None:
    """Refuse an integration token acting for another channel (403).

    ``to`` says what it tried, for the message: "this token {to} only for channel ...".
    """
    if not sees_channel(principal, channel):
        raise Forbidden(f"this token {to} only for channel {principal.channel_code!r}")


def require_listings_reader(principal: Principal, channel: str) -> None:
    """A channel's listings (the partner's ids, what we would publish now, the sync state):
    admins, and the channel's own integration token, so a partner-side integration can
    check its mapping and read the quantities meant for it. Store staff are refused (403);
    another channel's token gets the 404 of a channel that does not exist, as for the
    channel itself. Sync settings (our environment's variable names) stay admin only."""
    require(principal, Action.READ_LISTINGS)
    if not sees_channel(principal, channel):
        raise NotFound(f"channel {channel!r} not found", channel=channel)


def sees_hold(principal: Principal, *, placed_by: str) -> bool:
    """Whether the token may see a hold placed by actor ``placed_by``, apart from location
    scope: an integration token sees only its own (another client's carts are not its
    business); store tokens are limited by location instead (``require_visible``)."""
    return principal.role != Role.INTEGRATION or placed_by == principal.actor


# Customers, their orders, returns and staff ordering: one rule per question. The services
# gather the facts (does the order have work at the token's stores, does the token hold a
# live look-up grant for the customer, does the channel allow staff orders) and ask here.

# Exact keys a customer gives at the counter or on the phone. A name is a guess: it finds
# only customers of the token's own stores.
EXACT_LOOKUPS = frozenset({"email", "phone"})


class CustomerSearch(enum.Enum):
    NETWORK = "network"  # every customer
    OWN_STORES = "own_stores"  # customers with an order the token's stores work on


def customer_search_scope(principal: Principal, by: str) -> CustomerSearch:
    """Which customers a search by ``by`` ("email", "phone" or "name") may return.

    Store staff find anyone by exact email or phone (the person in front of them gave
    it), but a name only among their own stores' customers: no network-wide listing.
    Integration tokens never read customers (403).
    """
    require(principal, Action.READ_CUSTOMERS)
    if principal.is_scoped and by not in EXACT_LOOKUPS:
        return CustomerSearch.OWN_STORES
    return CustomerSearch.NETWORK


def look_up_grants_access(principal: Principal, by: str) -> bool:
    """Whether finding a customer this way opens them (profile, every order) to the token
    for a while. Admins see everyone anyway; only an exact key proves the customer is
    being served."""
    return principal.is_scoped and principal.may(Action.READ_CUSTOMERS) and by in EXACT_LOOKUPS


def may_read_customer(principal: Principal, *, own_stores_customer: bool, has_grant: bool) -> bool:
    """A profile with its cross-channel history: admins always; store staff for their own
    stores' customers or a customer they looked up (live grant)."""
    if not principal.may(Action.READ_CUSTOMERS):
        return False
    return not principal.is_scoped or own_stores_customer or has_grant


class OrderAccess(enum.Enum):
    NONE = "none"
    # Admins; an integration token's own channel; an order with work at the token's
    # stores (a fulfilment there, stock sent there for pickup) or placed by the token.
    DIRECT = "direct"
    # Through a live look-up grant for the order's customer: written to the order's events.
    CUSTOMER_LOOKUP = "customer_lookup"


def order_read_access(
    principal: Principal, *, channel: str, works_here: bool, has_grant: bool
) -> OrderAccess:
    """How the caller may read an order (and its events, routing and returns)."""
    if not principal.may(Action.READ_ORDERS):
        return OrderAccess.NONE
    if channel_scope(principal) is not None:
        return OrderAccess.DIRECT if sees_channel(principal, channel) else OrderAccess.NONE
    if not principal.is_scoped or works_here:
        return OrderAccess.DIRECT
    return OrderAccess.CUSTOMER_LOOKUP if has_grant else OrderAccess.NONE


def may_change_order(principal: Principal, *, channel: str, works_here: bool) -> bool:
    """Cancel and edit: only orders the token's stores work on (a look-up grant reads,
    it does not change)."""
    return principal.may(Action.CHANGE_ORDER) and (
        order_read_access(principal, channel=channel, works_here=works_here, has_grant=False)
        is OrderAccess.DIRECT
    )


def order_list_scope(principal: Principal, *, customer_grant: bool) -> frozenset[int] | None:
    """The locations whose work limits an order list (None: not limited by location).

    ``customer_grant``: the list is one customer's orders and the token holds a live
    look-up grant for them, so it sees their whole history, as on the profile.
    """
    if not principal.is_scoped or customer_grant:
        return None
    return principal.location_ids


def may_take_return(principal: Principal, *, location_id: int, access: OrderAccess) -> bool:
    """A return at a location in the token's scope, of an order it may read: bought
    online or in another store, returned here."""
    return (
        principal.may(Action.RETURN)
        and principal.sees_location(location_id)
        and access is not OrderAccess.NONE
    )


def may_read_returns(principal: Principal, *, access: OrderAccess, took_return_here: bool) -> bool:
    """An order's returns: whoever may read the order, and a store that took one in."""
    if access is not OrderAccess.NONE:
        return True
    return principal.is_scoped and principal.may(Action.READ_ORDERS) and took_return_here


def may_place_order_on(principal: Principal, *, channel: str, staff_orders: bool) -> bool:
    """Admins anywhere; an integration token on its own channel; store staff only on
    channels that allow staff ordering (tills and the web shop, not marketplaces)."""
    if not principal.may(Action.PLACE_ORDER):
        return False
    if channel_scope(principal) is not None:
        return sees_channel(principal, channel)
    return not principal.is_scoped or staff_orders


def require_place_order_on(principal: Principal, *, channel: str, staff_orders: bool) -> None:
    """Forbidden unless ``may_place_order_on`` allows this token to order on the channel."""
    if not may_place_order_on(principal, channel=channel, staff_orders=staff_orders):
        raise Forbidden(
            f"channel {channel!r} does not take orders from role {_named(principal)!r}",
            channel=channel,
        )


# Price lists: admins set them; store staff read them (they quote prices at the counter);
# a channel's machine client does not (the partner sets its own prices).


def may_override_price_at(principal: Principal, location_id: int) -> bool:
    """Whether the token may charge another price than the channel's list price for an
    order taken at ``location_id``: admins anywhere, a store manager at their own stores.
    A discount is money given away, so an associate needs a manager to approve it."""
    return principal.may(Action.OVERRIDE_PRICE) and principal.sees_location(location_id)


def may_approve_at(principal: Principal, location_id: int) -> bool:
    """Whether the person may approve, on the spot, what an associate may not do alone at
    ``location_id`` (typing in a price): an admin, or a manager of that store. What the
    approval then covers is asked of the approver's own rules."""
    return principal.role in (Role.ADMIN, Role.STORE_MANAGER) and principal.sees_location(
        location_id
    )
