"""The steps that change a fulfilment from the app: start picking, count a scan, finish
the pick (the API's ``pack``), ship, ready for pickup and short pick.

Each calls the service its ``/fulfilments/{id}/...`` route calls, with the session's
principal, inside ``submit_once``: a double tap does the step once and shows the first
answer again. A refusal raised by a service rolls the request back and is shown by
``oms.web.feedback`` with the API's problem code.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.errors import InvalidInput
from oms.domain.picking import missing_picks
from oms.fulfilment.schemas import PickIn, PickLine, ShipIn, ShortPickIn
from oms.fulfilment.services import picking, pickup, queue, shipping, short_pick, transitions
from oms.http.deps import DbSession
from oms.web import work_views as views
from oms.web.controllers.work import detail_context, late_after_seconds, stay_on
from oms.web.forms import FORM, api_input
from oms.web.once import Rendered, submit_once
from oms.web.staff import SignedIn, Staff

Key = Annotated[str, msgspec.Meta(max_length=255)]
Text = Annotated[str, msgspec.Meta(max_length=500)]
T = TypeVar("T")


class StepForm(msgspec.Struct, frozen=True):
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class ScanForm(msgspec.Struct, frozen=True):
    code: Annotated[str, msgspec.Meta(max_length=100)] = ""
    quantity: Annotated[str, msgspec.Meta(max_length=10)] = ""
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class ShipForm(msgspec.Struct, frozen=True):
    carrier: Text = ""
    tracking_number: Text = ""
    carrier_tracking_url: Text = ""
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class ShortForm(msgspec.Struct, frozen=True):
    line_no: Annotated[str, msgspec.Meta(max_length=10)] = ""
    quantity: Annotated[str, msgspec.Meta(max_length=10)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=64)] = ""
    note: Text = ""
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


async def _step(
    request: Request[Any, Any, Any],
    state: State,
    db_session: AsyncSession,
    staff: Staff,
    fulfilment_id: uuid.UUID,
    change: Callable[[], Awaitable[object]],
    done: str | None,
) -> Response[Any]:
    """Run ``change`` once per form, then show the fulfilment with ``done`` (a scan's change
    returns the line it counted, shown as the last scan)."""
    staff.here()

    async def work() -> Rendered:
        changed = await change()
        context = await detail_context(
            db_session,
            staff,
            fulfilment_id,
            late_after_seconds=late_after_seconds(state),
            done=done,
            last_scan=changed if isinstance(changed, PickLine) else None,
        )
        return Rendered("app/work_detail.html", context, headers=stay_on(fulfilment_id))

    return await submit_once(request, state, db_session, staff, work)


class WorkStepController(Controller):
    path = "/app/work/{fulfilment_id:uuid}"
    include_in_schema = False

    @post("/start-picking", opt={"content_types": FORM})
    async def start_picking(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[StepForm],
    ) -> Response[Any]:
        async def change() -> object:
            return await transitions.start_picking(db_session, staff.principal, fulfilment_id)

        return await _step(
            request, state, db_session, staff, fulfilment_id, change, "Picking started."
        )

    @post("/scan", opt={"content_types": FORM})
    async def scan(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[ScanForm],
    ) -> Response[Any]:
        """Count scanned units through the API's picking service: kept on the server, once
        per form (a double Enter counts once). A wrong item or extra units are refused in
        ``#feedback`` and count nothing."""

        async def change() -> PickLine:
            units = views.scan_units(data.quantity)
            body = api_input(PickIn, code=data.code.strip(), quantity=units)
            _, counted = await picking.count_scan(db_session, staff.principal, fulfilment_id, body)
            return counted

        return await _step(request, state, db_session, staff, fulfilment_id, change, None)

    @post("/finish-picking", opt={"content_types": FORM})
    async def finish_picking(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[StepForm],
    ) -> Response[Any]:
        """Every line scanned complete (the counts the picking service kept): the
        fulfilment is packed (the API's ``pack``)."""

        async def change() -> object:
            lines = (await queue.pick_list(db_session, staff.principal, fulfilment_id)).lines
            missing = missing_picks(lines)
            if missing is not None:
                raise InvalidInput(missing)
            return await transitions.pack(db_session, staff.principal, fulfilment_id)

        return await _step(
            request, state, db_session, staff, fulfilment_id, change, "Picked and packed."
        )

    @post("/ship", opt={"content_types": FORM})
    async def ship(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[ShipForm],
    ) -> Response[Any]:
        async def change() -> object:
            raw = {
                "carrier": data.carrier.strip() or None,
                "tracking_number": data.tracking_number.strip() or None,
                "carrier_tracking_url": data.carrier_tracking_url.strip() or None,
            }
            body = api_input(ShipIn, **raw)
            return await shipping.ship(
                db_session,
                staff.principal,
                fulfilment_id,
                body,
                public_url=state.settings.public_url,
            )

        return await _step(request, state, db_session, staff, fulfilment_id, change, "Shipped.")

    @post("/ready-for-pickup", opt={"content_types": FORM})
    async def ready_for_pickup(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[StepForm],
    ) -> Response[Any]:
        async def change() -> object:
            return await pickup.ready_for_pickup(
                db_session,
                staff.principal,
                fulfilment_id,
                public_url=state.settings.public_url,
            )

        done = "On the pickup shelf. The customer has been sent the pickup code."
        return await _step(request, state, db_session, staff, fulfilment_id, change, done)

    @post("/short-pick", opt={"content_types": FORM})
    async def short_pick(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[ShortForm],
    ) -> Response[Any]:
        async def change() -> object:
            line = {
                "line_no": data.line_no.strip(),
                "quantity_short": data.quantity.strip(),
                "reason": data.reason,
            }
            raw = {"lines": [line], "note": data.note.strip() or None}
            body = api_input(ShortPickIn, **raw)
            return await short_pick.short_pick(db_session, staff.principal, fulfilment_id, body)

        done = "Short pick recorded; the missing units are being sourced elsewhere."
        return await _step(request, state, db_session, staff, fulfilment_id, change, done)
