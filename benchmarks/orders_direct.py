"""The direct side of the order benchmark: ``placement.place_order``'s own statements sent
through raw asyncpg in one transaction, with the same pure routing engine building the
write. Shared with ``bench_orders``: the generated ``Order`` and its delivery group.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec

from benchmarks.common import compiled
from oms.channels.services.policy import _POLICY
from oms.customers.services.matching import _INSERT, name_key
from oms.domain.contact import email_key
from oms.domain.routing import Candidate, Delivery, Demand, Group, Plan, Policy, plan
from oms.orders.services.intake_read import INTAKE_READ
from oms.orders.services.plan_statement import (
    PLACE,
    OrderLineRow,
    RoutingDecisionRow,
    SalesOrderRow,
    place_params,
)
from oms.orders.services.planning import candidates_from_rows, fulfilments_for, plan_rows
from oms.orders.services.routing_sql import CANDIDATES, LOCK_CANDIDATE_LEVELS

CHANNEL = "BENCH-WEB"
PRICE = 1_999
ACTOR = "admin:bench-direct"


@dataclass(frozen=True)
class Order:
    """One generated order: both sides place exactly this."""

    external_id: str
    email: str
    lines: list[tuple[str, int]]  # (sku code, quantity)
    pickup: str | None  # store code, or None to ship
    lat: float
    lon: float


def delivery(order: Order) -> dict[str, Any]:
    if order.pickup is not None:
        return {"method": "pickup", "location": order.pickup}
    address = {"line1": "1 Bench Street", "city": "Manchester", "postcode": "M1 1AA"}
    return {"method": "ship", "address": {**address, "country": "GB"}, "lat": order.lat,
            "lon": order.lon}  # fmt: skip


# ---- straight to PostgreSQL: the service's own statements, one transaction each -------------


class Refused(Exception):
    """Not enough stock: leaves the transaction so it rolls back."""


class DirectSql:
    """``placement.place_order`` for a new order of a known customer, minus the web layer,
    session and response: the same statements in the same order, the same routing."""

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        self.policy: Policy | None = None
        self.statements = {
            name: compiled(statement)
            for name, statement in (
                ("resolve", INTAKE_READ), ("policy", _POLICY),
                ("insert", _INSERT), ("candidates", CANDIDATES),
                ("lock", LOCK_CANDIDATE_LEVELS), ("place", PLACE),
            )
        }  # fmt: skip

    async def run(self, conn: asyncpg.Connection, name: str, values: dict[str, Any]) -> Any:
        sql, order = self.statements[name]
        return await conn.fetch(sql, *(values[k] for k in order))

    async def candidates(
        self, conn: asyncpg.Connection, sku_ids: list[int], always: list[int], lock: bool
    ) -> list[Candidate]:
        params = {"sku_ids": sku_ids, "always": always}
        if lock:
            await self.run(conn, "lock", params)
        rows = await self.run(conn, "candidates", params)
        return candidates_from_rows(SimpleNamespace(**dict(r)) for r in rows)

    async def customer(
        self, conn: asyncpg.Connection, email: str, known: list[uuid.UUID]
    ) -> uuid.UUID:
        """The profile the first statement found, else a new one (as the service does)."""
        if known:
            return known[0]
        ek = email_key(email)
        new = {"id": uuid.uuid4(), "name": "Bench Customer", "name_key": name_key("Bench Customer"),
               "email": email, "ek": ek, "phone": None, "pk": None}  # fmt: skip
        return (await self.run(conn, "insert", new))[0]["id"]  # type: ignore[no-any-return]

    async def place(self, conn: asyncpg.Connection, order: Order) -> bool:
        try:
            async with conn.transaction():
                await self.write(conn, order)
        except Refused:
            return False
        return True

    async def write(self, conn: asyncpg.Connection, order: Order) -> None:
        wanted = sorted({sku for sku, _ in order.lines})
        rows = await self.run(conn, "resolve", {
            "skus": wanted, "locations": [order.pickup] if order.pickup else [],
            "channel_id": self.channel_id, "external_id": order.external_id,
            "ek": email_key(order.email), "pk": None,
        })  # fmt: skip
        sku_ids = {r["code"]: r["id"] for r in rows if r["kind"] == "sku"}
        pickup_ids = {r["code"]: r["id"] for r in rows if r["kind"] == "location"}
        known = [uuid.UUID(r["code"]) for r in rows if r["kind"] == "customer"]
        # The service caches the channel policy per process; so does this path.
        if self.policy is None:
            policy_row = (await self.run(conn, "policy", {"code": CHANNEL}))[0]
            self.policy = Policy(
                rules=tuple(json.loads(policy_row["routing_rules"])),
                max_split=policy_row["max_split"],
                transfer_to_store=policy_row["transfer_to_store"],
                eligible_location_ids=None,
            )
        policy = self.policy
        customer_id = await self.customer(conn, order.email, known)
        stored = delivery(order)
        if order.pickup is None:
            stored["placed_by"] = "given"
            where = Delivery("ship", lat=order.lat, lon=order.lon)
        else:
            where = Delivery("pickup", pickup_location_id=pickup_ids[order.pickup])
        demand = tuple(Demand(n, sku_ids[s], q) for n, (s, q) in enumerate(order.lines, 1))
        groups = [Group(0, where, demand)]
        wanted_ids, always = sorted(set(sku_ids.values())), list(pickup_ids.values())
        # The first statement already brought the candidates, as in the service.
        candidates = candidates_from_rows(
            SimpleNamespace(**dict(r)) for r in rows if r["kind"] == "candidate"
        )
        total = sum(q * PRICE for _, q in order.lines)
        new_order = SalesOrderRow(
            id=uuid.uuid4(), channel_id=self.channel_id, external_id=order.external_id,
            customer_id=customer_id, customer_name="Bench Customer", email=order.email,
            phone=None, currency="GBP", total_amount=total, status="open",
            deliveries=json.dumps([stored]), tracking_token=secrets.token_urlsafe(24),
            intake_fingerprint=secrets.token_bytes(32), language=None,
        )  # fmt: skip
        lines = [
            OrderLineRow(line_no=n, sku_id=sku_ids[s], quantity=q, unit_price=PRICE,
                         delivery_no=0, quantity_cancelled=0, quantity_backordered=0)
            for n, (s, q) in enumerate(order.lines, 1)
        ]  # fmt: skip
        base: dict[str, Any] = {
            "actor": ACTOR, "reference": f"order {CHANNEL}/{order.external_id}",
            **place_params(new_order, lines),
        }  # fmt: skip
        for attempt in range(1, 4):
            if attempt > 1:
                await conn.execute("SAVEPOINT plan_attempt")
                candidates = await self.candidates(conn, wanted_ids, always, lock=attempt == 3)
            if await self.try_plan(conn, base, plan(groups, candidates, policy), candidates,
                                   attempt, total):  # fmt: skip
                return
        raise RuntimeError("the stock this order needs kept changing")

    async def try_plan(
        self,
        conn: asyncpg.Connection,
        base: dict[str, Any],
        plan_: Plan,
        candidates: list[Candidate],
        attempt: int,
        total: int,
    ) -> bool:
        if plan_.unallocated:
            raise Refused  # the channel takes no backorders
        fulfilments = fulfilments_for(plan_)
        placed = {"channel": CHANNEL, "total": total, "currency": "GBP"}
        decision = RoutingDecisionRow(
            trigger="placement",
            attempts=attempt,
            explanation=msgspec.json.encode(plan_.explanation).decode(),
        )
        location_code = {c.location_id: c.code for c in candidates}
        rows = plan_rows(plan_, fulfilments, location_code, decision, [("order.placed", placed)])
        params = {**base, **rows.params()}
        if attempt == 1:
            await conn.execute("SAVEPOINT plan_attempt")
        row = (await self.run(conn, "place", params))[0]
        if (
            row["orders"] == 1
            and row["reserved_levels"] == rows.levels()
            and row["loaded_locations"] == len(rows.day_loads)
        ):
            return True
        await conn.execute("ROLLBACK TO SAVEPOINT plan_attempt")
        return False
