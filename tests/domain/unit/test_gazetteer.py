"""Placing addresses from postcode or town with the built-in tables, and the tables' sanity."""

from __future__ import annotations

import pytest

from oms.domain.gazetteer import (
    CITY,
    POSTCODE_AREA,
    POSTCODE_DISTRICT,
    outward_code,
    place,
)
from oms.domain.gazetteer_places import PLACES
from oms.domain.gazetteer_postcodes import AREAS, DISTRICTS
from oms.domain.geo import Point, haversine_km

# Great Britain, Ireland, the Isle of Man and the Channel Islands, with a little margin.
LAT_RANGE = (49.0, 61.0)
LON_RANGE = (-11.0, 2.0)

ALL_POINTS = [
    *(("area", code, point) for code, point in AREAS.items()),
    *(("district", code, point) for code, point in DISTRICTS.items()),
    *(
        (country, name, point)
        for country, places in PLACES.items()
        for name, point in places.items()
    ),
]


def _point(found: tuple[float, float, str] | None) -> Point:
    assert found is not None
    return Point(found[0], found[1])


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("M1 1AE", "M1"),
        ("m1 1ae", "M1"),
        ("M11AE", "M1"),
        ("  sk1   3xe ", "SK1"),
        ("M11 1AA", "M11"),
        ("SK11 6AB", "SK11"),
        ("W1A 1AA", "W1A"),
        ("EC1A1BB", "EC1A"),
        ("OL6", "OL6"),
        ("bl0", "BL0"),
        ("M1 1", "M1"),
        ("M11", "M11"),
        ("", None),
        ("12345", None),
        ("not a postcode", None),
        ("D02 X285", None),
    ],
)
def test_outward_code(postcode: str, expected: str | None) -> None:
    assert outward_code(postcode) == expected


def test_full_postcode_is_placed_at_its_district() -> None:
    assert place("SK1 3XE", "Stockport", "GB") == (*DISTRICTS["SK1"], POSTCODE_DISTRICT)


@pytest.mark.parametrize("postcode", ["M1 1AE", "m1 1ae", "M11AE", " m1   1AE ", "M1", "m1"])
def test_postcode_spellings_agree(postcode: str) -> None:
    assert place(postcode, None, "GB") == (*DISTRICTS["M1"], POSTCODE_DISTRICT)


def test_outward_code_alone_is_placed_at_its_district() -> None:
    assert place("wa14", None, "GB") == (*DISTRICTS["WA14"], POSTCODE_DISTRICT)


def test_neighbouring_districts_are_told_apart() -> None:
    # M1 and M11 differ by one character: the inward code must be cut off, not guessed.
    assert place("M11 1AA", None, "GB") == (*DISTRICTS["M11"], POSTCODE_DISTRICT)
    assert place("M1 1AA", None, "GB") != place("M11 1AA", None, "GB")


def test_unknown_district_in_known_area_falls_back_to_area() -> None:
    assert "M99" not in DISTRICTS
    assert place("M99 1XX", "Manchester", "GB") == (*AREAS["M"], POSTCODE_AREA)


def test_district_outside_the_district_table_uses_its_area() -> None:
    assert place("LS1 4AP", None, "GB") == (*AREAS["LS"], POSTCODE_AREA)
    assert place("EC1A 1BB", None, "GB") == (*AREAS["EC"], POSTCODE_AREA)


def test_area_letters_alone_are_placed_at_the_area() -> None:
    assert place("ze", None, "GB") == (*AREAS["ZE"], POSTCODE_AREA)


@pytest.mark.parametrize("postcode", [None, "", "ZZ1 1ZZ", "garbage!", "QQ"])
def test_unusable_postcode_falls_back_to_city(postcode: str | None) -> None:
    assert place(postcode, "Bolton", "GB") == (*PLACES["GB"]["Bolton"], CITY)


@pytest.mark.parametrize(
    "city",
    ["Ashton-under-Lyne", "ashton under lyne", "ASHTON UNDER-LYNE", " Ashton-Under-Lyne. "],
)
def test_city_names_ignore_case_spaces_hyphens_and_punctuation(city: str) -> None:
    assert place(None, city, "GB") == (*PLACES["GB"]["Ashton-under-Lyne"], CITY)


def test_city_abbreviation_with_full_stop() -> None:
    assert place(None, "St. Helens", "GB") == (*PLACES["GB"]["St Helens"], CITY)


def test_irish_city_is_placed_by_name_and_its_postcode_is_not_read() -> None:
    assert place("D02 X285", "Dublin", "IE") == (*PLACES["IE"]["Dublin"], CITY)
    # A UK-looking code means nothing in Ireland: no silent jump to Manchester.
    assert place("M1 1AE", "Cork", "IE") == (*PLACES["IE"]["Cork"], CITY)
    assert place("M1 1AE", None, "IE") is None


def test_country_code_case_is_ignored() -> None:
    assert place("M1 1AE", None, "gb") == (*DISTRICTS["M1"], POSTCODE_DISTRICT)


@pytest.mark.parametrize(
    ("postcode", "city"),
    [(None, None), ("", ""), ("ZZ9 9ZZ", "Atlantis"), (None, "Springfield")],
)
def test_unknown_address_is_not_placed(postcode: str | None, city: str | None) -> None:
    assert place(postcode, city, "GB") is None


@pytest.mark.parametrize(
    ("postcode", "city", "country"),
    [
        ("M1 1AE", "Manchester", "US"),
        ("75001", "Paris", "FR"),
        ("SK1 3XE", "Stockport", "DE"),
        (None, "Dublin", "GB"),
        (None, "Manchester", "IE"),
    ],
)
def test_other_countries_are_not_placed(postcode: str | None, city: str, country: str) -> None:
    assert place(postcode, city, country) is None


@pytest.mark.parametrize(("kind", "name", "point"), ALL_POINTS)
def test_every_point_lies_in_the_british_isles(
    kind: str, name: str, point: tuple[float, float]
) -> None:
    lat, lon = point
    assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], (kind, name)
    assert LON_RANGE[0] <= lon <= LON_RANGE[1], (kind, name)


@pytest.mark.parametrize(("kind", "name", "point"), ALL_POINTS)
def test_no_point_claims_more_than_three_decimals(
    kind: str, name: str, point: tuple[float, float]
) -> None:
    assert all(round(value, 3) == value for value in point), (kind, name)


def test_every_uk_postcode_area_is_present() -> None:
    assert len(AREAS) == 124
    assert {"AB", "B", "BT", "E", "EC", "G", "L", "M", "N", "S", "W", "WC", "ZE"} <= set(AREAS)


@pytest.mark.parametrize(
    "district",
    [f"M{n}" for n in (1, 9, 11, 20, 35, 46, 50)]
    + [f"SK{n}" for n in range(1, 18)]
    + [f"OL{n}" for n in range(1, 17)]
    + [f"BL{n}" for n in range(10)]
    + [f"WN{n}" for n in range(1, 9)]
    + [f"WA{n}" for n in range(1, 17)],
)
def test_greater_manchester_districts_are_present(district: str) -> None:
    assert district in DISTRICTS


@pytest.mark.parametrize("code", sorted(DISTRICTS))
def test_each_district_lies_near_its_area(code: str) -> None:
    area = code.rstrip("0123456789")
    # Areas are large (SK runs from Stockport to Buxton) but not 60 km across from the centre.
    distance = haversine_km(Point(*DISTRICTS[code]), Point(*AREAS[area]))
    assert distance < 40, (code, round(distance, 1))


def test_stockport_is_near_manchester() -> None:
    distance = haversine_km(_point(place("SK1 1AA", None, "GB")), _point(place("M1", None, "GB")))
    assert 5 < distance < 15


def test_district_and_town_of_the_same_place_agree() -> None:
    pairs = [
        ("SK1", "Stockport"),
        ("OL1", "Oldham"),
        ("BL1", "Bolton"),
        ("BL9", "Bury"),
        ("OL11", "Rochdale"),
        ("WN1", "Wigan"),
        ("WA14", "Altrincham"),
        ("OL6", "Ashton-under-Lyne"),
        ("SK15", "Stalybridge"),
        ("SK14", "Hyde"),
        ("M33", "Sale"),
        ("WN7", "Leigh"),
        ("M30", "Eccles"),
        ("WA1", "Warrington"),
    ]
    for district, town in pairs:
        distance = haversine_km(
            _point(place(district, None, "GB")), _point(place(None, town, "GB"))
        )
        assert distance < 4, (district, town, round(distance, 1))


def test_far_apart_cities_stay_far_apart() -> None:
    london = _point(place(None, "London", "GB"))
    manchester = _point(place(None, "Manchester", "GB"))
    assert 250 < haversine_km(london, manchester) < 270


def test_every_greater_manchester_town_is_named() -> None:
    towns = [
        "Manchester",
        "Salford",
        "Stockport",
        "Oldham",
        "Bolton",
        "Bury",
        "Rochdale",
        "Wigan",
        "Altrincham",
        "Trafford",
        "Ashton-under-Lyne",
        "Stalybridge",
        "Hyde",
        "Sale",
        "Leigh",
    ]
    for town in towns:
        found = place(None, town, "GB")
        assert found is not None, town
        assert found[2] == CITY
        assert haversine_km(Point(found[0], found[1]), Point(53.48, -2.242)) < 30, town
