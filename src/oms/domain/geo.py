"""Distances between places on Earth: pure maths, no I/O.

Great-circle (haversine) distance is what "the store down the road" means for an associate
or a router; road distance would need a map service and changes nothing about the ranking
at the scale of one town.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

# Mean Earth radius (IUGG), the usual choice for a spherical model.
EARTH_RADIUS_KM = 6371.0088

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"latitude {self.lat} is outside -90..90")
        if not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"longitude {self.lon} is outside -180..180")


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in kilometres between two points."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    d_lat = lat2 - lat1
    d_lon = math.radians(b.lon - a.lon)
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(d_lon / 2) ** 2
    # Rounding can push h a hair above 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def rounded_km(distance: float) -> float:
    """Distances are shown to 100 m: finer digits suggest a precision the model lacks."""
    return round(distance, 1)


def within_radius(
    origin: Point,
    items: Iterable[T],
    where: Callable[[T], Point],
    radius_km: float,
) -> list[tuple[float, T]]:
    """Items no farther than ``radius_km`` from ``origin``, nearest first.

    Returns (distance in km, unrounded, item) pairs; ties keep the input order, so callers
    pass items in their own tie-break order (for example by code).
    """
    found = []
    for item in items:
        distance = haversine_km(origin, where(item))
        if distance <= radius_km:
            found.append((distance, item))
    found.sort(key=lambda pair: pair[0])
    return found
