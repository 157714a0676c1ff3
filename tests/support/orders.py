"""Order request bodies for tests: small builders with sensible defaults."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from oms.db.models import Location, Sku

# Leeds city centre, where ``World.location`` puts stores by default.
LEEDS = (53.7997, -1.5492)


def ship_to(lat: float = LEEDS[0], lon: float = LEEDS[1], **address: str) -> dict[str, Any]:
    return {
        "method": "ship",
        "address": {
            "line1": "1 Test Street",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country": "GB",
            **address,
        },
        "lat": lat,
        "lon": lon,
    }


def pickup_at(location: Location) -> dict[str, Any]:
    return {"method": "pickup", "location": location.code}


def order_body(
    channel: str,
    lines: Sequence[tuple[Sku, int]],
    deliveries: Sequence[dict[str, Any]] | None = None,
    *,
    external_id: str | None = None,
    email: str | None = None,
    price: int = 1999,
    delivery_of_line: Sequence[int] | None = None,
) -> dict[str, Any]:
    return {
        "channel": channel,
        "external_id": external_id or f"EXT-{uuid.uuid4().hex[:12]}",
        "customer": {
            "name": "Test Customer",
            "email": email or f"{uuid.uuid4().hex[:10]}@example.com",
        },
        "lines": [
            {
                "sku": sku.code,
                "quantity": quantity,
                "unit_price": price,
                "currency": "GBP",
                "delivery": delivery_of_line[i] if delivery_of_line else 0,
            }
            for i, (sku, quantity) in enumerate(lines)
        ],
        "deliveries": list(deliveries) if deliveries else [ship_to()],
    }
