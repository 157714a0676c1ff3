"""HTTP routes for a channel's price list: what orders taken by store staff charge.

Setting, importing and deleting prices is admin work; admins and store staff read them.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from oms.channels.price_schemas import MAX_PRICE, PriceImportOut, PriceIn, PriceOut, PricePage
from oms.channels.services import price_import, prices
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit

_READERS = " Admins and store staff; a channel's integration token is refused (403)."
_MONEY = (
    f" Amounts are whole minor units of the channel's currency (0 to {MAX_PRICE:,}),"
    " returned with the currency."
)


class PriceController(Controller):
    path = "/channels/{code:str}/prices"
    tags = ["channel prices"]

    @put(
        "/{sku:str}",
        summary="Set a SKU's price on a channel",
        description=(
            "Creates or replaces the price orders taken by store staff charge."
            + _MONEY
            + " 404 for an unknown channel or SKU, 409 `invalid_state` for an inactive SKU."
            " Admin only."
        ),
    )
    async def set_channel_price(
        self,
        code: FromPath[str],
        sku: FromPath[str],
        data: JSONBody[PriceIn],
        db_session: DbSession,
        principal: Caller,
    ) -> PriceOut:
        return await prices.set_price(db_session, principal, code, sku, data)

    @post(
        "/import",
        summary="Set many prices from a CSV or JSON-lines file",
        description=(
            "CSV (`text/csv`) with the header `sku,amount`, or one JSON object per line"
            ' (`{"sku": "...", "amount": 1299}`, `application/x-ndjson`), at most'
            f" {price_import.MAX_ROWS:,} rows and 5 MiB. Each bad row (format, amount, unknown"
            " or inactive SKU, a SKU priced by an earlier line) is reported by line number"
            " and skipped; the good rows are applied. A file that cannot be read as rows"
            " (encoding, header) is 422 and changes nothing." + _MONEY + " Admin only."
        ),
        status_code=200,
        opt={"content_types": tuple(price_import.MEDIA_TYPES)},
        request_max_body_size=price_import.MAX_BODY_BYTES,
    )
    async def import_channel_prices(
        self,
        code: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: DbSession,
        principal: Caller,
    ) -> PriceImportOut:
        body = await request.body()
        media_type = request.headers.get("content-type", "")
        return await price_import.import_prices(db_session, principal, code, body, media_type)

    @get(
        "/",
        summary="A channel's prices, by SKU code",
        description=(
            "`sku` (repeatable, at most 100) keeps the SKUs named; `sku_prefix` those whose"
            " code starts with it (a product's variants)." + _MONEY + _READERS
        ),
    )
    async def list_channel_prices(
        self,
        code: FromPath[str],
        db_session: DbSession,
        principal: Caller,
        sku: Annotated[list[str] | None, QueryParameter(max_items=prices.MAX_LISTED_SKUS)] = None,
        sku_prefix: Annotated[str | None, QueryParameter(min_length=1, max_length=64)] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> PricePage:
        return await prices.list_prices(
            db_session,
            principal,
            code,
            skus=sku,
            sku_prefix=sku_prefix,
            limit=limit,
            cursor=cursor,
        )

    @get(
        "/{sku:str}",
        summary="A SKU's price on a channel",
        description="404 when the channel is unknown or the SKU has no price there." + _READERS,
    )
    async def get_channel_price(
        self, code: FromPath[str], sku: FromPath[str], db_session: DbSession, principal: Caller
    ) -> PriceOut:
        return await prices.get_price(db_session, principal, code, sku)

    @delete(
        "/{sku:str}",
        summary="Remove a SKU's price from a channel",
        description=(
            "Staff orders for the SKU then need a price a manager types in. 404 when it has"
            " no price there. Admin only."
        ),
        status_code=204,
    )
    async def delete_channel_price(
        self, code: FromPath[str], sku: FromPath[str], db_session: DbSession, principal: Caller
    ) -> None:
        await prices.delete_price(db_session, principal, code, sku)
