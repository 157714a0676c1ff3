"""Stock work at the store the associate stands in: receive a delivery, adjust, count and
write off damage, each by scanning (or typing) a SKU code or barcode.

Every change goes through the service the JSON API's stock documents use
(``inventory.services.movements``), with the same request bodies, so the rules, the refusals
and the ledger rows are the API's own. A form names the store it was shown for; the service
refuses it outside the signed-in person's stores, as it would an API token's request. Each
form runs once per key (``oms.web.once``); the answer keeps the scan field focused for the
next scan and shows the level the change left.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Template

from oms.domain.access import Action, require
from oms.http.deps import DbSession
from oms.inventory.schemas import AdjustmentIn, CountIn, MovementResult, StockDocumentIn
from oms.inventory.services import movements
from oms.web.feedback import is_htmx
from oms.web.forms import FORM, api_input
from oms.web.once import Rendered, new_form_key, submit_once
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff
from oms.web.stock_work_views import (
    ADJUSTMENT_REASONS,
    ScannedSku,
    arriving_transfers,
    scanned_sku,
    whole_number,
)

Text = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=1000)]
PAGE = "app/stock_work_scan.html"
ANSWER = "app/_stock_work_answer.html"

# Each screen: its heading and the action a role needs to see it.
SCREENS: dict[str, tuple[str, Action]] = {
    "receive": ("Receive a delivery", Action.RECEIVE),
    "adjust": ("Adjust stock", Action.ADJUST),
    "count": ("Cycle count", Action.COUNT),
    "damage": ("Write off damage", Action.DAMAGE),
}


class _StockForm(msgspec.Struct, frozen=True):
    """What every stock-work form carries: the store it was shown for, the SKU scanned or
    typed, the session's form token and the form's idempotency key."""

    location: Text = ""
    sku: Text = ""
    csrf: str = msgspec.field(name="_csrf", default="")
    idempotency_key: Text = ""


class ReceiveForm(_StockForm, frozen=True):
    quantity: Text = "1"


class AdjustForm(_StockForm, frozen=True):
    direction: Text = "add"
    quantity: Text = "1"
    reason: Text = ""
    note: LongText = ""


class CountForm(_StockForm, frozen=True):
    counted: Text = ""


class DamageForm(_StockForm, frozen=True):
    quantity: Text = "1"
    note: LongText = ""


def _context(
    staff: Staff,
    screen: str,
    *,
    result: MovementResult | None = None,
    done: dict[str, str] | None = None,
    counting: ScannedSku | None = None,
) -> dict[str, Any]:
    staff.here()  # an associate of several stores picks one first
    return {
        "screen": screen,
        "heading": SCREENS[screen][0],
        "location": staff.view.store_code,
        "form_key": new_form_key(),
        "reasons": ADJUSTMENT_REASONS,
        "result": result,
        "done": done,
        "counting": counting,
    }


def _answer(request: Request[Any, Any, Any], context: dict[str, Any]) -> Rendered:
    """The whole page, or for HTMX the work area and the feedback alone."""
    return Rendered(ANSWER if is_htmx(request) else PAGE, context | {"transfers": None})


async def _show(
    request: Request[Any, Any, Any],
    staff: Staff,
    state: State,
    db_session: DbSession,
    screen: str,
    counting: ScannedSku | None = None,
    cursor: str | None = None,
) -> Template:
    """A screen for a role that has its action (403 with the reason otherwise, as the API
    would refuse the action itself); the receive screen lists transfers arriving here."""
    require(staff.principal, SCREENS[screen][1])
    context = _context(staff, screen, counting=counting)
    if is_htmx(request):
        return page(ANSWER, staff, state, **context, transfers=None)
    arriving = None
    if screen == "receive" and staff.principal.may(Action.TRANSFER_IN):
        location = str(context["location"])
        arriving = await arriving_transfers(db_session, staff.principal, location, cursor)
    return page(
        PAGE,
        staff,
        state,
        **context,
        transfers=arriving.items if arriving is not None else None,
        more_transfers=arriving.next_cursor if arriving is not None else None,
    )


def _level_line(result: MovementResult) -> str:
    level = result.lines[0].level
    return f"On hand now {level.on_hand} · available {level.available}"


class StockWorkController(Controller):
    path = "/app/stock-work"
    include_in_schema = False

    @get("/")
    async def menu(self, staff: SignedIn, state: State) -> Template:
        staff.here()
        return page("app/stock_work.html", staff, state, may=staff.principal.may, Action=Action)

    @get("/receive")
    async def receive_page(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        # The next page of transfers arriving here.
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Template:
        return await _show(request, staff, state, db_session, "receive", cursor=cursor)

    @get("/adjust")
    async def adjust_page(
        self, request: Request[Any, Any, Any], staff: SignedIn, state: State, db_session: DbSession
    ) -> Template:
        return await _show(request, staff, state, db_session, "adjust")

    @get("/count")
    async def count_page(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        sku: FromQuery[Annotated[str, msgspec.Meta(max_length=200)] | None] = None,
    ) -> Template:
        """Scan first; then the SKU found, with the field for the counted quantity (the
        recorded figure is not shown, so the count is what is on the shelf)."""
        counting = await scanned_sku(db_session, sku) if sku is not None else None
        return await _show(request, staff, state, db_session, "count", counting)

    @get("/damage")
    async def damage_page(
        self, request: Request[Any, Any, Any], staff: SignedIn, state: State, db_session: DbSession
    ) -> Template:
        return await _show(request, staff, state, db_session, "damage")

    @post("/receive", opt={"content_types": FORM})
    async def receive(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[ReceiveForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            quantity = whole_number(data.quantity, "quantity", minimum=1)
            sku = await scanned_sku(db_session, data.sku)
            document = api_input(
                StockDocumentIn,
                location=data.location,
                lines=[{"sku": sku.code, "quantity": quantity}],
            )
            result = await movements.receive(db_session, staff.principal, document)
            done = {
                "title": f"Received {quantity} of {sku.code} ({sku.name})",
                "detail": _level_line(result),
            }
            return _answer(request, _context(staff, "receive", result=result, done=done))

        return await submit_once(request, state, db_session, staff, work)

    @post("/adjust", opt={"content_types": FORM})
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[AdjustForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            quantity = whole_number(data.quantity, "quantity", minimum=1)
            delta = -quantity if data.direction == "remove" else quantity
            sku = await scanned_sku(db_session, data.sku)
            document = api_input(
                AdjustmentIn,
                location=data.location,
                reason=data.reason,
                lines=[{"sku": sku.code, "delta": delta}],
                note=data.note.strip() or None,
            )
            result = await movements.adjust(db_session, staff.principal, document)
            done = {
                "title": f"Adjusted {sku.code} by {delta:+d} ({data.reason})",
                "detail": _level_line(result),
            }
            return _answer(request, _context(staff, "adjust", result=result, done=done))

        return await submit_once(request, state, db_session, staff, work)

    @post("/count", opt={"content_types": FORM})
    async def count(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[CountForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            counted = whole_number(data.counted, "counted quantity", minimum=0)
            sku = await scanned_sku(db_session, data.sku)
            document = api_input(
                CountIn, location=data.location, lines=[{"sku": sku.code, "counted": counted}]
            )
            result = await movements.count(db_session, staff.principal, document)
            difference = result.lines[0].delta_on_hand
            was = counted - difference
            title = f"Counted {counted} of {sku.code}: "
            title += "matches the record" if difference == 0 else f"difference {difference:+d}"
            done = {"title": title, "detail": f"Recorded before: {was}. " + _level_line(result)}
            return _answer(request, _context(staff, "count", result=result, done=done))

        return await submit_once(request, state, db_session, staff, work)

    @post("/damage", opt={"content_types": FORM})
    async def damage(
        self,
        request: Request[Any, Any, Any],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[DamageForm],
    ) -> Response[Any]:
        async def work() -> Rendered:
            quantity = whole_number(data.quantity, "quantity", minimum=1)
            sku = await scanned_sku(db_session, data.sku)
            document = api_input(
                StockDocumentIn,
                location=data.location,
                lines=[{"sku": sku.code, "quantity": quantity}],
                note=data.note.strip() or None,
            )
            result = await movements.damage(db_session, staff.principal, document)
            done = {
                "title": f"Wrote off {quantity} of {sku.code} as damaged",
                "detail": _level_line(result),
            }
            return _answer(request, _context(staff, "damage", result=result, done=done))

        return await submit_once(request, state, db_session, staff, work)
