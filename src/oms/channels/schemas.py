"""Request and response bodies for sales channels.

Routing rules are checked by the routing domain's own validator in ``__post_init__``, so a
bad rule is a 400 like any other malformed field, before anything is written. Messages
start with the field they are about, as the error's location only names the body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from oms.catalogue.schemas import Name, check_unique
from oms.domain.customer_messages import CUSTOMER_MESSAGES, CustomerMessage
from oms.domain.patterns import whole
from oms.domain.routing.rules import MAX_RULES, validate_rules
from oms.schemas import Input, LocationCode, Output, Page

# Every struct restates frozen=True: type checkers do not carry it over from the base.

ChannelKind = Literal["pos", "web", "marketplace"]
ChannelCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=32, pattern=whole(r"[A-Za-z0-9._\-]+"))
]
Currency = Annotated[
    str, msgspec.Meta(pattern=whole(r"[A-Z]{3}"), description="ISO 4217 code", examples=["GBP"])
]
MaxSplit = Annotated[
    int, msgspec.Meta(ge=1, le=10, description="Most locations one order may be split across")
]
PickupHoldDays = Annotated[
    int, msgspec.Meta(ge=1, le=90, description="Days a ready pickup waits for the customer")
]
RoutingRules = Annotated[
    list[dict[str, Any]],
    msgspec.Meta(max_length=MAX_RULES, description="Ordered routing rules; empty: the defaults"),
]
EligibleLocations = Annotated[
    list[LocationCode],
    msgspec.Meta(max_length=500, description="Locations that may fulfil; empty: every one"),
]

# ISO 4217 currencies in circulation. Fund, precious-metal and testing codes (XAU, XXX,
# BOV, ...) are left out: nobody prices a sale in them.
_CIRCULATING = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
    KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
    RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG
"""
CURRENCY_CODES = frozenset(_CIRCULATING.split())


def check_currency(code: str) -> None:
    """Raise ValueError unless ``code`` is an ISO 4217 currency in circulation."""
    if code not in CURRENCY_CODES:
        raise ValueError(f"currency: {code!r} is not an ISO 4217 currency in circulation")


def check_rules(rules: list[dict[str, Any]]) -> None:
    """Raise ValueError, prefixed ``routing_rules:``, for rules the routing engine refuses."""
    try:
        validate_rules(rules)
    except ValueError as exc:
        raise ValueError(f"routing_rules: {exc}") from None


# The messages this service writes to the channel's customers; the rest are the channel's
# own platform's to send (a marketplace's shipping confirmation). Without
# ``ready_for_pickup`` customers get no pickup code from us.
CustomerMessages = Annotated[
    list[CustomerMessage],
    msgspec.Meta(
        max_length=len(CUSTOMER_MESSAGES),
        description="Messages this service sends to the channel's customers",
    ),
]


class ChannelIn(Input, frozen=True, kw_only=True):
    code: ChannelCode
    name: Name
    kind: ChannelKind
    currency: Currency
    backorders: bool = False
    transfer_to_store: bool = False
    max_split: MaxSplit = 2
    routing_rules: RoutingRules = []
    pickup_hold_days: PickupHoldDays = 7
    locations: EligibleLocations = []
    # Whether store staff may place orders here; unset: yes for pos and web, no for a
    # marketplace (its customers order on the marketplace itself).
    staff_orders: bool | UnsetType = UNSET
    customer_messages: CustomerMessages = msgspec.field(
        default_factory=lambda: list(CUSTOMER_MESSAGES)
    )
    active: bool = True

    def __post_init__(self) -> None:
        check_currency(self.currency)
        check_rules(self.routing_rules)
        check_unique(self.locations, "locations")
        check_unique(self.customer_messages, "customer_messages")


class ChannelPatch(Input, frozen=True):
    """Only the fields present change; ``null`` is refused; ``locations`` replaces the set."""

    name: Name | UnsetType = UNSET
    kind: ChannelKind | UnsetType = UNSET
    currency: Currency | UnsetType = UNSET
    backorders: bool | UnsetType = UNSET
    transfer_to_store: bool | UnsetType = UNSET
    max_split: MaxSplit | UnsetType = UNSET
    routing_rules: RoutingRules | UnsetType = UNSET
    pickup_hold_days: PickupHoldDays | UnsetType = UNSET
    locations: EligibleLocations | UnsetType = UNSET
    staff_orders: bool | UnsetType = UNSET
    customer_messages: CustomerMessages | UnsetType = UNSET
    active: bool | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.customer_messages, UnsetType):
            check_unique(self.customer_messages, "customer_messages")
        if not isinstance(self.currency, UnsetType):
            check_currency(self.currency)
        if not isinstance(self.routing_rules, UnsetType):
            check_rules(self.routing_rules)
        if not isinstance(self.locations, UnsetType):
            check_unique(self.locations, "locations")


class ChannelOut(Output, frozen=True):
    code: str
    name: str
    kind: ChannelKind
    currency: str
    backorders: bool
    transfer_to_store: bool
    max_split: int
    routing_rules: list[dict[str, Any]]
    pickup_hold_days: int
    # Codes of the locations allowed to fulfil, sorted; empty means every location.
    locations: list[str]
    # Whether store staff (store managers, associates) may place orders on the channel.
    staff_orders: bool
    # The messages this service writes to the channel's customers.
    customer_messages: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class ChannelList(Page, frozen=True):
    items: list[ChannelOut]
