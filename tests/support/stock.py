"""Ledger reads shared by the stock API tests."""

from __future__ import annotations

from typing import Any

from oms.db.models import Location
from tests.support.world import World


async def movements(world: World, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await world.client.get("/inventory/movements", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def ledger_of(world: World, location: Location, reference: str) -> list[dict[str, Any]]:
    admin = await world.token("admin")
    return await movements(world, admin, location=location.code, ref_id=reference)
