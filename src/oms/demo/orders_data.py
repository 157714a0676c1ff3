"""A few demo orders, so a first start shows a store queue, a parcel and a pickup.

They go through ``place_order`` like any channel's order: routed, reserved and on the
timeline. Placement is idempotent by external id, so a restart finds them and creates
nothing; the two that are moved along (one shipped, one ready to collect) are only moved
while still ``pending``, so a restart never repeats a step and an operator's later
changes stay as they are.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.savepoints import savepoint
from oms.domain.access import Principal, Role
from oms.domain.errors import InsufficientStock, NotFound
from oms.fulfilment.schemas import ShipIn
from oms.fulfilment.services import pickup, shipping, transitions
from oms.orders.schemas import OrderIn, OrderOut
from oms.orders.services.placement import place_order

log = logging.getLogger(__name__)

DEMO_PRINCIPAL = Principal(token_id=0, name="demo", role=Role.ADMIN)

# The order moved on to the pickup shelf, and the parcel sent with a carrier.
READY_PICKUP = ("WEB", "DEMO-WEB-0002")
SHIPPED = ("WEB", "DEMO-WEB-0001")
CARRIER = "Royal Mail"
CARRIER_TRACKING = "https://www.royalmail.com/track-your-item#/tracking-results/{number}"


def _address(line1: str, city: str, postcode: str, line2: str | None = None) -> dict[str, Any]:
    address = {"line1": line1, "city": city, "region": "Greater Manchester", "postcode": postcode}
    if line2:
        address["line2"] = line2
    return {**address, "country": "GB"}


def _ship(address: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    return {"method": "ship", "address": address, "lat": lat, "lon": lon}


def _pickup(location: str) -> dict[str, Any]:
    return {"method": "pickup", "location": location}


def _line(sku: str, quantity: int, unit_price: int) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unit_price": unit_price, "currency": "GBP"}


# Request bodies as a channel would send them. Addresses are on real streets with the
# coordinates of the neighbourhood; people, emails (example.com) and phone numbers (the
# range reserved for drama) are made up. Every SKU has units on the shelves of the default
# stock plan, the pickups' at their store, so nothing is backordered.
ORDERS: tuple[dict[str, Any], ...] = (
    {
        "channel": "WEB",
        "external_id": "DEMO-WEB-0001",
        "customer": {"name": "Aisha Khan", "email": "aisha.khan@example.com"},
        "lines": [_line("JKT-HVM-RED-M", 1, 14999), _line("SCK-MER-GRY-M", 2, 1600)],
        "deliveries": [
            _ship(
                _address("14 Blossom Street", "Manchester", "M4 6AJ", "Ancoats"), 53.4846, -2.2265
            )
        ],
    },
    {
        "channel": "WEB",
        "external_id": "DEMO-WEB-0002",
        "customer": {
            "name": "Tom Brierley",
            "email": "tom.brierley@example.com",
            "phone": "07700 900123",
        },
        "lines": [_line("FLC-BLM-GRY-XL", 1, 4999), _line("BTL-1L-BLK", 1, 2499)],
        "deliveries": [_pickup("MAN-CITY")],
    },
    {
        "channel": "WEB",
        "external_id": "DEMO-WEB-0003",
        "customer": {"name": "Priya Shah", "email": "priya.shah@example.com"},
        "lines": [_line("BOT-RWW-BRN-UK4", 1, 12999)],
        "deliveries": [
            _ship(
                _address("112 Stockport Road", "Manchester", "M19 3AB", "Levenshulme"),
                53.4440,
                -2.1930,
            )
        ],
    },
    {
        "channel": "AMAZON",
        "external_id": "DEMO-AMAZON-0001",
        "customer": {"name": "Gareth Lloyd", "email": "gareth.lloyd@example.com"},
        "lines": [_line("TRC-400-ORG", 1, 3999), _line("GAS-230-BLU", 2, 699)],
        "deliveries": [
            _ship(_address("23 Bury New Road", "Prestwich", "M25 1AF"), 53.5333, -2.2833)
        ],
    },
    {
        "channel": "AMAZON",
        "external_id": "DEMO-AMAZON-0002",
        "customer": {"name": "Niamh O'Connor", "email": "niamh.oconnor@example.com"},
        "lines": [_line("GLV-LNR-BLK-L", 1, 1800)],
        "deliveries": [_ship(_address("31 Flixton Road", "Urmston", "M41 5AN"), 53.4487, -2.3540)],
    },
    # Taken at a till and set aside in the shop for the customer to collect later.
    {
        "channel": "POS",
        "external_id": "DEMO-POS-0001",
        "customer": {"name": "Sam Whitworth", "phone": "07700 900456"},
        "lines": [_line("TEE-TCM-BLU-L", 2, 2200)],
        "deliveries": [_pickup("MAN-CITY")],
    },
)

_TRACKING_TOKEN = text(
    """
    SELECT o.tracking_token FROM sales_order o JOIN channel c ON c.id = o.channel_id
     WHERE c.code = :channel AND o.external_id = :external_id
    """
)


def demo_order_inputs() -> list[OrderIn]:
    """The demo orders, validated exactly as the API validates a request body."""
    return [msgspec.convert(order, OrderIn) for order in ORDERS]


async def _to_ready_for_pickup(session: AsyncSession, order: OrderOut) -> None:
    for fulfilment in order.fulfilments:
        # One still waiting for its transfer cannot be picked yet: leave it in the queue.
        if fulfilment.method != "pickup" or fulfilment.state != "pending" or fulfilment.awaits:
            continue
        await transitions.start_picking(session, DEMO_PRINCIPAL, fulfilment.id)
        await transitions.pack(session, DEMO_PRINCIPAL, fulfilment.id)
        # Demo customers are not real: their messages carry no tracking link.
        await pickup.ready_for_pickup(session, DEMO_PRINCIPAL, fulfilment.id, public_url=None)


async def _to_shipped(session: AsyncSession, order: OrderOut) -> None:
    for fulfilment in order.fulfilments:
        if fulfilment.method != "ship" or fulfilment.state != "pending":
            continue
        await transitions.start_picking(session, DEMO_PRINCIPAL, fulfilment.id)
        await transitions.pack(session, DEMO_PRINCIPAL, fulfilment.id)
        number = f"DM{order.number:09d}GB"
        parcel = ShipIn(
            carrier=CARRIER,
            tracking_number=number,
            carrier_tracking_url=CARRIER_TRACKING.format(number=number),
        )
        await shipping.ship(session, DEMO_PRINCIPAL, fulfilment.id, parcel, public_url=None)


async def seed_demo_orders(session: AsyncSession) -> int:
    """Place the demo orders that are missing and move two along; how many were created."""
    created = 0
    for data in demo_order_inputs():
        try:
            # A savepoint per order: one that cannot be placed leaves the others intact.
            async with savepoint(await session.connection(), "demo_order"):
                order, new = await place_order(session, DEMO_PRINCIPAL, data)
                key = (data.channel, data.external_id)
                if key == READY_PICKUP:
                    await _to_ready_for_pickup(session, order)
                elif key == SHIPPED:
                    await _to_shipped(session, order)
        except (InsufficientStock, NotFound) as error:
            # An older demo whose stock or catalogue was changed meanwhile still starts.
            log.warning("demo order %s skipped: %s", data.external_id, error)
            continue
        created += new
    return created


async def demo_tracking_token(session: AsyncSession) -> str | None:
    """The tracking token of the demo order waiting for collection, for the console banner."""
    channel, external_id = READY_PICKUP
    token = await session.scalar(_TRACKING_TOKEN, {"channel": channel, "external_id": external_id})
    return None if token is None else str(token)
