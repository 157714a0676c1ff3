"""HTTP routes for holds (reservations)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from oms.http.deps import Caller, DbSession
from oms.http.idempotent import IdempotencyKeyHeader, idempotent
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
    async def create_hold(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[HoldIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[HoldOut]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            201,
            lambda: holds.create_hold(db_session, principal, data),
        )

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
