"""Taking an order on the shop floor ("endless aisle"): the order page, its basket (scan,
+/-, remove, typed prices) and finding the customer. Placing it is ``ordering_place``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.schemas import LocationOut
from oms.channels.services.staff_channels import StaffChannel, staff_order_channels
from oms.customers.services.profiles import search_customers
from oms.domain.errors import DomainError, InvalidInput, NotFound
from oms.http.deps import DbSession
from oms.web.feedback import is_htmx
from oms.web.forms import FORM
from oms.web.once import new_form_key
from oms.web.order_basket_views import basket_view
from oms.web.order_views import (
    Basket,
    add_units,
    change_line,
    customer_languages,
    minor_units,
    pickup_stores,
    read_basket,
    resolve_scan,
)
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff

Short = Annotated[str, msgspec.Meta(max_length=320)]
DELIVERIES = ("here", "pickup", "ship")


class OrderForm(msgspec.Struct, frozen=True):
    """Every field of the order page; the basket's own buttons send a few of them."""

    basket: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    channel: Short = ""
    delivery: Short = "here"
    pickup_store: Short = ""
    customer_name: Short = ""
    customer_email: Short = ""
    customer_phone: Short = ""
    customer_language: Short = ""  # a code of oms.i18n.SUPPORTED; empty: not set
    line1: Short = ""
    line2: Short = ""
    city: Short = ""
    region: Short = ""
    postcode: Short = ""
    country: Short = "GB"
    manager_username: Short = ""
    manager_password: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    # The basket's buttons: what to do (add, more, less, remove, price, list_price) to what.
    op: Short = ""
    sku: Short = ""
    scan: Short = ""
    price: Short = ""
    reason: Short = ""
    idempotency_key: Short = ""
    csrf: str = msgspec.field(name="_csrf", default="")


def chosen_channel(channels: list[StaffChannel], code: str) -> StaffChannel | None:
    """The channel the form names if the user may order on it, else the best one."""
    return next((c for c in channels if c.code == code), channels[0] if channels else None)


async def order_context(
    session: AsyncSession, staff: Staff, form: OrderForm, basket: Basket
) -> dict[str, Any]:
    """What the order page (or its basket alone) shows."""
    here_id = staff.here()
    channels = await staff_order_channels(session, staff.principal, here_id)
    channel = chosen_channel(channels, form.channel)
    view = await basket_view(
        session,
        staff.principal,
        (channel.code, channel.currency) if channel else None,
        basket,
        here_id,
    )
    return {
        "channels": channels,
        "channel": channel,
        "basket": view,
        "form": form,
        "delivery": form.delivery if form.delivery in DELIVERIES else "here",
        "languages": customer_languages(),
        "form_key": new_form_key(),
    }


async def _apply(
    session: AsyncSession, form: OrderForm, basket: Basket, currency: str | None
) -> tuple[Basket, list[tuple[str, str]]]:
    """The basket after the button pressed; choices when a typed name matches several."""
    if form.op == "add":
        scanned = await resolve_scan(session, form.scan)
        if scanned.sku is None:
            return basket, scanned.choices
        return add_units(basket, scanned.sku), []
    if form.op == "more":
        return add_units(basket, form.sku), []
    if form.op == "less":
        line = next((line for line in basket if line.sku == form.sku), None)
        quantity = line.quantity - 1 if line else 0
        return change_line(basket, form.sku, quantity=max(1, quantity)), []
    if form.op == "remove":
        return change_line(basket, form.sku, quantity=0), []
    if form.op == "price" and currency is not None:
        if not form.reason.strip():
            raise InvalidInput("say why the price differs from the list price")
        amount = minor_units(form.price, currency)
        return change_line(basket, form.sku, price=amount, reason=form.reason.strip()), []
    if form.op == "list_price":
        return change_line(basket, form.sku, price=None, reason=""), []
    return basket, []


class OrderingController(Controller):
    path = "/app/orders"
    include_in_schema = False

    @get("/new")
    async def new_order(
        self,
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        sku: Short = "",
        delivery: Short = "here",
        store: Short = "",
        channel: Short = "",
    ) -> Template:
        staff.here()  # an associate of several stores picks one first
        basket: Basket = []
        if sku:
            scanned = await resolve_scan(db_session, sku)
            if scanned.sku is not None:
                basket = add_units(basket, scanned.sku)
        form = OrderForm(channel=channel, delivery=delivery, pickup_store=store)
        context = await order_context(db_session, staff, form, basket)
        context["stores"] = await _stores(db_session, context["channel"], store)
        return page("app/order_new.html", staff, state, choices=[], **context)

    @post("/basket", opt={"content_types": FORM})
    async def change_basket(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[OrderForm],
    ) -> Template:
        # Nothing is written: the basket travels in the form (see ``order_views``).
        here_id = staff.here()
        channels = await staff_order_channels(db_session, staff.principal, here_id)
        channel = chosen_channel(channels, data.channel)
        basket = read_basket(data.basket)
        refused: DomainError | None = None
        try:
            basket, choices = await _apply(
                db_session, data, basket, channel.currency if channel else None
            )
        except NotFound as exc:
            # A scan nothing matches: said in the basket, which swaps in an empty field.
            if not (is_htmx(request) and data.op == "add"):
                raise
            refused, choices = exc, []
        context = await order_context(db_session, staff, data, basket)
        if is_htmx(request):
            return page(
                "app/_order_basket.html",
                staff,
                state,
                status_code=404 if refused else 200,
                choices=choices,
                oob=True,
                refused=refused,
                **context,
            )
        context["stores"] = await _stores(db_session, context["channel"], data.pickup_store)
        return page("app/order_new.html", staff, state, choices=choices, **context)

    @get("/customers")
    async def find_customer(
        self, staff: SignedIn, state: State, db_session: DbSession, q: Short = ""
    ) -> Template:
        """Exact email or phone finds anyone (and opens them to this sign-in for a while, as
        the API's search does); a name only this store's own customers."""
        staff.here()
        found = (
            await search_customers(
                db_session,
                staff.principal,
                q=q.strip(),
                limit=5,
                cursor=None,
                grant_minutes=state.settings.customer_access_minutes,
            )
            if q.strip()
            else None
        )
        return page("app/_order_customers.html", staff, state, found=found, q=q)

    @get("/customer-fields")
    async def customer_fields(
        self,
        staff: SignedIn,
        state: State,
        name: Short = "",
        email: Short = "",
        phone: Short = "",
    ) -> Template:
        """The customer fields filled with the customer picked from the matches."""
        form = OrderForm(customer_name=name, customer_email=email, customer_phone=phone)
        return page("app/_order_customer_fields.html", staff, state, form=form)


async def _stores(
    session: AsyncSession, channel: StaffChannel | None, wanted: str
) -> list[LocationOut]:
    return await pickup_stores(session, list(channel.locations) if channel else [], wanted or None)
