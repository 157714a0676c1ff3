"""Place a delivery address on the map from its postcode or town, without any network service.

The built-in tables (``gazetteer_postcodes``, ``gazetteer_places``) hold approximate
centroids: good to a few kilometres, meant only for ranking stores by distance from a
customer who gave no coordinates. They are not geocoding: never show them as the address's
location, and never use them where a wrong street would matter.

Lookup order for Great Britain (``GB``): postcode district (outward code, e.g. ``SK1``),
then postcode area (its letters, e.g. ``SK``), then the town or city name. For Ireland
(``IE``) only the town name is used. Other countries are not placed.
"""

from __future__ import annotations

import re
import unicodedata

from oms.domain.gazetteer_places import PLACES
from oms.domain.gazetteer_postcodes import AREAS, DISTRICTS

POSTCODE_DISTRICT = "postcode_district"
POSTCODE_AREA = "postcode_area"
CITY = "city"

# Countries whose postcodes follow the UK system and are in the tables.
_POSTCODE_COUNTRIES = frozenset({"GB"})

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL_POSTCODE = re.compile(rf"({_OUTWARD})[0-9][A-Z]{{2}}")
_OUTWARD_ONLY = re.compile(_OUTWARD)
_PARTIAL_INWARD = re.compile(r"[0-9][A-Z]?")
_AREA_ONLY = re.compile(r"[A-Z]{1,2}")
_LEADING_LETTERS = re.compile(r"[A-Z]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _name_key(name: str) -> str:
    """``"Ashton-under-Lyne"``, ``"ashton under lyne"`` and ``"St. Helens"`` -> comparable."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", folded.casefold())


def _index(places: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    index: dict[str, tuple[float, float]] = {}
    for name, point in places.items():
        key = _name_key(name)
        if key in index and index[key] != point:
            raise ValueError(f"gazetteer: {name!r} collides with another place once normalised")
        index[key] = point
    return index


_PLACE_INDEX: dict[str, dict[str, tuple[float, float]]] = {
    country: _index(places) for country, places in PLACES.items()
}


def outward_code(postcode: str) -> str | None:
    """The outward code of a UK postcode (``"m1 1ae"`` -> ``"M1"``), or None if it has none.

    A full postcode loses its inward part (the last three characters); a string that is
    already an outward code is kept whole. A partial inward part after a space (``"M1 1"``)
    is dropped too, since people do type sector-only codes.
    """
    text = " ".join(postcode.upper().split())
    compact = text.replace(" ", "")
    if full := _FULL_POSTCODE.fullmatch(compact):
        return full.group(1)
    # Checked before the compact form: "M1 1" is sector M1 1, not district M11.
    outward, _, rest = text.partition(" ")
    if rest and _OUTWARD_ONLY.fullmatch(outward) and _PARTIAL_INWARD.fullmatch(rest):
        return outward
    if _OUTWARD_ONLY.fullmatch(compact):
        return compact
    return None


def _postcode_area(postcode: str) -> str | None:
    """The area letters of a postcode, or of an input that is only an area (``"sk"``)."""
    compact = "".join(postcode.upper().split())
    if _AREA_ONLY.fullmatch(compact):
        return compact
    outward = outward_code(postcode)
    if outward is None:
        return None
    letters = _LEADING_LETTERS.match(outward)
    return letters.group(0) if letters else None


def _result(point: tuple[float, float], precision: str) -> tuple[float, float, str]:
    # Three decimals is ~100 m, already finer than the tables deserve; never print more.
    lat, lon = point
    return round(lat, 3), round(lon, 3), precision


def _by_postcode(postcode: str) -> tuple[float, float, str] | None:
    outward = outward_code(postcode)
    if outward is not None and outward in DISTRICTS:
        return _result(DISTRICTS[outward], POSTCODE_DISTRICT)
    area = _postcode_area(postcode)
    if area is not None and area in AREAS:
        return _result(AREAS[area], POSTCODE_AREA)
    return None


def place(postcode: str | None, city: str | None, country: str) -> tuple[float, float, str] | None:
    """Approximate (lat, lon, precision) of an address, or None when it cannot be placed.

    ``precision`` is ``"postcode_district"``, ``"postcode_area"`` or ``"city"`` and says
    how coarse the guess is. An unknown or malformed postcode falls back to the city name.
    """
    country = country.strip().upper()
    if country in _POSTCODE_COUNTRIES and postcode:
        found = _by_postcode(postcode)
        if found is not None:
            return found
    places = _PLACE_INDEX.get(country)
    if places is None or not city:
        return None
    point = places.get(_name_key(city))
    if point is None:
        return None
    return _result(point, CITY)
