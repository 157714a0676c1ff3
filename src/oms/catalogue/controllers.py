"""HTTP routes for locations and SKUs. Reading is open to every role; changing is admin only."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from oms.catalogue.schemas import (
    Capability,
    LocationIn,
    LocationKind,
    LocationList,
    LocationOut,
    LocationPatch,
    SkuIn,
    SkuOut,
    SkuPage,
    SkuPatch,
)
from oms.catalogue.services import locations, skus
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit

_IN_USE = (
    "Refused with 409 `invalid_state` once stock, movements, holds or transfers refer to it;"
    ' deactivate it with PATCH `{"active": false}` instead.'
)


class LocationController(Controller):
    path = "/locations"
    tags = ["catalogue"]

    @post("/", summary="Create a store or warehouse", status_code=201)
    async def create_location(
        self, data: JSONBody[LocationIn], db_session: DbSession, principal: Caller
    ) -> LocationOut:
        return await locations.create_location(db_session, principal, data)

    @get("/", summary="List locations, ordered by code")
    async def list_locations(
        self,
        db_session: DbSession,
        kind: FromQuery[LocationKind | None] = None,
        active: FromQuery[bool | None] = None,
        capability: FromQuery[Capability | None] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> LocationList:
        return await locations.list_locations(
            db_session,
            kind=kind,
            active=active,
            capability=capability,
            limit=limit,
            cursor=cursor,
        )

    @get("/{code:str}", summary="One location, active or not")
    async def get_location(self, code: FromPath[str], db_session: DbSession) -> LocationOut:
        return await locations.get_location(db_session, code)

    @patch(
        "/{code:str}",
        summary="Change some fields of a location",
        description="Only the fields present change; `null` is refused.",
    )
    async def update_location(
        self,
        code: FromPath[str],
        data: JSONBody[LocationPatch],
        db_session: DbSession,
        principal: Caller,
    ) -> LocationOut:
        return await locations.update_location(db_session, principal, code, data)

    @delete("/{code:str}", summary="Delete a location created by mistake", description=_IN_USE)
    async def delete_location(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> None:
        await locations.delete_location(db_session, principal, code)


class SkuController(Controller):
    path = "/skus"
    tags = ["catalogue"]

    @post("/", summary="Create a SKU with its barcodes", status_code=201)
    async def create_sku(
        self, data: JSONBody[SkuIn], db_session: DbSession, principal: Caller
    ) -> SkuOut:
        return await skus.create_sku(db_session, principal, data)

    @get(
        "/",
        summary="Search SKUs by code, barcode or name, a page at a time",
        description=(
            "`q` matches an exact code or barcode, a code prefix or a name substring"
            " (case-insensitive). Results are ordered by code; pass `next_cursor` back as"
            " `cursor` for the next page."
        ),
    )
    async def search_skus(
        self,
        db_session: DbSession,
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=300)] = None,
        active: FromQuery[bool | None] = None,
        limit: PageLimit = 50,
        cursor: PageCursor = None,
    ) -> SkuPage:
        return await skus.search_skus(db_session, q=q, active=active, limit=limit, cursor=cursor)

    @get("/{code:str}", summary="One SKU with its barcodes")
    async def get_sku(self, code: FromPath[str], db_session: DbSession) -> SkuOut:
        return await skus.get_sku(db_session, code)

    @patch(
        "/{code:str}",
        summary="Change some fields of a SKU",
        description="Only the fields present change; `barcodes`, when given, replaces the set.",
    )
    async def update_sku(
        self,
        code: FromPath[str],
        data: JSONBody[SkuPatch],
        db_session: DbSession,
        principal: Caller,
    ) -> SkuOut:
        return await skus.update_sku(db_session, principal, code, data)

    @delete("/{code:str}", summary="Delete a SKU created by mistake", description=_IN_USE)
    async def delete_sku(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> None:
        await skus.delete_sku(db_session, principal, code)
