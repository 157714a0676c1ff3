"""HTTP routes for orders: intake, reading, cancelling and editing."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, FromQuery, JSONBody

from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit
from oms.orders.schemas import (
    CancelIn,
    EditIn,
    OrderEventPage,
    OrderIn,
    OrderOut,
    OrderPage,
    RoutingDecisionPage,
)
from oms.orders.services import changes, placement, queries

# On a 200 answer to a resent (channel, external id): the resend said something else.
BODY_DIFFERS_HEADER = "OMS-Duplicate-Body-Differs"


class OrderController(Controller):
    path = "/orders"
    tags = ["orders"]

    @post(
        "/",
        summary="Place an order from any channel: route, reserve and record it",
        description=(
            "Routes every line (pickup in store, ship from store or warehouse), reserves the"
            " stock and records the order, its fulfilments, the routing decision and the"
            " timeline in one transaction. 201 for a new order; 200 with the existing order"
            " when the channel's external id was seen before, unchanged by the resend. If the"
            " resend's body differs from the first (compared as decoded, so key order and"
            " spacing do not count), the 200 also carries `OMS-Duplicate-Body-Differs: true`"
            " and the order's timeline gets an `order.duplicate_with_different_body` event"
            " (once per distinct body). When nothing can fulfil a line the channel's policy"
            " decides: 409 `insufficient_stock` with per-line availability, or a backorder."
        ),
        status_code=201,
        response_headers=[
            ResponseHeader(
                name=BODY_DIFFERS_HEADER,
                description=(
                    "`true` on a 200 resend whose body differs from the order's first;"
                    " absent otherwise."
                ),
                required=False,
                documentation_only=True,
            )
        ],
    )
    async def place_order(self, data: JSONBody[OrderIn], creation: Creating) -> Response[OrderOut]:
        placed: placement.Placed | None = None

        async def produce() -> OrderOut:
            nonlocal placed
            placed = await placement.place(creation.session, creation.principal, data)
            return placed.order

        def differs() -> dict[str, str]:
            return {BODY_DIFFERS_HEADER: "true"} if placed and placed.body_differs else {}

        # 201 for a new order, 200 for the first one again (see the description).
        return await creation.respond(
            produce, lambda: 201 if placed and placed.created else 200, headers=differs
        )

    @get("/", summary="Orders, newest first (filter by channel, status, customer, location)")
    async def list_orders(
        self,
        db_session: DbSession,
        principal: Caller,
        channel: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        customer: FromQuery[uuid.UUID | None] = None,
        location: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = 50,
    ) -> OrderPage:
        conn = await db_session.connection()
        return await queries.list_orders(
            conn,
            principal,
            channel=channel,
            status=status,
            customer=customer,
            location=location,
            cursor=cursor,
            limit=limit,
        )

    @get("/{order_id:uuid}", summary="An order with its lines and fulfilments")
    async def get_order(
        self, order_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> OrderOut:
        return await queries.order_for(await db_session.connection(), principal, order_id)

    @get("/{order_id:uuid}/events", summary="The order's timeline, oldest first")
    async def get_events(
        self,
        order_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> OrderEventPage:
        conn = await db_session.connection()
        return await queries.order_events(conn, principal, order_id, limit, cursor)

    @get(
        "/{order_id:uuid}/routing",
        summary="Every routing decision for the order, with each candidate and why",
    )
    async def get_routing(
        self,
        order_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> RoutingDecisionPage:
        conn = await db_session.connection()
        return await queries.routing_decisions(conn, principal, order_id, limit, cursor)

    @post(
        "/{order_id:uuid}/cancel",
        summary="Cancel the whole order or some units of some lines",
        description="Releases exactly the stock held for the cancelled units.",
        status_code=200,
    )
    async def cancel_order(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
        db_session: DbSession,
        principal: Caller,
    ) -> OrderOut:
        return await changes.cancel(db_session, principal, order_id, data)

    @post(
        "/{order_id:uuid}/edit",
        summary="Change line quantities before picking starts",
        description=(
            "Lower quantities release exactly the units given back. Raised quantities are"
            " routed like a new order: what no location can cover is backordered, or, on a"
            " channel that takes no backorders, the edit is refused with 409"
            " `insufficient_stock` and the same per-line detail as placement, and nothing"
            " changes."
        ),
        status_code=200,
    )
    async def edit_order(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[EditIn],
        db_session: DbSession,
        principal: Caller,
    ) -> OrderOut:
        return await changes.edit(db_session, principal, order_id, data)
