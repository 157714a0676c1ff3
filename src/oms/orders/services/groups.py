"""Delivery groups: which lines go where, as the routing engine sees them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from oms.domain import gazetteer
from oms.domain.routing import Delivery, Demand, Group
from oms.orders.schemas import OrderIn, PickUpAt, ShipTo


def stored_deliveries(data: OrderIn) -> list[dict[str, Any]]:
    """Deliveries as stored on the order; a ship-to address the service placed itself
    keeps its coordinates and says how precisely they are known."""
    stored: list[dict[str, Any]] = []
    for delivery in data.deliveries:
        entry = msgspec.to_builtins(delivery)
        entry["method"] = "pickup" if isinstance(delivery, PickUpAt) else "ship"
        if isinstance(delivery, ShipTo):
            entry["lat"], entry["lon"], entry["placed_by"] = _coordinates(delivery)
        stored.append(entry)
    return stored


def _coordinates(delivery: ShipTo) -> tuple[float | None, float | None, str]:
    if delivery.lat is not None and delivery.lon is not None:
        return delivery.lat, delivery.lon, "given"
    address = delivery.address
    placed = gazetteer.place(address.postcode, address.city, address.country)
    if placed is None:
        return None, None, "unknown"
    lat, lon, precision = placed
    return lat, lon, precision


def from_request(
    data: OrderIn,
    stored: list[dict[str, Any]],
    sku_ids: Mapping[str, int],
    pickup_ids: Mapping[str, int],
) -> list[Group]:
    """One group per stored delivery of a new order (by index), with its lines' demand."""
    demand: dict[int, list[Demand]] = defaultdict(list)
    for line_no, line in enumerate(data.lines, start=1):
        demand[line.delivery].append(Demand(line_no, sku_ids[line.sku], line.quantity))
    return [
        Group(index, _delivery(entry, pickup_ids), tuple(demand[index]))
        for index, entry in enumerate(stored)
    ]


def from_stored(
    deliveries: list[dict[str, Any]],
    open_units: Iterable[tuple[int, int, int, int]],
    pickup_ids: Mapping[str, int],
) -> list[Group]:
    """Groups for units still to place: ``open_units`` is (delivery, line, sku, quantity)."""
    demand: dict[int, list[Demand]] = defaultdict(list)
    for delivery_no, line_no, sku_id, quantity in open_units:
        if quantity > 0:
            demand[delivery_no].append(Demand(line_no, sku_id, quantity))
    return [
        Group(index, _delivery(deliveries[index], pickup_ids), tuple(items))
        for index, items in sorted(demand.items())
    ]


def _delivery(entry: Mapping[str, Any], pickup_ids: Mapping[str, int]) -> Delivery:
    if entry["method"] == "pickup":
        return Delivery("pickup", pickup_location_id=pickup_ids.get(entry["location"]))
    return Delivery("ship", lat=entry.get("lat"), lon=entry.get("lon"))
