"""HTTP routes for customers: search, and one profile with its orders from every channel."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from oms.customers.schemas import CustomerPage, CustomerProfile
from oms.customers.services import profiles as services
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit


class CustomerController(Controller):
    path = "/customers"
    tags = ["customers"]

    @get(
        "/",
        summary="Find customers by name prefix, email or phone",
        description=(
            "`q` containing `@` is an email and a phone-like `q` a phone number; both match"
            " exactly after normalising (case, spaces, `+44`/`0044`/`0` prefixes). Anything"
            " else matches the start of the name, case-insensitively. Ordered by name; pass"
            " `next_cursor` back as `cursor` for the next page. Store tokens find anyone by"
            " exact email or phone, and may then read that customer and every order of theirs"
            " for `OMS_CUSTOMER_ACCESS_MINUTES` (each order opened that way is recorded in its"
            " events); a name finds only customers with an order at their stores."
            " Integration tokens: 403."
        ),
    )
    async def search_customers(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        principal: Caller,
        q: Annotated[str, QueryParameter(min_length=1, max_length=320)],
        limit: PageLimit = 50,
        cursor: PageCursor = None,
    ) -> CustomerPage:
        return await services.search_customers(
            db_session,
            principal,
            q=q,
            limit=limit,
            cursor=cursor,
            grant_minutes=request.app.state.settings.customer_access_minutes,
        )

    @get(
        "/{customer_id:uuid}",
        summary="One customer with their orders from every channel, newest first",
        description=(
            "`orders` holds the newest `orders_limit` orders and `order_count` all of them;"
            " page through the rest with `GET /orders?customer=<id>`. Store tokens read their"
            " own stores' customers (an order at their stores) and customers they looked up"
            " by email or phone; any other is 404 like a missing one."
        ),
    )
    async def get_customer(
        self,
        customer_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
        orders_limit: PageLimit = 100,
    ) -> CustomerProfile:
        return await services.get_customer(
            db_session, principal, customer_id, orders_limit=orders_limit
        )
