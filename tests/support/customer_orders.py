"""Orders placed through ``POST /orders``, for the customer and tracking tests."""

from __future__ import annotations

from typing import Any

from oms.db.models import Channel, Location, Sku
from tests.support.world import World, unique


class Shop:
    """A store with stock of one SKU, a web channel, and an admin token."""

    def __init__(
        self, world: World, store: Location, sku: Sku, channel: Channel, admin: dict[str, str]
    ) -> None:
        self.world = world
        self.store = store
        self.sku = sku
        self.channel = channel
        self.admin = admin

    @classmethod
    async def open(cls, world: World, stock: int = 100, **store: Any) -> Shop:
        location = await world.location(**store)
        sku = await world.sku()
        await world.stock(sku, location, stock)
        channel = await world.channel()
        return cls(world, location, sku, channel, await world.token("admin"))

    async def place(
        self,
        *,
        name: str = "Ann Example",
        email: str | None = None,
        phone: str | None = None,
        channel: Channel | None = None,
        pickup: bool = True,
    ) -> dict[str, Any]:
        """Place a one-line order (pickup here, or shipping to Leeds); returns ``OrderOut``."""
        customer: dict[str, Any] = {"name": name}
        if email is not None:
            customer["email"] = email
        if phone is not None:
            customer["phone"] = phone
        delivery: dict[str, Any] = (
            {"method": "pickup", "location": self.store.code}
            if pickup
            else {
                "method": "ship",
                "address": {
                    "line1": "2 Secret Lane",
                    "city": "Leeds",
                    "postcode": "LS2 7EW",
                    "country": "GB",
                },
            }
        )
        body = {
            "channel": (channel or self.channel).code,
            "external_id": unique("E"),
            "customer": customer,
            "lines": [
                {
                    "sku": self.sku.code,
                    "quantity": 1,
                    "unit_price": 1999,
                    "currency": "GBP",
                    "delivery": 0,
                }
            ],
            "deliveries": [delivery],
        }
        response = await self.world.client.post("/orders", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order
