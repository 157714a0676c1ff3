"""The tracking page's words: the tracking document put into the reader's language, with
dates, money and opening hours written the way that language writes them. Pure, no I/O.

The template gets finished strings (and ``_`` for its own labels): it decides layout only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from markupsafe import Markup, escape

from oms.i18n import (
    N_,
    SUPPORTED,
    format_date,
    format_datetime,
    format_money,
    translations,
)
from oms.i18n.formatting import country_name
from oms.i18n.hours import opening_hours
from oms.tracking.schemas import TrackedFulfilment, TrackedItem
from oms.tracking.services.tracking import TrackingPage

_ADDRESS_LINES = ("line1", "line2", "city", "region", "postcode")


def template_gettext(lang: str) -> dict[str, Callable[..., str]]:
    """``gettext``/``ngettext``/``_`` for a template rendered in ``lang``, like Jinja's
    newstyle gettext (``_("At %(place)s", place=name)``), with the translation and the
    values put into it both escaped: catalogues hold text, never markup. Passed per
    render, so concurrent requests in other languages never share them."""
    found = translations(lang)

    def gettext(message: str, **values: Any) -> str:
        said = _escaped(lang, message)
        return said % values if values else said

    def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
        values.setdefault("num", num)
        return escape(found.ngettext(singular, plural, num)) % values

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


@functools.lru_cache(maxsize=4096)  # a page's labels, in each language: a few hundred
def _escaped(lang: str, message: str) -> Markup:
    # A page asks for some twenty labels; each is looked up and escaped once per language.
    return escape(translations(lang).gettext(message))


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    name: str  # in the language itself: "Română", "Русский"
    href: str
    current: bool


@functools.cache
def language_choices(current: str) -> tuple[LanguageLink, ...]:
    """The language switcher: each language named in itself, linked by ``?lang=``."""
    return tuple(
        LanguageLink(
            code=code,
            name=(Locale.parse(code).get_display_name(code) or code).capitalize(),
            href="?" + urlencode({"lang": code}),
            current=code == current,
        )
        for code in SUPPORTED
    )


def map_url(lat: float, lon: float) -> str:
    """The place on OpenStreetMap (a link; no map is loaded into the page)."""
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
    )


def address_lines(address: Any, lang: str) -> list[str]:
    """A store's address (public, unlike the customer's) as lines, the country in ``lang``."""
    if not isinstance(address, Mapping):
        return [" ".join(str(address).split())] if address else []
    lines = [str(address[key]) for key in _ADDRESS_LINES if address.get(key)]
    if address.get("country"):
        lines.append(country_name(str(address["country"]), lang))
    return lines


# The template reads the views by attribute: objects with slots answer directly, where a
# dict sends Jinja through a failed getattr and its exception for each of a page's ~80 reads.
@dataclass(frozen=True, slots=True)
class StoreView:
    name: str
    address: list[str]
    hours: list[tuple[str, str]]  # (weekday, its hours), Monday first
    map_url: str | None


@dataclass(frozen=True, slots=True)
class FulfilmentView:
    method: str
    state: str
    status: str
    heading: str
    items: list[TrackedItem]
    carrier: str | None
    tracking_number: str | None
    carrier_tracking_url: str | None
    store: StoreView | None
    pickup_code: str | None
    ready_at: str | None
    collect_by: str | None
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: str | None
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class _Words:
    lang: str
    tz: str

    def __call__(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def when(self, moment: datetime | None) -> str | None:
        return None if moment is None else format_datetime(moment, self.lang, self.tz)


def page_context(page: TrackingPage, lang: str) -> dict[str, Any]:
    """What ``track/page.html`` shows, in ``lang``."""
    document = page.document
    tz = page.timezone
    words = _Words(lang, tz)
    return {
        "lang": lang,
        "languages": language_choices(lang),
        "number": document.number,
        "placed_on": format_date(document.placed_at, lang, tz),
        "status": document.status,
        "status_text": words(document.status_text),
        "total": format_money(page.total_amount, page.currency, lang),
        "fulfilments": [
            _fulfilment(f, coordinates, words)
            for f, coordinates in zip(document.fulfilments, page.coordinates, strict=True)
        ],
        "timeline": [
            TimelineLine(at=words.when(entry.at), code=entry.code, text=message.say(words))
            for entry, message in zip(document.timeline, page.timeline, strict=True)
        ],
        **template_gettext(lang),
    }


def _fulfilment(
    f: TrackedFulfilment, coordinates: tuple[float, float] | None, words: _Words
) -> FulfilmentView:
    store = None
    if f.store is not None:
        store = StoreView(
            name=f.store.name,
            address=address_lines(f.store.address, words.lang),
            hours=opening_hours(f.store.opening_hours, words.lang),
            map_url=map_url(*coordinates) if coordinates is not None else None,
        )
    return FulfilmentView(
        method=f.method,
        state=f.state,
        status=words(f.status),
        heading=(
            words(N_("Pickup at %(place)s")) % {"place": f.location}
            if f.method == "pickup"
            else words(N_("Delivery to %(place)s")) % {"place": f.ship_to_city}
            if f.ship_to_city
            else words(N_("Delivery"))
        ),
        items=f.items,
        carrier=f.carrier,
        tracking_number=f.tracking_number,
        carrier_tracking_url=f.carrier_tracking_url,
        store=store,
        pickup_code=f.pickup_code,
        ready_at=words.when(f.ready_at),
        collect_by=words.when(f.collect_by),
        updated_at=words.when(f.updated_at),
    )
