"""Request and response bodies for locations and SKUs.

Checks that need more than a type (time zone names, opening hours, GTIN check digits,
unique list items) run in ``__post_init__``: a ``ValueError`` there becomes a 400 exactly
like a type error. Its message starts with the field it is about, as the error's location
only names the enclosing object.
"""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from oms.domain import gtin
from oms.domain.patterns import whole
from oms.schemas import Code, Input, LocationCode, Output, Page

# Every struct restates frozen=True: type checkers do not carry it over from the base.

# ---- shared pieces -----------------------------------------------------------------------

LocationKind = Literal["store", "warehouse"]
Capability = Literal["pickup", "ship_from", "walk_in"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
SkuName = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=r"\S")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/London"])]
DailyCapacity = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Priority = Annotated[int, msgspec.Meta(ge=0, le=1000, description="Lower is preferred")]
Capabilities = Annotated[list[Capability], msgspec.Meta(max_length=3)]
# "24:00" is allowed as a closing time so a day can run to midnight.
ClockTime = Annotated[str, msgspec.Meta(pattern=whole(r"(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)"))]
Period = tuple[ClockTime, ClockTime]
DayHours = Annotated[list[Period], msgspec.Meta(max_length=3)]

Barcode = Annotated[str, msgspec.Meta(min_length=1, max_length=32, examples=["5012345678900"])]
Barcodes = Annotated[list[Barcode], msgspec.Meta(max_length=50)]
AttributeKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
AttributeValue = Annotated[str, msgspec.Meta(max_length=1000)] | int | float | bool
Attributes = Annotated[dict[AttributeKey, AttributeValue], msgspec.Meta(max_length=50)]

# ISO 3166-1 alpha-2: every officially assigned code.
_ASSIGNED_COUNTRIES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_ASSIGNED_COUNTRIES.split())


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # "localtime" and "Factory" exist in the database but name no real place.
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def check_time_zone(name: str) -> None:
    """Raise ValueError unless ``name`` is a real IANA zone (not ``localtime`` or ``Factory``)."""
    if name not in _known_time_zones():
        raise ValueError(f"timezone: unknown {name!r} (use an IANA name like 'Europe/London')")


def check_unique(items: Iterable[str], what: str) -> None:
    """Raise ValueError naming the first item listed twice; ``what`` names the field."""
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{what}: {item!r} is listed twice")
        seen.add(item)


def check_barcodes(barcodes: Iterable[str]) -> None:
    """Each is a valid GTIN and no two spell the same item (e.g. UPC-A and its EAN-13)."""
    seen: dict[str, str] = {}
    for raw in barcodes:
        try:
            key = gtin.to_gtin14(gtin.normalise(raw))
        except gtin.InvalidGtin as exc:
            raise ValueError(f"barcodes: {exc}") from None
        if key in seen:
            raise ValueError(f"barcodes: {seen[key]!r} and {raw!r} are the same item")
        seen[key] = raw


class Address(Input, frozen=True, kw_only=True):
    line1: Name
    line2: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
    region: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    postcode: Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=r"\S")]
    country: Annotated[
        str, msgspec.Meta(pattern=whole(r"[A-Z]{2}"), description="ISO 3166-1 alpha-2")
    ]

    def __post_init__(self) -> None:
        if self.country not in COUNTRY_CODES:
            raise ValueError(f"country: {self.country!r} is not an ISO 3166-1 alpha-2 code")


class OpeningHours(Input, frozen=True):
    """Per weekday, up to three ``["HH:MM", "HH:MM"]`` periods; an empty day is closed."""

    mon: DayHours = []
    tue: DayHours = []
    wed: DayHours = []
    thu: DayHours = []
    fri: DayHours = []
    sat: DayHours = []
    sun: DayHours = []

    def __post_init__(self) -> None:
        for day in WEEKDAYS:
            periods: list[tuple[str, str]] = sorted(getattr(self, day))
            for opens, closes in periods:
                if opens >= closes:
                    raise ValueError(f"{day}: opening {opens} must be before closing {closes}")
            for (_, closes), (opens, _) in itertools.pairwise(periods):
                if opens < closes:
                    raise ValueError(f"{day}: periods overlap ({opens} is before {closes})")


# ---- locations ---------------------------------------------------------------------------


class LocationIn(Input, frozen=True, kw_only=True):
    code: LocationCode
    name: Name
    kind: LocationKind
    address: Address
    lat: Latitude
    lon: Longitude
    timezone: TimeZone
    opening_hours: OpeningHours = msgspec.field(default_factory=OpeningHours)
    capabilities: Capabilities = []
    daily_capacity: DailyCapacity
    priority: Priority = 100
    active: bool = True

    def __post_init__(self) -> None:
        check_time_zone(self.timezone)
        check_unique(self.capabilities, "capabilities")


class LocationPatch(Input, frozen=True):
    """Only the fields present change; ``null`` is refused, not taken as "clear"."""

    name: Name | UnsetType = UNSET
    kind: LocationKind | UnsetType = UNSET
    address: Address | UnsetType = UNSET
    lat: Latitude | UnsetType = UNSET
    lon: Longitude | UnsetType = UNSET
    timezone: TimeZone | UnsetType = UNSET
    opening_hours: OpeningHours | UnsetType = UNSET
    capabilities: Capabilities | UnsetType = UNSET
    daily_capacity: DailyCapacity | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    active: bool | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, UnsetType):
            check_time_zone(self.timezone)
        if not isinstance(self.capabilities, UnsetType):
            check_unique(self.capabilities, "capabilities")


class LocationOut(Output, frozen=True):
    code: str
    name: str
    kind: LocationKind
    address: Address
    lat: float
    lon: float
    timezone: str
    opening_hours: OpeningHours
    capabilities: list[Capability]
    daily_capacity: int
    priority: int
    active: bool
    created_at: datetime
    updated_at: datetime


class LocationList(Page, frozen=True):
    items: list[LocationOut]


# ---- SKUs --------------------------------------------------------------------------------


class SkuIn(Input, frozen=True):
    code: Code
    name: SkuName
    barcodes: Barcodes = []
    attributes: Attributes = {}
    active: bool = True

    def __post_init__(self) -> None:
        check_barcodes(self.barcodes)


class SkuPatch(Input, frozen=True):
    """Only the fields present change; ``barcodes`` replaces the whole set."""

    name: SkuName | UnsetType = UNSET
    barcodes: Barcodes | UnsetType = UNSET
    attributes: Attributes | UnsetType = UNSET
    active: bool | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.barcodes, UnsetType):
            check_barcodes(self.barcodes)


class SkuOut(Output, frozen=True):
    code: str
    name: str
    barcodes: list[str]
    attributes: dict[str, Any]
    active: bool
    created_at: datetime
    updated_at: datetime


class SkuPage(Page, frozen=True):
    items: list[SkuOut]
