"""Returns at the counter: find the order (its number, or the customer's email or phone),
choose what comes back and whether it goes back on the shelf or is written off.

Finding a customer by exact email or phone goes through the customer search the API uses,
so it opens that customer's orders to this sign-in exactly as it would to an API token
(bought online or elsewhere, returned here). The return itself goes through the returns
service of the JSON API (``fulfilment.services.returns``), with its request body: the
same checks, the same ledger rows (``return``, and ``damage`` for written-off units).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from oms.customers.schemas import CustomerProfile
from oms.customers.services import profiles
from oms.domain.access import Action
from oms.domain.errors import InvalidInput, NotFound
from oms.fulfilment.schemas import ReturnIn, ReturnOut
from oms.fulfilment.services import returns
from oms.http.deps import DbSession
from oms.orders.schemas import OrderOut
from oms.orders.services import queries
from oms.web.forms import FORM, api_input
from oms.web.once import Rendered, new_form_key, submit_once
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff
from oms.web.stock_work_views import (
    RETURN_REASONS,
    levels_at,
    major_units,
    minor_units,
    order_id_by_number,
    order_number,
    returnable_lines,
    whole_number,
)

SEARCH_PAGE = "app/returns.html"
ORDER_PAGE = "app/returns_order.html"
CUSTOMERS_SHOWN = 10
ORDERS_SHOWN = 20
RETURNS_READ = 100  # an order's returns: far more than any order has


async def _order_context(
    db_session: DbSession, staff: Staff, order_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    """The order as this sign-in may read it, what of it can still come back, and a form."""
    conn = await db_session.connection()
    order = await queries.order_for(conn, staff.principal, order_id)
    given_back = await returns.list_returns(
        db_session, staff.principal, order_id, RETURNS_READ, None
    )
    return {
        "order": order,
        "lines": returnable_lines(order, given_back.items),
        "returns": given_back.items,
        "reasons": RETURN_REASONS,
        "may_return": staff.principal.may(Action.RETURN),
        "location": staff.view.store_code,
        "form_key": new_form_key(),
        "done": None,
        "taken": None,
        "levels": [],
        "money": major_units,
    } | extra


def _return_lines(form: Any, order: OrderOut) -> list[dict[str, Any]]:
    """A return line for each quantity typed: ``restock_<line>`` back on the shelf,
    ``damaged_<line>`` written off, with the one reason chosen for the whole return."""
    reason = str(form.get("reason") or "") or None
    chosen = []
    for line in order.lines:
        for disposition in ("restock", "damaged"):
            typed = str(form.get(f"{disposition}_{line.line_no}") or "").strip()
            if not typed:
                continue
            quantity = whole_number(typed, f"line {line.line_no} {disposition}", minimum=0)
            if quantity:
                chosen.append(
                    {
                        "line_no": line.line_no,
                        "quantity": quantity,
                        "disposition": disposition,
                        "reason": reason,
                    }
                )
    return chosen


class ReturnsController(Controller):
    path = "/app/returns"
    include_in_schema = False

    @get("/")
    async def search(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        q: FromQuery[Annotated[str, msgspec.Meta(max_length=320)]] = "",
    ) -> Template:
        """One field for the order number, or the customer's email or phone."""
        staff.here()
        query = q.strip()
        order: OrderOut | None = None
        customers: list[CustomerProfile] = []
        if query:
            number = order_number(query)
            if number is not None:
                try:
                    order_id = await order_id_by_number(db_session, number)
                    order = await queries.order_for(
                        await db_session.connection(), staff.principal, order_id
                    )
                except NotFound:
                    order = None
            found = await profiles.search_customers(
                db_session,
                staff.principal,
                q=query,
                limit=CUSTOMERS_SHOWN,
                cursor=None,
                grant_minutes=request.app.state.settings.customer_access_minutes,
            )
            for customer in found.items:
                customers.append(
                    await profiles.get_customer(
                        db_session, staff.principal, customer.id, orders_limit=ORDERS_SHOWN
                    )
                )
        return page(SEARCH_PAGE, staff, state, q=query, order=order, customers=customers)

    @get("/{order_id:uuid}")
    async def order_page(
        self, order_id: FromPath[uuid.UUID], staff: SignedIn, state: State, db_session: DbSession
    ) -> Template:
        staff.here()
        context = await _order_context(db_session, staff, order_id)
        return page(ORDER_PAGE, staff, state, **context)

    @post("/{order_id:uuid}", opt={"content_types": FORM})
    async def take_return(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
    ) -> Response[Any]:
        staff.here()
        form = await request.form()

        async def work() -> Rendered:
            # The order as the API reads it: its lines and currency (404 if not readable).
            order = await queries.order_for(
                await db_session.connection(), staff.principal, order_id
            )
            lines = _return_lines(form, order)
            if not lines:
                raise InvalidInput("type how many units come back on at least one line")
            data = api_input(
                ReturnIn,
                location=str(form.get("location") or ""),
                lines=lines,
                refund_amount=minor_units(str(form.get("refund") or ""), order.currency),
                note=str(form.get("note") or "").strip() or None,
            )
            taken: ReturnOut = await returns.create_return(
                db_session, staff.principal, order_id, data
            )
            units = sum(line.quantity for line in taken.lines)
            done = {
                "title": f"Return of {units} unit(s) recorded for order {order.number}",
                "detail": "Restocked units are on the shelf here; damaged ones are written off.",
            }
            here = await levels_at(
                db_session, staff.principal, taken.location, (line.sku for line in taken.lines)
            )
            context = await _order_context(
                db_session, staff, order_id, done=done, taken=taken, levels=here
            )
            return Rendered(ORDER_PAGE, context)

        return await submit_once(request, state, db_session, staff, work)
