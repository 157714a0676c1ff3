"""Transfers arriving at the store: open one, and receive it as sent or as counted per line.

Through the transfers service the JSON API uses (``inventory.services.transfers``), with
its request body and the application's arrival listener, so a pickup waiting for the
stock is served exactly as when the API receives it. A transfer the signed-in person may
not see is missing to them, as in the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template

from oms.domain.access import Action
from oms.http.deps import DbSession
from oms.inventory.schemas import TransferOut, TransferReceiveIn
from oms.inventory.services import transfers
from oms.web.forms import FORM, api_input
from oms.web.once import Rendered, new_form_key, submit_once
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff
from oms.web.stock_work_views import levels_at, whole_number

PAGE = "app/stock_work_transfer.html"


def _context(staff: Staff, transfer: TransferOut, **extra: Any) -> dict[str, Any]:
    here = staff.view.store_code
    return {
        "transfer": transfer,
        # The form is offered where it can succeed: in transit, to this store, to a role
        # that receives transfers. The service decides either way.
        "receivable": transfer.status == "in_transit"
        and transfer.to_location == here
        and staff.principal.may(Action.TRANSFER_IN),
        "form_key": new_form_key(),
        "levels": [],
        "done": None,
    } | extra


def _received_lines(form: Any) -> list[dict[str, Any]]:
    """Each SKU's counted quantity, from the form's paired ``sku`` and ``received`` fields."""
    skus = form.getall("sku") if "sku" in form else []
    counts = form.getall("received") if "received" in form else []
    return [
        {"sku": sku, "received": whole_number(count, f"received of {sku}", minimum=0)}
        for sku, count in zip(skus, counts, strict=False)
    ]


class TransfersInController(Controller):
    path = "/app/stock-work/transfers"
    include_in_schema = False

    @get("/{transfer_id:uuid}")
    async def transfer_page(
        self,
        transfer_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
    ) -> Template:
        staff.here()
        transfer = await transfers.get_transfer(db_session, staff.principal, transfer_id)
        return page(PAGE, staff, state, **_context(staff, transfer))

    @post("/{transfer_id:uuid}/receive", opt={"content_types": FORM})
    async def receive(
        self,
        request: Request[Any, Any, Any],
        transfer_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
    ) -> Response[Any]:
        staff.here()
        form = await request.form()

        async def work() -> Rendered:
            counted = form.get("mode") == "counted"
            note = str(form.get("note") or "").strip() or None
            data = api_input(
                TransferReceiveIn,
                lines=_received_lines(form) if counted else None,
                note=note,
            )
            arrivals: transfers.ArrivalListener = state.transfer_arrivals
            transfer = await transfers.receive_transfer(
                db_session, staff.principal, transfer_id, data, arrivals
            )
            short = sum(line.short or 0 for line in transfer.lines)
            received = sum(line.received_quantity or 0 for line in transfer.lines)
            done = {
                "title": f"Received {received} units from {transfer.from_location}",
                "detail": f"{short} short (lost in transit)." if short else "Nothing short.",
            }
            here = levels_at(
                db_session,
                staff.principal,
                transfer.to_location,
                (line.sku for line in transfer.lines),
            )
            return Rendered(PAGE, _context(staff, transfer, levels=await here, done=done))

        return await submit_once(request, state, db_session, staff, work)
