"""Place an order: validate, deduplicate, route, reserve, persist — one transaction.

Round trips on the common path: one statement reads everything the request names (SKUs,
pickup stores, a duplicate, the customer's profile, the candidate locations with their
stock), then one statement writes everything under a savepoint (a lost race re-plans).
The channel's policy comes from a short per-process cache.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.channels.services.policy import ChannelPolicy
from oms.channels.services.policy_cache import cached_channel_policy
from oms.customers.services.matching import Known, match_or_create_customer, match_params
from oms.domain.access import (
    Action,
    Principal,
    require,
    require_channel,
    require_place_order_on,
)
from oms.domain.errors import InsufficientStock, InvalidInput, NotFound
from oms.domain.routing import Candidate, Plan, available_in_network
from oms.orders.schemas import OrderIn, OrderOut, PickUpAt
from oms.orders.services import groups as group_builder
from oms.orders.services.events import EventKind
from oms.orders.services.intake_read import read_intake
from oms.orders.services.plan_statement import PLACE, OrderLineRow, SalesOrderRow, place_params
from oms.orders.services.planning import Written, candidates_from_rows, plan_and_write
from oms.orders.services.queries import get_order_out, placed_order_out
from oms.orders.services.resend import answer_resend, intake_fingerprint

# The order a concurrent placement of the same (channel, external id) committed.
_EXISTING = text(
    "SELECT id FROM sales_order WHERE channel_id = :channel_id AND external_id = :external_id"
)


@dataclass(frozen=True, slots=True)
class Placed:
    order: OrderOut
    created: bool  # False: the channel's external id was placed before
    body_differs: bool = False  # ... and this resend said something else (see resend.py)


async def place_order(
    session: AsyncSession, principal: Principal, data: OrderIn
) -> tuple[OrderOut, bool]:
    """The order, and whether this call created it (False: it already existed)."""
    placed = await place(session, principal, data)
    return placed.order, placed.created


async def place(session: AsyncSession, principal: Principal, data: OrderIn) -> Placed:
    """The order; a resend of a known (channel, external id) answers with the first."""
    require(principal, Action.PLACE_ORDER)
    require_channel(principal, data.channel, to="places orders")
    conn = await session.connection()
    channel = await cached_channel_policy(conn, data.channel)
    if channel is None or not channel.active:
        raise NotFound(f"channel {data.channel!r} not found", channel=data.channel)
    # Before the duplicate look-up: a refused caller learns nothing about existing orders.
    require_place_order_on(principal, channel=channel.code, staff_orders=channel.staff_orders)
    currency = data.lines[0].currency
    if currency != channel.currency:
        raise InvalidInput(
            f"channel {channel.code} sells in {channel.currency}, not {currency}",
            currency=currency,
        )
    total = sum(line.quantity * line.unit_price for line in data.lines)
    if data.total is not None and (data.total.amount, data.total.currency) != (total, currency):
        raise InvalidInput(
            f"total {data.total.amount} {data.total.currency} does not match the lines'"
            f" {total} {currency}",
            expected=total,
        )
    intake = intake_fingerprint(data)
    named = await _resolve(conn, data, channel.id)
    if named.existing is not None:
        return await _resent(conn, named.existing, intake, principal)
    sku_ids, pickup_ids, candidates = named.sku_ids, named.pickup_ids, named.candidates
    customer_id = await match_or_create_customer(
        conn,
        name=data.customer.name,
        email=data.customer.email,
        phone=data.customer.phone,
        known=named.profiles,
    )
    deliveries = group_builder.stored_deliveries(data)
    groups = group_builder.from_request(data, deliveries, sku_ids, pickup_ids)
    wanted_skus, always = sorted(set(sku_ids.values())), list(pickup_ids.values())
    order_id = uuid.uuid4()
    order = SalesOrderRow(
        id=order_id,
        channel_id=channel.id,
        external_id=data.external_id,
        customer_id=customer_id,
        customer_name=data.customer.name,
        email=data.customer.email,
        phone=data.customer.phone,
        currency=currency,
        total_amount=total,
        status="open",  # or backordered: see accept()
        deliveries=json.dumps(deliveries),
        # 192 random bits: the tracking page's only secret.
        tracking_token=secrets.token_urlsafe(24),
        intake_fingerprint=intake,
        language=data.language,
    )

    def accept(plan_: Plan, seen: list[Candidate]) -> dict[str, Any]:
        short = _unallocated_by_line(plan_)
        if short and not channel.backorders:
            raise _rejection(plan_, data, seen, channel, short)
        status = "backordered" if short else "open"
        return place_params(
            msgspec.structs.replace(order, status=status), _order_lines(data, sku_ids, short)
        )

    def events(plan_: Plan) -> list[tuple[EventKind, dict[str, Any]]]:
        placed = (
            EventKind.ORDER_PLACED,
            {"channel": data.channel, "total": total, "currency": currency},
        )
        short = _unallocated_by_line(plan_)
        if not short:
            return [placed]
        return [
            placed,
            (EventKind.ORDER_BACKORDERED, {"lines": {str(k): v for k, v in short.items()}}),
        ]

    written = await plan_and_write(
        conn,
        PLACE,
        {"actor": principal.actor, "reference": f"order {data.channel}/{data.external_id}"},
        groups,
        candidates,
        channel.routing(),
        trigger="placement",
        sku_ids=wanted_skus,
        always=always,
        accept=accept,
        extra_events=events,
    )
    if written is None:  # a concurrent duplicate committed first: answer with it
        existing = await _existing(conn, channel.id, data.external_id)
        return await _resent(conn, existing, intake, principal)
    return Placed(_placed(written, data, order, deliveries, sku_ids), created=True)


async def _resent(
    conn: AsyncConnection, order_id: uuid.UUID, intake: bytes, principal: Principal
) -> Placed:
    differs = await answer_resend(conn, order_id, intake, actor=principal.actor)
    return Placed(await get_order_out(conn, order_id), created=False, body_differs=differs)


@dataclass(frozen=True, slots=True)
class _Named:
    """What the request's codes and contact details name in the database."""

    sku_ids: dict[str, int]
    pickup_ids: dict[str, int]
    existing: uuid.UUID | None  # an order already placed under this external id
    profiles: list[Known]
    candidates: list[Candidate]


async def _resolve(conn: AsyncConnection, data: OrderIn, channel_id: int) -> _Named:
    wanted = {line.sku for line in data.lines}
    stores = {d.location for d in data.deliveries if isinstance(d, PickUpAt)}
    rows = await read_intake(
        conn,
        {
            "skus": sorted(wanted),
            "locations": sorted(stores),
            "channel_id": channel_id,
            "external_id": data.external_id,
            **match_params(data.customer.email, data.customer.phone),
        },
    )
    existing = next((uuid.UUID(r.code) for r in rows["order"]), None)
    if existing is not None:
        return _Named({}, {}, existing, [], [])
    sku_ids = {r.code: r.id for r in rows["sku"]}
    missing = sorted(wanted - sku_ids.keys())
    if missing:
        raise NotFound(f"unknown SKU(s): {', '.join(missing)}", skus=missing)
    pickup_ids = {r.code: r.id for r in rows["location"]}
    unknown = sorted(stores - pickup_ids.keys())
    if unknown:
        raise NotFound(f"unknown location(s): {', '.join(unknown)}", locations=unknown)
    no_pickup = sorted(r.code for r in rows["location"] if not r.pickup)
    if no_pickup:
        raise InvalidInput(
            f"{', '.join(no_pickup)} does not offer pickup in store", locations=no_pickup
        )
    profiles = [Known(uuid.UUID(r.code), r.email_key, r.phone_key) for r in rows["customer"]]
    candidates = candidates_from_rows(rows["candidate"])
    return _Named(sku_ids, pickup_ids, None, profiles, candidates)


async def _existing(conn: AsyncConnection, channel_id: int, external_id: str) -> uuid.UUID:
    found = await conn.scalar(_EXISTING, {"channel_id": channel_id, "external_id": external_id})
    assert found is not None  # the statement saw it conflict, and it has committed
    return found  # type: ignore[no-any-return]


def _unallocated_by_line(plan_: Plan) -> dict[int, int]:
    short: dict[int, int] = defaultdict(int)
    for _, demand in plan_.unallocated:
        short[demand.line_no] += demand.quantity
    return dict(short)


def _rejection(
    plan_: Plan,
    data: OrderIn,
    candidates: list[Candidate],
    channel: ChannelPolicy,
    short: dict[int, int],
) -> InsufficientStock:
    """Per short line: what was asked, what could be allocated, what the network has."""
    eligible = channel.eligible_location_ids
    lines = []
    for line_no, missing in sorted(short.items()):
        line = data.lines[line_no - 1]
        sku_id = next(iter({d.sku_id for _, d in plan_.unallocated if d.line_no == line_no}))
        network = available_in_network(candidates, sku_id, eligible)
        lines.append(
            {
                "line_no": line_no,
                "sku": line.sku,
                "requested": line.quantity,
                "allocatable": line.quantity - missing,
                "available_in_network": network,
            }
        )
    alternatives = {
        str(group.delivery): msgspec.to_builtins(group.alternatives)
        for group in plan_.explanation.groups
        if group.alternatives
    }
    described = ", ".join(
        f"line {entry['line_no']} {entry['sku']} ({entry['allocatable']} of {entry['requested']})"
        for entry in lines
    )
    return InsufficientStock(
        f"cannot fulfil {described}", lines=lines, pickup_alternatives=alternatives
    )


def _order_lines(
    data: OrderIn, sku_ids: dict[str, int], short: dict[int, int]
) -> list[OrderLineRow]:
    """The new order's lines; ``short`` units per line number wait for stock."""
    return [
        OrderLineRow(
            line_no=n,
            sku_id=sku_ids[line.sku],
            quantity=line.quantity,
            unit_price=line.unit_price,
            delivery_no=line.delivery,
            quantity_cancelled=0,
            quantity_backordered=short.get(n, 0),
        )
        for n, line in enumerate(data.lines, start=1)
    ]


def _placed(
    written: Written,
    data: OrderIn,
    order: SalesOrderRow,
    deliveries: list[dict[str, Any]],
    sku_ids: dict[str, int],
) -> OrderOut:
    short = _unallocated_by_line(written.plan)  # as accept() wrote it
    return placed_order_out(
        written,
        data,
        order_id=order.id,
        customer_id=order.customer_id,
        tracking_token=order.tracking_token,
        total=order.total_amount,
        status="backordered" if short else "open",
        deliveries=deliveries,
        backordered=short,
        location_code={c.location_id: c.code for c in written.candidates},
        sku_code={v: k for k, v in sku_ids.items()},
    )
