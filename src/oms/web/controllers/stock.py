"""Stock look-up on the shop floor: scan or type, see this store, nearby stores and the
network; hold units here for a customer, or start an order for another store or delivery."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Template

from oms.http.deps import DbSession
from oms.inventory.schemas import HoldIn, HoldLineIn
from oms.inventory.services import holds
from oms.web.feedback import is_htmx
from oms.web.forms import FORM
from oms.web.once import Rendered, new_form_key, submit_once
from oms.web.pages import page
from oms.web.staff import SignedIn
from oms.web.stock_views import search_stock

# How long a hold made at the counter keeps the units, unless the associate says otherwise.
DEFAULT_HOLD_HOURS = 24


class HoldForm(msgspec.Struct, frozen=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    location: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=999)] = 1
    hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)] = DEFAULT_HOLD_HOURS
    reference: Annotated[str, msgspec.Meta(max_length=128)] = ""
    q: Annotated[str, msgspec.Meta(max_length=300)] = ""
    idempotency_key: Annotated[str, msgspec.Meta(max_length=255)] = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class StockController(Controller):
    path = "/app/stock"
    include_in_schema = False

    @get("/")
    async def look_up(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        q: Annotated[str, msgspec.Meta(max_length=300)] = "",
    ) -> Template:
        staff.here()  # an associate of several stores picks one first
        search = await search_stock(db_session, q, staff.view.store_code)
        context: dict[str, Any] = {
            "search": search,
            "form_key": new_form_key(),
            "hold_hours": DEFAULT_HOLD_HOURS,
        }
        if is_htmx(request):
            # Enter in the search field swaps the field and the results (the template says why).
            return page("app/_stock_lookup.html", staff, state, **context)
        return page("app/stock.html", staff, state, **context)

    @post("/hold", opt={"content_types": FORM})
    async def hold(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[HoldForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            # The holds service checks the store against the signed-in person's stores,
            # exactly as for an API token: an associate cannot hold at another store.
            held = await holds.create_hold(
                db_session,
                staff.principal,
                HoldIn(
                    location=data.location,
                    lines=[HoldLineIn(sku=data.sku, quantity=data.quantity)],
                    expires_in_seconds=data.hours * 3600,
                    reference=data.reference.strip() or None,
                ),
            )
            template = "app/_hold_done.html" if is_htmx(request) else "app/stock_held.html"
            return Rendered(template, {"held": held, "q": data.q}, status_code=201)

        return await submit_once(request, state, db_session, staff, work)
