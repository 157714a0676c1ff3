"""Network stock look-up: one SKU across every active location, and what is nearby.

Open to every role: an associate must see what the store down the road has. One query
reads every level of the SKU with its location; distances are computed here, since a
network has at most a few thousand locations and the ranking needs every one anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.refs import location_by_code, sku_by_code_or_barcode
from oms.db.models import Location
from oms.domain.errors import InvalidInput
from oms.domain.geo import Point, rounded_km, within_radius
from oms.domain.stock import available
from oms.inventory.lookup_schemas import (
    LocationStock,
    NearbyStock,
    Origin,
    StockLookup,
    StockTotals,
)

MAX_RADIUS_KM = 500.0
DEFAULT_RADIUS_KM = 25.0

_LEVELS_BY_LOCATION = text(
    """
    SELECT loc.id, loc.code, loc.name, loc.kind, loc.lat, loc.lon, loc.address,
           'pickup' = ANY(loc.capabilities) AS pickup,
           l.on_hand, l.reserved, l.safety_stock
      FROM inventory_level l
      JOIN location loc ON loc.id = l.location_id
     WHERE l.sku_id = :sku_id AND loc.active
     ORDER BY loc.code
    """
)


def _stock(row: Any) -> LocationStock:
    return LocationStock(
        location=row.code,
        name=row.name,
        kind=row.kind,
        on_hand=row.on_hand,
        reserved=row.reserved,
        safety_stock=row.safety_stock,
        available=available(row.on_hand, row.reserved, row.safety_stock),
    )


async def _origin(
    session: AsyncSession,
    here: Location | None,
    near: str | None,
    lat: float | None,
    lon: float | None,
    radius_km: float,
) -> Origin | None:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon, or neither")
    if near is not None and lat is not None:
        raise InvalidInput("give either near or lat/lon, not both")
    if lat is not None and lon is not None:
        return Origin(location=None, lat=lat, lon=lon, radius_km=radius_km)
    # A closed store is still a place on the map, so ``near`` accepts inactive ones.
    start = await location_by_code(session, near, active_only=False) if near else here
    if start is None:
        return None
    return Origin(location=start.code, lat=start.lat, lon=start.lon, radius_km=radius_km)


async def lookup_stock(
    session: AsyncSession,
    ref: str,
    *,
    location: str | None = None,
    near: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> StockLookup:
    """``ref`` is a SKU code or a barcode. ``location`` is where the caller stands: it is
    shown as ``here``, left out of ``nearby``, and is the origin unless ``near`` or
    ``lat``/``lon`` say otherwise.
    """
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise InvalidInput(f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}")
    sku = await sku_by_code_or_barcode(session, ref)
    here_location = await location_by_code(session, location) if location else None
    origin = await _origin(session, here_location, near, lat, lon, radius_km)
    rows = (await session.execute(_LEVELS_BY_LOCATION, {"sku_id": sku.id})).all()

    stocks = [_stock(row) for row in rows]
    here: LocationStock | None = None
    if here_location is not None:
        here = next((s for s in stocks if s.location == here_location.code), None) or (
            LocationStock(
                location=here_location.code,
                name=here_location.name,
                kind=here_location.kind,
                on_hand=0,
                reserved=0,
                safety_stock=0,
                available=0,
            )
        )

    nearby: list[NearbyStock] = []
    if origin is not None:
        candidates = [
            (row, stock)
            for row, stock in zip(rows, stocks, strict=True)
            if stock.available > 0 and (here_location is None or row.id != here_location.id)
        ]
        found = within_radius(
            Point(origin.lat, origin.lon),
            candidates,
            lambda pair: Point(pair[0].lat, pair[0].lon),
            radius_km,
        )
        nearby = [
            NearbyStock(
                location=row.code,
                name=row.name,
                kind=row.kind,
                distance_km=rounded_km(distance),
                available=stock.available,
                pickup=row.pickup,
                address=row.address,
            )
            for distance, (row, stock) in found
        ]

    return StockLookup(
        sku=sku.code,
        name=sku.name,
        active=sku.active,
        totals=StockTotals(
            on_hand=sum(s.on_hand for s in stocks),
            reserved=sum(s.reserved for s in stocks),
            safety_stock=sum(s.safety_stock for s in stocks),
            available=sum(s.available for s in stocks),
        ),
        locations=stocks,
        here=here,
        origin=origin,
        nearby=nearby,
    )
