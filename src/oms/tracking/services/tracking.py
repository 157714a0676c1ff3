"""Read an order for its customer: by tracking token, or by order number and email.

Every way of not finding an order (unknown or malformed token, unknown number, wrong
email) raises the same NotFound, and the failing paths do the same work, so an answer
never tells which part of a guess was right.

The tracking token is the customer's key (random, 192 bits): whoever holds the link sees
the whole document, pickup code included. A number-and-email look-up is weaker: order
numbers are sequential and an email may be known, so it shows where the order is but
neither the pickup code nor the token (which would show the code one request later).

Guessing is slowed per client (an IPv4 address, or an IPv6 /64, which one subscriber
holds whole): unknown tokens per minute; look-ups per minute; wrong look-ups per hour, in
all and at any one order number. A client over any of them gets 429 for everything, a
right guess included: if a right guess still answered 200, 429 would only be a 404 under
another name, and the limit would slow nothing. Wrong look-ups are charged before the
look-up and given back when it succeeds, so concurrent guesses cannot outrun the count.

Nothing is limited per order number alone. A per-number limit that refuses everybody lets
any stranger lock the customer out (numbers are sequential: any order, at will); one that
refuses only wrong guesses tells a guesser exactly what a 404 does, so it protects nothing.
A guesser with many addresses gets a few wrong tries per order per address and hour; what
stands in its way is the email, and what a right guess wins is the status, not the parcel.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.domain.contact import email_key
from oms.domain.errors import NotFound
from oms.orders.services.events import EventKind
from oms.tracking.schemas import (
    PickupStore,
    TimelineEntry,
    TrackedFulfilment,
    TrackedItem,
    TrackedOrder,
    TrackLookupIn,
)
from oms.tracking.services import ratelimit
from oms.tracking.services.ratelimit import Limit
from oms.tracking.services.texts import (
    TimelineMessage,
    fulfilment_status_text,
    order_status_text,
    timeline_message,
)

# Tokens are secrets.token_urlsafe(24): 32 URL-safe characters. Anything shorter than 22
# characters (128 bits) or outside the alphabet cannot be one and is not looked up.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
NOT_FOUND = "order not found"

_ORDER_COLUMNS = """
    SELECT o.id, o.number, o.status, o.created_at, o.deliveries, o.email, o.tracking_token,
           o.language, o.currency, o.total_amount, c.pickup_hold_days
      FROM sales_order o JOIN channel c ON c.id = o.channel_id
"""
_BY_TOKEN = text(_ORDER_COLUMNS + " WHERE o.tracking_token = :token")
_BY_NUMBER = text(_ORDER_COLUMNS + " WHERE o.number = :number")
# Transfers move stock between our own sites for a pickup; their journey appears on the
# timeline, not as a parcel. Rejected fulfilments were re-routed into new ones.
_FULFILMENTS = text(
    """
    SELECT f.id, f.method, f.state, f.delivery_no, f.carrier, f.tracking_number,
           f.carrier_tracking_url, f.pickup_code, f.ready_at, f.updated_at, f.awaits_fulfilment_id,
           loc.name AS location_name, loc.address, loc.opening_hours, loc.timezone,
           loc.lat, loc.lon,
           COALESCE((
             SELECT json_agg(json_build_object(
                      'name', s.name, 'quantity', fl.quantity - fl.quantity_short)
                      ORDER BY fl.line_no)
               FROM fulfilment_line fl JOIN sku s ON s.id = fl.sku_id
              WHERE fl.fulfilment_id = f.id AND fl.quantity > fl.quantity_short
           ), '[]') AS items
      FROM fulfilment f JOIN location loc ON loc.id = f.location_id
     WHERE f.order_id = :order_id AND f.method <> 'transfer' AND f.state <> 'rejected'
     ORDER BY f.created_at, f.id
    """
)
_EVENTS = text(
    """
    SELECT e.kind, e.created_at, f.method, loc.name AS location_name, dest.name AS destination
      FROM order_event e
      LEFT JOIN fulfilment f ON f.id = e.fulfilment_id
      LEFT JOIN location loc ON loc.id = f.location_id
      LEFT JOIN location dest ON dest.id = f.destination_location_id
     WHERE e.order_id = :order_id
     ORDER BY e.id
    """
)


def client_key(host: str) -> str:
    """What a client's buckets are named after: its IPv4 address, or its IPv6 /64 (a host
    there can take a fresh address for every request)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address (e.g. "testclient"): counted as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class Guard:
    """Where to count hits, and the configured limits; built per request."""

    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    client: str  # the caller's IP address

    @property
    def key(self) -> str:
        """What this client's buckets are named after (``client_key``: IPv4, or IPv6 /64)."""
        return client_key(self.client)

    def misses(self) -> Limit:
        """Unknown tracking tokens per minute: checked before a token look-up, hit on a miss."""
        return Limit(f"track-miss:{self.key}", self.settings.track_misses_per_minute, 60)

    def lookups(self) -> Limit:
        """Look-ups by number and email per minute, hit by every look-up, found or not."""
        return Limit(f"track-lookup:{self.key}", self.settings.track_lookups_per_minute, 60)

    def lookup_misses(self, number: int) -> list[Limit]:
        """Charged for every look-up, refunded when it finds the order."""
        settings = self.settings
        return [
            Limit(f"track-lookup-miss:{self.key}", settings.track_lookup_misses_per_hour, 3600),
            # One client's guesses at one order's email: tighter than its misses in all.
            Limit(
                f"track-number-miss:{number}:{self.key}",
                settings.track_misses_per_order_per_hour,
                3600,
            ),
        ]


@dataclass(frozen=True, slots=True)
class TrackingPage:
    """What the tracking page shows: the document, and what only a page needs to put it
    into the reader's language and on a map."""

    document: TrackedOrder
    language: str | None  # the order's, as the channel sent it (a BCP 47 tag)
    currency: str
    total_amount: int  # minor units
    timeline: list[TimelineMessage]  # document.timeline's lines, before words
    coordinates: list[tuple[float, float] | None]  # per fulfilment: its pickup store's
    # The order's days and times are told in the time zone of the (first) store or
    # warehouse serving it: the customer's own is not known, and most likely the same.
    timezone: str


async def track_by_token(session: AsyncSession, guard: Guard, token: str) -> TrackedOrder:
    """The order behind ``token``."""
    return (await page_by_token(session, guard, token)).document


async def page_by_token(session: AsyncSession, guard: Guard, token: str) -> TrackingPage:
    """The order behind ``token``, for its page. A client over its miss limit is refused
    before the look-up: a guess that happens to be right must not get through either."""
    await ratelimit.check(session, guard.misses())
    row = None
    if _TOKEN.match(token):
        row = (await session.execute(_BY_TOKEN, {"token": token})).one_or_none()
    if row is None:
        await ratelimit.hit(guard.sessionmaker, [guard.misses()])
        raise NotFound(NOT_FOUND)
    return await _tracked(session, row, holds_token=True)


async def track_by_lookup(session: AsyncSession, guard: Guard, data: TrackLookupIn) -> TrackedOrder:
    """The order with this number, when ``email`` is the one it was placed with; without
    the pickup code and the tracking token."""
    misses = guard.lookup_misses(data.number)
    counted = await ratelimit.hit(guard.sessionmaker, [guard.lookups(), *misses])
    row = (await session.execute(_BY_NUMBER, {"number": data.number})).one_or_none()
    given = (email_key(data.email) or "").encode()
    # Compared even when there is no such order (against nothing), so both misses match.
    stored = (email_key(row.email) if row is not None else None) or ""
    if not hmac.compare_digest(given, stored.encode()) or row is None or not stored:
        raise NotFound(NOT_FOUND)
    # Found: this was no miss after all.
    charged = {limit.bucket for limit in misses}
    await ratelimit.refund(session, [c for c in counted if c.bucket in charged])
    return (await _tracked(session, row, holds_token=False)).document


async def _tracked(session: AsyncSession, order: Row[Any], *, holds_token: bool) -> TrackingPage:
    """The document and its page; ``holds_token``: the caller showed the token, so it may
    see the pickup code (and the token it already has)."""
    fulfilments = (await session.execute(_FULFILMENTS, {"order_id": order.id})).all()
    events = (await session.execute(_EVENTS, {"order_id": order.id})).all()
    timeline = _timeline(events)
    document = TrackedOrder(
        number=order.number,
        status=order.status,
        status_text=order_status_text(order.status),
        placed_at=order.created_at,
        tracking_token=order.tracking_token if holds_token else None,
        fulfilments=[_fulfilment(f, order, show_code=holds_token) for f in fulfilments],
        timeline=[TimelineEntry(at=at, code=m.code, text=m.say()) for at, m in timeline],
    )
    return TrackingPage(
        document=document,
        language=order.language,
        currency=order.currency,
        total_amount=order.total_amount,
        timeline=[message for _, message in timeline],
        # A store's place is public; a parcel's destination is the customer's and has none.
        coordinates=[(f.lat, f.lon) if f.method == "pickup" else None for f in fulfilments],
        timezone=fulfilments[0].timezone if fulfilments else "UTC",
    )


def _fulfilment(f: Row[Any], order: Row[Any], *, show_code: bool) -> TrackedFulfilment:
    ship_to_city = None
    if f.method == "ship" and 0 <= f.delivery_no < len(order.deliveries):
        address = order.deliveries[f.delivery_no].get("address") or {}
        ship_to_city = address.get("city")
    ready = f.state == "ready_for_pickup"
    collect_by = None
    if ready and f.ready_at is not None:
        collect_by = f.ready_at + timedelta(days=order.pickup_hold_days)
    return TrackedFulfilment(
        method=f.method,
        state=f.state,
        status=fulfilment_status_text(
            f.method, f.state, awaiting_transfer=f.awaits_fulfilment_id is not None
        ),
        location=f.location_name,
        items=[TrackedItem(name=i["name"], quantity=i["quantity"]) for i in f.items],
        carrier=f.carrier if f.method == "ship" else None,
        tracking_number=f.tracking_number if f.method == "ship" else None,
        carrier_tracking_url=f.carrier_tracking_url if f.method == "ship" else None,
        ship_to_city=ship_to_city,
        store=(
            PickupStore(
                name=f.location_name,
                address=f.address,
                opening_hours=f.opening_hours,
                timezone=f.timezone,
            )
            if f.method == "pickup"
            else None
        ),
        pickup_code=f.pickup_code if ready and show_code else None,
        ready_at=f.ready_at if f.method == "pickup" else None,
        collect_by=collect_by,
        updated_at=f.updated_at,
    )


def _timeline(events: Sequence[Row[Any]]) -> list[tuple[datetime, TimelineMessage]]:
    # Cancelling the order cancels its fulfilments in the same transaction (same time):
    # the order's line says it all.
    order_cancelled_at = {e.created_at for e in events if e.kind == EventKind.ORDER_CANCELLED}
    entries = []
    for event in events:
        if event.kind == EventKind.FULFILMENT_CANCELLED and event.created_at in order_cancelled_at:
            continue
        said = timeline_message(
            event.kind,
            method=event.method,
            location=event.location_name,
            destination=event.destination,
        )
        if said is not None:
            entries.append((event.created_at, said))
    return entries
