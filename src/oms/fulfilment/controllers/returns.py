"""HTTP routes for customer returns of an order."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from oms.fulfilment.schemas import ReturnIn, ReturnList, ReturnOut
from oms.fulfilment.services import returns
from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit


class ReturnController(Controller):
    path = "/orders/{order_id:uuid}/returns"
    tags = ["returns"]

    @post(
        "/",
        summary="Take back delivered units at any store or warehouse, with a refund",
        description=(
            "Only units shipped or picked up and not returned before. `restock` puts them"
            " on the location's shelf (ledger `return`); `damaged` records them coming in"
            " and written off (`return`, then `damage`). `refund_amount` is in the order's"
            " currency, in minor units, at most what the returned units cost. Store tokens"
            " take returns at their own locations (403 elsewhere) of orders they may read:"
            " their stores' orders, or any order of a customer they looked up by email or"
            " phone (buy online, return in store); any other order is 404 and nothing is"
            " written."
        ),
        status_code=201,
    )
    async def create_return(
        self, order_id: FromPath[uuid.UUID], data: JSONBody[ReturnIn], creation: Creating
    ) -> Response[ReturnOut]:
        return await creation(returns.create_return, order_id, data)

    @get(
        "/",
        summary="An order's returns, oldest first",
        description="For whoever may read the order, and a store that took one of them in.",
    )
    async def list_returns(
        self,
        order_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> ReturnList:
        return await returns.list_returns(db_session, principal, order_id, limit, cursor)
