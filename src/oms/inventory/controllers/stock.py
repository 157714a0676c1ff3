"""HTTP routes for stock documents, levels and the ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from oms.domain.stock import MovementKind
from oms.http.deps import Caller, DbSession
from oms.http.idempotent import IdempotencyKeyHeader, idempotent
from oms.http.params import PageLimit
from oms.inventory.schemas import (
    AdjustmentIn,
    CountIn,
    LevelOut,
    LevelPage,
    MovementPage,
    MovementResult,
    SafetyStockIn,
    StockDocumentIn,
)
from oms.inventory.services import levels, movements

D = TypeVar("D")

_ALL_OR_NOTHING = (
    " Lines are applied in SKU order; if any line fails the whole document is refused"
    " and nothing changes. A repeated `Idempotency-Key` returns the first result."
)


async def _document(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    principal: Caller,
    key: str | None,
    apply: Callable[[Any, Any, D], Awaitable[MovementResult]],
    data: D,
) -> Response[MovementResult]:
    return await idempotent(
        request, db_session, principal, key, 201, lambda: apply(db_session, principal, data)
    )


class InventoryController(Controller):
    path = "/inventory"
    tags = ["inventory"]

    @post(
        "/receipts",
        summary="Receive stock at a location",
        description="Adds units to on_hand (ledger `receipt`)." + _ALL_OR_NOTHING,
        status_code=201,
    )
    async def receive(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StockDocumentIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[MovementResult]:
        return await _document(
            request, db_session, principal, idempotency_key, movements.receive, data
        )

    @post(
        "/sales",
        summary="Record a walk-in sale",
        description=(
            "Takes units off on_hand (ledger `sale`) at a location that sells walk-in. The"
            " goods have left already, so on_hand may go below zero; the level is then"
            " flagged `needs_count`." + _ALL_OR_NOTHING
        ),
        status_code=201,
    )
    async def sell(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StockDocumentIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[MovementResult]:
        return await _document(
            request, db_session, principal, idempotency_key, movements.sell, data
        )

    @post(
        "/damages",
        summary="Write off damaged stock",
        description=(
            "Takes unreserved units off on_hand (ledger `damage`, reason `damaged` unless"
            " given). Units held for customers cannot be written off: 409"
            " `insufficient_stock` lists what is available." + _ALL_OR_NOTHING
        ),
        status_code=201,
    )
    async def damage(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StockDocumentIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[MovementResult]:
        return await _document(
            request, db_session, principal, idempotency_key, movements.damage, data
        )

    @post(
        "/adjustments",
        summary="Adjust stock up or down with a reason code",
        description=(
            "Positive deltas add units, negative ones take unreserved units (ledger"
            " `adjustment`). Each SKU at most once, no zero deltas." + _ALL_OR_NOTHING
        ),
        status_code=201,
    )
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AdjustmentIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[MovementResult]:
        return await _document(
            request, db_session, principal, idempotency_key, movements.adjust, data
        )

    @post(
        "/counts",
        summary="Record a cycle count",
        description=(
            "Sets on_hand to the counted figure and records the difference (ledger"
            " `count`; a count that matches writes no movement). Clears `needs_count`."
            + _ALL_OR_NOTHING
        ),
        status_code=201,
    )
    async def count(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CountIn],
        db_session: DbSession,
        principal: Caller,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[MovementResult]:
        return await _document(
            request, db_session, principal, idempotency_key, movements.count, data
        )

    @put(
        "/levels/{location:str}/{sku:str}/safety-stock",
        summary="Set the safety stock of a SKU at a location",
        description="Units kept back from every channel. Creates the level if it is new.",
    )
    async def set_safety_stock(
        self,
        location: FromPath[str],
        sku: FromPath[str],
        data: JSONBody[SafetyStockIn],
        db_session: DbSession,
        principal: Caller,
    ) -> LevelOut:
        return await levels.set_safety_stock(db_session, principal, location, sku, data)

    @get(
        "/levels",
        summary="List stock levels",
        description=(
            "Store tokens see their own locations only. Pass `next_cursor` back as `cursor`"
            " for the next page."
        ),
    )
    async def list_levels(
        self,
        db_session: DbSession,
        principal: Caller,
        location: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        needs_count: FromQuery[bool | None] = None,
        limit: PageLimit = 100,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> LevelPage:
        return await levels.list_levels(
            db_session,
            principal,
            location=location,
            sku=sku,
            needs_count=needs_count,
            limit=limit,
            cursor=cursor,
        )

    @get(
        "/movements",
        summary="Read the stock ledger",
        description=(
            "Movements oldest first. Store tokens see their own locations only; another"
            " location answers 404. Pass `next_after_id` back as `after_id` for the next page."
        ),
    )
    async def list_movements(
        self,
        db_session: DbSession,
        principal: Caller,
        location: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        kind: FromQuery[MovementKind | None] = None,
        ref_type: FromQuery[str | None] = None,
        ref_id: FromQuery[str | None] = None,
        after_id: Annotated[int | None, QueryParameter(ge=0)] = None,
        limit: PageLimit = 100,
    ) -> MovementPage:
        return await levels.list_movements(
            db_session,
            principal,
            location=location,
            sku=sku,
            kind=kind,
            ref_type=ref_type,
            ref_id=ref_id,
            after_id=after_id,
            limit=limit,
        )
