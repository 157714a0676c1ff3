"""HTTP routes for holds (reservations)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.inventory.schemas import HoldIn, HoldOut
from oms.inventory.services import holds


class HoldController(Controller):
    path = "/holds"
    tags = ["holds"]

    @post(
        "/",
        summary="Reserve stock at a location (all lines or none)",
        description=(
            "Each line is reserved with one conditional update; if any line is short the"
            " whole hold is refused with 409 `insufficient_stock` listing what is available."
        ),
        status_code=201,
    )
    async def create_hold(self, data: JSONBody[HoldIn], creation: Creating) -> Response[HoldOut]:
        return await creation(holds.create_hold, data)

    @get("/{hold_id:uuid}", summary="A hold and its lines")
    async def get_hold(
        self, hold_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> HoldOut:
        return await holds.get_hold(db_session, principal, hold_id)

    @post(
        "/{hold_id:uuid}/release",
        summary="Release a hold: its units become available again",
        status_code=200,
    )
    async def release_hold(
        self, hold_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> HoldOut:
        return await holds.release_hold(db_session, principal, hold_id)
