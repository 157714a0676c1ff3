"""HTTP routes for stock transfers between locations."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit
from oms.inventory.schemas import TransferIn, TransferList, TransferOut, TransferReceiveIn
from oms.inventory.services import transfers
from oms.inventory.services.transfers import TransferDirection, TransferStatus


class TransferController(Controller):
    path = "/transfers"
    tags = ["transfers"]

    @post(
        "/",
        summary="Send stock from one location to another (all lines or none)",
        description=(
            "Takes unreserved units off the source's shelf at once; they are in transit"
            " until received. If any line is short the whole transfer is refused with 409"
            " `insufficient_stock` listing what could be sent."
        ),
        status_code=201,
    )
    async def create_transfer(
        self, data: JSONBody[TransferIn], creation: Creating
    ) -> Response[TransferOut]:
        return await creation(transfers.create_transfer, data)

    @get(
        "/",
        summary="Transfers, newest first",
        description=(
            "`status=in_transit&location=X` lists what is on its way to or from X;"
            " `direction=in` only what comes to X, `direction=out` only what leaves it"
            " (a direction without a location is 422 `invalid_input`). Scoped tokens see"
            " only transfers touching their locations."
        ),
    )
    async def list_transfers(
        self,
        db_session: DbSession,
        principal: Caller,
        location: FromQuery[str | None] = None,
        status: FromQuery[TransferStatus | None] = None,
        direction: FromQuery[TransferDirection | None] = None,
        limit: PageLimit = 50,
        cursor: PageCursor = None,
    ) -> TransferList:
        return await transfers.list_transfers(
            db_session,
            principal,
            location=location,
            status=status,
            limit=limit,
            cursor=cursor,
            direction=direction,
        )

    @get("/{transfer_id:uuid}", summary="A transfer and its lines")
    async def get_transfer(
        self, transfer_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> TransferOut:
        return await transfers.get_transfer(db_session, principal, transfer_id)

    @post(
        "/{transfer_id:uuid}/receive",
        summary="Receive a transfer at its destination",
        description=(
            "Send no body (or no `lines`) to receive everything; list lines to record a"
            " short delivery (SKUs not listed arrived in full). Units not received are"
            " recorded as lost in transit (`short` per line)."
        ),
        status_code=200,
    )
    async def receive_transfer(
        self,
        transfer_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
        state: State,
        data: JSONBody[TransferReceiveIn | None] = None,
    ) -> TransferOut:
        arrivals: transfers.ArrivalListener = state.transfer_arrivals
        return await transfers.receive_transfer(
            db_session, principal, transfer_id, data or TransferReceiveIn(), arrivals
        )
