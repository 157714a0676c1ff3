"""Network stock look-up: one SKU across every active location, and what is nearby.

Open to every role: an associate must see what the store down the road has. One query
reads every level of the SKU with its location; distances are computed here, since a
network has at most a few thousand locations and the ranking needs every one anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.domain import gtin
from oms.domain.errors import InvalidInput, NotFound
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

# Look-ups are read-heavy and hot: plain column queries on the session's connection, no ORM
# objects (which would also decode every location's JSON columns).
_SKU_BY_CODE_OR_BARCODE = text(
    """
    SELECT id, code, name, active, 0 AS preference FROM sku WHERE code = :ref
    UNION ALL
    SELECT s.id, s.code, s.name, s.active, 1 FROM barcode b JOIN sku s ON s.id = b.sku_id
     WHERE b.gtin = ANY(:gtins)
    ORDER BY preference LIMIT 1
    """
)
_LOCATION_POINT = text(
    "SELECT id, code, name, kind, lat, lon, active FROM location WHERE code = :code"
)

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


async def _sku(conn: AsyncConnection, ref: str) -> Row[Any]:
    # A scanner may read the UPC-A of an item stored under its EAN-13 (and so on).
    spellings = list(gtin.equivalents(gtin.normalise(ref))) if gtin.is_valid(ref) else []
    row = (await conn.execute(_SKU_BY_CODE_OR_BARCODE, {"ref": ref, "gtins": spellings})).first()
    if row is None:
        raise NotFound(f"no SKU with code or barcode {ref!r}", sku=ref)
    return row


async def _location(conn: AsyncConnection, code: str, *, active_only: bool) -> Row[Any]:
    row = (await conn.execute(_LOCATION_POINT, {"code": code})).first()
    if row is None or (active_only and not row.active):
        raise NotFound(f"location {code!r} not found", location=code)
    return row


async def _origin(
    conn: AsyncConnection,
    here: Row[Any] | None,
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
    start = await _location(conn, near, active_only=False) if near else here
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
    conn = await session.connection()
    sku = await _sku(conn, ref)
    here_location = await _location(conn, location, active_only=True) if location else None
    origin = await _origin(conn, here_location, near, lat, lon, radius_km)
    rows = (await conn.execute(_LEVELS_BY_LOCATION, {"sku_id": sku.id})).all()

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
