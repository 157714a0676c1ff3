"""Response bodies of the network stock look-up (``GET /stock/{ref}``)."""

from __future__ import annotations

from typing import Any

from oms.schemas import Output


class LocationStock(Output, frozen=True):
    location: str
    name: str
    kind: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int


class NearbyStock(Output, frozen=True):
    location: str
    name: str
    kind: str
    distance_km: float
    available: int
    # Whether a customer can collect there (buy online, pick up in store).
    pickup: bool
    address: dict[str, Any]


class StockTotals(Output, frozen=True):
    """Sums over active locations; ``available`` adds each location's floored figure."""

    on_hand: int
    reserved: int
    safety_stock: int
    available: int


class Origin(Output, frozen=True):
    """Where ``nearby`` distances are measured from."""

    location: str | None
    lat: float
    lon: float
    radius_km: float


class StockLookup(Output, frozen=True):
    sku: str
    name: str
    active: bool
    totals: StockTotals
    # Every active location holding a level for the SKU, by location code.
    locations: list[LocationStock]
    # The caller's own location (``?location=``), zeros when it has never held the SKU.
    here: LocationStock | None
    origin: Origin | None
    # Other locations with units available within the radius, nearest first.
    nearby: list[NearbyStock]
