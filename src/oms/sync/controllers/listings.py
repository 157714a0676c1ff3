"""HTTP routes for a channel's listings: which SKUs it publishes, under which partner ids.

Creating and deleting are admin work; admins and the channel's own integration token read.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit
from oms.sync.schemas import (
    BulkListingsOut,
    ListingIn,
    ListingOut,
    ListingPage,
    ListingsCreated,
    ListingState,
)
from oms.sync.services import listing_bulk, listings

_READERS = " Admins, and the channel's own integration token (another channel's: 404)."


class ListingController(Controller):
    path = "/channels/{code:str}/listings"
    tags = ["channel sync"]

    @post(
        "/",
        summary="List a SKU on a channel",
        description=(
            "`partner_sku` defaults to our SKU code. A per-location channel lists the SKU at"
            " `location` (one of its feeding locations), or at every feeding location when"
            " it is omitted; a network channel takes no location. The new listings are"
            " pending: the next sync tick publishes them. 409 when the SKU is listed there"
            " already, or the channel has no sync settings. Admin only."
        ),
        status_code=201,
    )
    async def create_listing(
        self, code: FromPath[str], data: JSONBody[ListingIn], creation: Creating
    ) -> Response[ListingsCreated]:
        return await creation(listings.create_listing, code, data)

    @post(
        "/import",
        summary="List many SKUs from a CSV or JSON-lines file",
        description=(
            "CSV (`text/csv`) with the header `sku[,partner_sku][,partner_item_id][,location]`,"
            " or one JSON object per line with the same fields (`application/x-ndjson`),"
            f" at most {listing_bulk.MAX_ROWS:,} rows and 5 MiB. Every line is checked first:"
            " any bad line (format, unknown SKU, a location the channel does not take, a"
            " listing asked for twice) is one 400 `invalid_rows` listing every bad line by"
            " number, and nothing is written. Listings that exist already are skipped and"
            " counted, so a file can be sent again. Admin only."
        ),
        status_code=201,
        opt={"content_types": tuple(listing_bulk.MEDIA_TYPES)},
        request_max_body_size=listing_bulk.MAX_BODY_BYTES,
    )
    async def import_listings(
        self, code: FromPath[str], request: Request[Any, Any, Any], creation: Creating
    ) -> Response[BulkListingsOut]:
        body = await request.body()
        media_type = request.headers.get("content-type", "")
        return await creation(listing_bulk.import_listings, code, body, media_type)

    @post(
        "/all-active-skus",
        summary="List every active SKU not listed on the channel yet",
        description=(
            "Under our own SKU codes, at the channel's network partner location or at each"
            " feeding location of a per-location channel; existing listings are skipped and"
            " counted. Admin only."
        ),
        status_code=201,
    )
    async def list_all_active_skus(
        self, code: FromPath[str], creation: Creating
    ) -> Response[BulkListingsOut]:
        return await creation(listing_bulk.list_all_active_skus, code)

    @get(
        "/",
        summary="A channel's listings and how their quantities are doing",
        description=(
            "In id order. Each: the partner's ids, `quantity_now` (what we would publish"
            " now), `published_qty` (what we last published), and `state`: `pending` (a"
            " change has not reached the partner yet), `failing` (pending after a failed"
            " try; see `last_error`) or `in_sync`." + _READERS
        ),
    )
    async def list_listings(
        self,
        code: FromPath[str],
        db_session: DbSession,
        principal: Caller,
        # ``state`` is a name Litestar reserves for the app state: read it under another.
        listing_state: Annotated[ListingState | None, QueryParameter(name="state")] = None,
        sku: Annotated[str | None, QueryParameter(min_length=1, max_length=64)] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> ListingPage:
        return await listings.list_listings(
            db_session, principal, code, state=listing_state, sku=sku, limit=limit, cursor=cursor
        )

    @get("/{listing_id:int}", summary="One listing of a channel", description=_READERS.strip())
    async def get_listing(
        self,
        code: FromPath[str],
        listing_id: FromPath[int],
        db_session: DbSession,
        principal: Caller,
    ) -> ListingOut:
        return await listings.get_listing(db_session, principal, code, listing_id)

    @delete(
        "/{listing_id:int}",
        summary="Stop publishing a SKU on a channel",
        description=(
            "The partner keeps the last quantity it was sent: to stop sales there, publish 0"
            " first (deactivate the SKU, or a policy that zeroes it) and delete once the"
            " listing is `in_sync`. Admin only."
        ),
        status_code=204,
    )
    async def delete_listing(
        self,
        code: FromPath[str],
        listing_id: FromPath[int],
        db_session: DbSession,
        principal: Caller,
    ) -> None:
        await listings.delete_listing(db_session, principal, code, listing_id)
