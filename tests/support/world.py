"""Test data builders: uniquely named locations, SKUs, stock and tokens, written directly."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.auth.services.resolver import create_token
from oms.db.models import Channel, ChannelLocation, Location, Sku
from oms.domain.access import Role
from oms.domain.stock import MovementKind
from oms.inventory.ledger.writers import Source, add_on_hand
from oms.inventory.services.audit import AuditReport, run_audit


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class World:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: AsyncTestClient[Litestar],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client

    async def location(self, **overrides: Any) -> Location:
        values: dict[str, Any] = {
            "code": unique("LOC"),
            "name": "Test store",
            "kind": "store",
            "address": {
                "line1": "1 High Street",
                "city": "Leeds",
                "postcode": "LS1 1AA",
                "country": "GB",
            },
            "lat": 53.7997,
            "lon": -1.5492,
            "timezone": "Europe/London",
            "opening_hours": {"mon": [["09:00", "18:00"]]},
            "capabilities": ["pickup", "ship_from", "walk_in"],
            "daily_capacity": 100,
            "priority": 100,
            "active": True,
        }
        values.update(overrides)
        async with self.sessionmaker() as session, session.begin():
            location = Location(**values)
            session.add(location)
        return location

    async def sku(self, **overrides: Any) -> Sku:
        values: dict[str, Any] = {"code": unique("SKU"), "name": "Test item", "attributes": {}}
        values.update(overrides)
        async with self.sessionmaker() as session, session.begin():
            sku = Sku(**values)
            session.add(sku)
        return sku

    async def channel(self, **overrides: Any) -> Channel:
        """A uniquely coded channel; ``locations=(loc, ...)`` makes only those eligible."""
        locations: tuple[Location, ...] = tuple(overrides.pop("locations", ()))
        values: dict[str, Any] = {
            "code": unique("CH"),
            "name": "Test channel",
            "kind": "web",
            "currency": "GBP",
            "backorders": False,
            "transfer_to_store": False,
            "max_split": 2,
            "routing_rules": [],
            "pickup_hold_days": 7,
        }
        values.update(overrides)
        async with self.sessionmaker() as session, session.begin():
            channel = Channel(**values)
            session.add(channel)
            await session.flush()
            session.add_all(
                ChannelLocation(channel_id=channel.id, location_id=loc.id) for loc in locations
            )
        return channel

    async def stock(
        self, sku: Sku, location: Location, on_hand: int, safety_stock: int = 0
    ) -> None:
        """Receive ``on_hand`` units (through the ledger) and set safety stock."""
        async with self.sessionmaker() as session, session.begin():
            await add_on_hand(
                session,
                sku.id,
                location.id,
                on_hand,
                MovementKind.RECEIPT,
                Source("test", "setup", "test"),
            )
            if safety_stock:
                from sqlalchemy import text

                await session.execute(
                    text(
                        "UPDATE inventory_level SET safety_stock = :s"
                        " WHERE sku_id = :k AND location_id = :l"
                    ),
                    {"s": safety_stock, "k": sku.id, "l": location.id},
                )

    async def token(
        self, role: str = "admin", locations: tuple[Location, ...] = (), channel: str | None = None
    ) -> dict[str, str]:
        """Authorization headers for a new token of that role."""
        async with self.sessionmaker() as session, session.begin():
            _, secret, _ = await create_token(
                session,
                name=unique(role),
                role=Role(role),
                location_codes=[loc.code for loc in locations],
                channel_code=channel,
            )
        return {"Authorization": f"Bearer {secret}"}

    async def level(self, sku: Sku, location: Location) -> dict[str, int]:
        from sqlalchemy import text

        async with self.sessionmaker() as session:
            row = (
                (
                    await session.execute(
                        text(
                            "SELECT on_hand, reserved, safety_stock FROM inventory_level"
                            " WHERE sku_id = :k AND location_id = :l"
                        ),
                        {"k": sku.id, "l": location.id},
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else {"on_hand": 0, "reserved": 0, "safety_stock": 0}

    async def audit(self) -> AuditReport:
        async with self.sessionmaker() as session, session.begin():
            return await run_audit(session)

    async def assert_audit_clean(self) -> None:
        report = await self.audit()
        assert report.ok, f"ledger audit found mismatches: {report}"
