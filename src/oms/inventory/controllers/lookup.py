"""HTTP route for the network stock look-up an associate uses on the shop floor."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from oms.http.deps import Caller, DbSession
from oms.inventory.lookup_schemas import StockLookup
from oms.inventory.services.lookup import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, lookup_stock


class StockLookupController(Controller):
    path = "/stock"
    tags = ["stock"]

    @get(
        "/{ref:str}",
        summary="Stock of one SKU across the network, and nearby",
        description=(
            "`ref` is a SKU code or a barcode (GTIN). Lists every active location's level,"
            " network totals, and locations with units available within `radius_km` of"
            " `near` (a location code) or `lat`/`lon`, nearest first. With `location` (where"
            " the caller stands) that location is shown as `here`, left out of `nearby`,"
            " and is the origin unless another is given. Open to every role."
        ),
    )
    async def lookup(
        self,
        ref: FromPath[str],
        db_session: DbSession,
        principal: Caller,
        location: Annotated[str | None, QueryParameter(max_length=32)] = None,
        near: Annotated[str | None, QueryParameter(max_length=32)] = None,
        lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float, QueryParameter(gt=0, le=MAX_RADIUS_KM)] = DEFAULT_RADIUS_KM,
    ) -> StockLookup:
        # Every authenticated role may look stock up; the principal only proves a token.
        del principal
        return await lookup_stock(
            db_session,
            ref,
            location=location,
            near=near,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
        )
