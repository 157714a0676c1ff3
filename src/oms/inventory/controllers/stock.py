"""HTTP routes for stock documents, levels and the ledger."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from oms.domain.stock import MovementKind
from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit
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

_ALL_OR_NOTHING = (
    " Lines are applied in SKU order; if any line fails the whole document is refused"
    " and nothing changes. A repeated `Idempotency-Key` returns the first result."
)


def _stock_document(path: str, summary: str, description: str) -> post:
    """A stock document's route: created (201) all lines or none, idempotent by key."""
    return post(path, summary=summary, description=description + _ALL_OR_NOTHING, status_code=201)


class InventoryController(Controller):
    path = "/inventory"
    tags = ["inventory"]

    @_stock_document(
        "/receipts",
        "Receive stock at a location",
        "Adds units to on_hand (ledger `receipt`).",
    )
    async def receive(
        self, data: JSONBody[StockDocumentIn], creation: Creating
    ) -> Response[MovementResult]:
        return await creation(movements.receive, data)

    @_stock_document(
        "/sales",
        "Record a walk-in sale",
        (
            "Takes units off on_hand (ledger `sale`) at a location that sells walk-in. The"
            " goods have left already, so on_hand may go below zero; the level is then"
            " flagged `needs_count`."
        ),
    )
    async def sell(
        self, data: JSONBody[StockDocumentIn], creation: Creating
    ) -> Response[MovementResult]:
        return await creation(movements.sell, data)

    @_stock_document(
        "/damages",
        "Write off damaged stock",
        (
            "Takes unreserved units off on_hand (ledger `damage`, reason `damaged` unless"
            " given). Units held for customers cannot be written off: 409"
            " `insufficient_stock` lists what is available."
        ),
    )
    async def damage(
        self, data: JSONBody[StockDocumentIn], creation: Creating
    ) -> Response[MovementResult]:
        return await creation(movements.damage, data)

    @_stock_document(
        "/adjustments",
        "Adjust stock up or down with a reason code",
        (
            "Positive deltas add units, negative ones take unreserved units (ledger"
            " `adjustment`). Each SKU at most once, no zero deltas."
        ),
    )
    async def adjust(
        self, data: JSONBody[AdjustmentIn], creation: Creating
    ) -> Response[MovementResult]:
        return await creation(movements.adjust, data)

    @_stock_document(
        "/counts",
        "Record a cycle count",
        (
            "Sets on_hand to the counted figure and records the difference (ledger"
            " `count`; a count that matches writes no movement). Clears `needs_count`."
        ),
    )
    async def count(self, data: JSONBody[CountIn], creation: Creating) -> Response[MovementResult]:
        return await creation(movements.count, data)

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
        description="Store tokens see their own locations only.",
    )
    async def list_levels(
        self,
        db_session: DbSession,
        principal: Caller,
        location: FromQuery[str | None] = None,
        sku: FromQuery[str | None] = None,
        needs_count: FromQuery[bool | None] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
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
            " location answers 404. `after_id` (with `next_after_id`) is deprecated: it is"
            " the same key as `cursor`, which it may not accompany."
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
        limit: PageLimit = 100,
        cursor: PageCursor = None,
        after_id: Annotated[
            int | None,
            QueryParameter(
                ge=0, description="Deprecated: use `cursor`", schema_extra={"deprecated": True}
            ),
        ] = None,
    ) -> MovementPage:
        return await levels.list_movements(
            db_session,
            principal,
            location=location,
            sku=sku,
            kind=kind,
            ref_type=ref_type,
            ref_id=ref_id,
            cursor=cursor,
            after_id=after_id,
            limit=limit,
        )
