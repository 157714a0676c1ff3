"""Placing the order taken on the shop floor: priced from the channel's price list (typed
prices approved by a manager), placed through the same service as the API's ``POST /orders``,
price overrides recorded, then the routing in plain words and the customer's tracking link
with its QR code. The form runs once per key (``submit_once``), and its key is also the
order's external id on the channel, so even a resend after a lost answer places one order.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from sqlalchemy.ext.asyncio import AsyncSession

from oms.auth.services.approvals import manager_approval
from oms.catalogue.services.locations import get_location
from oms.channels.services.staff_channels import staff_order_channels
from oms.domain.access import Principal, may_override_price_at
from oms.domain.errors import Forbidden, InvalidInput
from oms.http.deps import DbSession
from oms.notifications.services.messages import queue_notification
from oms.orders.schemas import OrderIn
from oms.orders.services import placement
from oms.orders.services.staff_prices import PricedOrder, record_price_overrides
from oms.tracking.services import ratelimit
from oms.web.controllers.ordering import OrderForm, chosen_channel
from oms.web.feedback import is_htmx
from oms.web.forms import FORM
from oms.web.once import Rendered, submit_once
from oms.web.order_basket_views import price_basket
from oms.web.order_views import (
    Basket,
    customer_language,
    customer_languages,
    money,
    qr_svg,
    read_basket,
    routing_in_words,
    tracking_link,
)
from oms.web.sign_in import account_limit
from oms.web.staff import SignedIn, Staff


def _delivery(form: OrderForm, here_code: str) -> dict[str, Any]:
    if form.delivery == "here":
        return {"method": "pickup", "location": here_code}
    if form.delivery == "pickup":
        if not form.pickup_store:
            raise InvalidInput("choose the store where the customer collects")
        return {"method": "pickup", "location": form.pickup_store}
    if form.delivery == "ship":
        address = {
            "line1": form.line1.strip(),
            "line2": form.line2.strip() or None,
            "city": form.city.strip(),
            "region": form.region.strip() or None,
            "postcode": form.postcode.strip(),
            "country": form.country.strip().upper(),
        }
        return {"method": "ship", "address": address}
    raise InvalidInput("choose how the customer gets the order")


def order_request(
    form: OrderForm,
    basket: Basket,
    priced: PricedOrder,
    channel: str,
    here_code: str,
    *,
    language: str | None,
) -> OrderIn:
    """The same body the API's ``POST /orders`` takes, checked by the same schema."""
    del basket
    customer = {
        "name": form.customer_name.strip(),
        "email": form.customer_email.strip() or None,
        "phone": form.customer_phone.strip() or None,
    }
    body = {
        "channel": channel,
        "external_id": f"app-{form.idempotency_key}",
        "customer": customer,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "currency": priced.currency,
            }
            for line in priced.lines
        ],
        "deliveries": [_delivery(form, here_code)],
        "language": language,
    }
    try:
        return msgspec.convert(body, OrderIn)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"the order is not complete: {exc}") from exc


async def _approver(
    state: State,
    session: AsyncSession,
    staff: Staff,
    form: OrderForm,
    basket: Basket,
    here_id: int,
) -> Principal | None:
    """The manager approving typed prices, when the signed-in person may not set them.

    A wrong password counts against the manager's account like a failed sign-in (and a
    right one is handed back), so the tablet is no way round the sign-in limits."""
    if all(line.price is None for line in basket):
        return None
    username = form.manager_username.strip()
    if may_override_price_at(staff.principal, here_id) or not username:
        return None  # the pricing service decides (and refuses without an approval)
    counted = await ratelimit.hit(state.sessionmaker, [account_limit(state.settings, username)])
    approver = await manager_approval(session, username, form.manager_password, here_id)
    if approver is None:
        raise Forbidden(
            "the manager's user name or password is wrong, or they may not approve prices here"
        )
    await ratelimit.refund(session, counted)
    return approver


class OrderPlacingController(Controller):
    path = "/app/orders"
    include_in_schema = False

    @post("/", opt={"content_types": FORM})
    async def place_order(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[OrderForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            if not data.idempotency_key:
                raise InvalidInput("the form is missing its key: reload the page")
            # Checked first: a refusal after a manager's approval would count their right
            # password as a failed one (the refund is rolled back with the request).
            language = customer_language(data.customer_language)
            here_id = staff.here()
            here_code = staff.view.store_code or ""
            basket = read_basket(data.basket)
            if not basket:
                raise InvalidInput("the basket is empty: scan or search an item first")
            channels = await staff_order_channels(db_session, staff.principal, here_id)
            channel = chosen_channel(channels, data.channel)
            if data.channel and (channel is None or channel.code != data.channel):
                # Never another channel than the one asked for: the form may be stale or forged.
                raise Forbidden(
                    f"channel {data.channel!r} does not take orders from staff at this store",
                    channel=data.channel,
                )
            if channel is None:
                raise Forbidden("no channel takes orders from store staff at this store")
            approver = await _approver(state, db_session, staff, data, basket, here_id)
            priced = await price_basket(
                db_session, staff.principal, channel.code, basket, here_id, approver=approver
            )
            placed = await placement.place(
                db_session,
                staff.principal,
                order_request(data, basket, priced, channel.code, here_code, language=language),
            )
            order = placed.order
            if placed.created:
                await record_price_overrides(db_session, order.id, priced, staff.principal.actor)
                # The customer leaves the store with a confirmation (if the channel sends it).
                await queue_notification(
                    db_session,
                    order_id=order.id,
                    kind="order_placed",
                    data={"order_number": order.number, "customer_name": order.customer.name},
                    public_url=state.settings.public_url,
                )
            names = {}
            for code in {f.location for f in order.fulfilments} | {
                f.destination for f in order.fulfilments if f.destination
            }:
                names[code] = (await get_location(db_session, code)).name
            base = state.settings.public_url or str(request.base_url)
            link = tracking_link(base, order.tracking_token)
            context = {
                "order": order,
                "total": money(order.total, order.currency),
                "routing": routing_in_words(order, names),
                "tracking_url": link,
                "qr": qr_svg(link),
                "approved_by": priced.approved_by,
                "language": customer_languages().get(order.language or "", order.language),
            }
            if is_htmx(request):
                # An earlier refusal (a missing approval, say) leaves the feedback area.
                context["clear_feedback"] = True
                return Rendered("app/_order_placed.html", context, status_code=201)
            return Rendered("app/order_placed.html", context, status_code=201)

        return await submit_once(request, state, db_session, staff, work)
