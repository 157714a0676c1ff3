"""Great-circle distances against well-known city pairs, and the radius filter."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.domain.geo import EARTH_RADIUS_KM, Point, haversine_km, rounded_km, within_radius

LONDON = Point(51.5074, -0.1278)
PARIS = Point(48.8566, 2.3522)
NEW_YORK = Point(40.7128, -74.0060)
LOS_ANGELES = Point(34.0522, -118.2437)
SYDNEY = Point(-33.8688, 151.2093)
MELBOURNE = Point(-37.8136, 144.9631)
LEEDS = Point(53.7997, -1.5492)
YORK = Point(53.9590, -1.0815)
MANCHESTER = Point(53.4808, -2.2426)

points = st.builds(
    Point,
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (LONDON, PARIS, 343.6),
        (NEW_YORK, LOS_ANGELES, 3935.8),
        (SYDNEY, MELBOURNE, 713.4),
        (LEEDS, YORK, 35.4),
        (LEEDS, MANCHESTER, 57.9),
    ],
)
def test_known_city_distances(a: Point, b: Point, km: float) -> None:
    # Published great-circle figures agree to within half a percent of a spherical Earth.
    assert haversine_km(a, b) == pytest.approx(km, rel=0.005)
    assert rounded_km(haversine_km(a, b)) == km


def test_same_point_is_zero_and_antipodes_are_half_the_circumference() -> None:
    assert haversine_km(LEEDS, LEEDS) == 0.0
    assert haversine_km(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(Point(90, 0), Point(-90, 0)) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_crossing_the_antimeridian_takes_the_short_way() -> None:
    # 179.5°E to 179.5°W on the equator is one degree of arc, not 359.
    assert haversine_km(Point(0, 179.5), Point(0, -179.5)) == pytest.approx(111.2, abs=0.1)


@given(points, points)
def test_distance_is_symmetric_and_bounded(a: Point, b: Point) -> None:
    d = haversine_km(a, b)
    assert d == pytest.approx(haversine_km(b, a), abs=1e-6)
    assert 0 <= d <= math.pi * EARTH_RADIUS_KM + 1e-6


@pytest.mark.parametrize(("lat", "lon"), [(90.1, 0), (-91, 0), (0, 180.5), (0, -181)])
def test_coordinates_out_of_range_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        Point(lat, lon)


def test_rounding_is_to_a_tenth_of_a_kilometre() -> None:
    assert rounded_km(13.3789) == 13.4
    assert rounded_km(13.34) == 13.3
    assert rounded_km(0.04) == 0.0


def test_within_radius_keeps_the_near_ones_nearest_first() -> None:
    places = {"manchester": MANCHESTER, "paris": PARIS, "york": YORK, "leeds": LEEDS}
    found = within_radius(LEEDS, places.items(), lambda item: item[1], radius_km=60)
    assert [name for _, (name, _) in found] == ["leeds", "york", "manchester"]
    assert [round(d, 1) for d, _ in found] == [0.0, 35.4, 57.9]
    assert within_radius(LEEDS, places.items(), lambda item: item[1], radius_km=35) == [
        (0.0, ("leeds", LEEDS))
    ]
