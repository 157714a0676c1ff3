"""Request bodies and valid barcodes shared by the location and SKU API tests."""

from __future__ import annotations

import random
from typing import Any

from oms.domain.gtin import check_digit
from tests.support.world import unique


def new_gtin13() -> str:
    body = "2" + "".join(random.choices("0123456789", k=11))
    return body + str(check_digit(body))


ADDRESS = {"line1": "12 Briggate", "city": "Leeds", "postcode": "LS1 6HD", "country": "GB"}


def location_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": unique("LOC"),
        "name": "Leeds Briggate",
        "kind": "store",
        "address": ADDRESS,
        "lat": 53.7974,
        "lon": -1.5417,
        "timezone": "Europe/London",
        "opening_hours": {
            "mon": [["09:00", "12:30"], ["13:30", "17:30"]],
            "sat": [["10:00", "16:00"]],
        },
        "capabilities": ["pickup", "walk_in"],
        "daily_capacity": 40,
        "priority": 20,
    }
    body.update(overrides)
    return body
