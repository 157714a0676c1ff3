"""HTTP routes for bulk stock imports (CSV or JSON lines of absolute counts)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath

from oms.http.deps import Caller, DbSession
from oms.inventory.services import bulk_import
from oms.inventory.services.bulk_import import ImportSummary


async def _limited_body(request: Request[Any, Any, Any], limit: int) -> AsyncIterator[bytes]:
    """The body as it arrives, refused (413) past ``limit`` bytes."""
    announced = request.content_length
    if announced is not None and announced > limit:
        raise RequestEntityTooLarge(f"an import may be at most {limit} bytes")
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise RequestEntityTooLarge(f"an import may be at most {limit} bytes")
        yield chunk


class ImportController(Controller):
    path = "/inventory/imports"
    tags = ["imports"]

    @post(
        "/",
        summary="Import absolute stock counts from CSV or JSON lines",
        description=(
            "CSV with the header `sku,location,on_hand[,safety_stock]` (`text/csv`) or one"
            " JSON object per line with the same keys (`application/x-ndjson` or"
            " `application/jsonl`). Each row sets the level's on_hand (and safety_stock if"
            " given); every change is written to the ledger as kind `import`. Bad rows are"
            " reported by line number and never stop the good ones. Admin only."
        ),
        status_code=201,
        opt={"content_types": tuple(bulk_import.MEDIA_TYPES)},
        # The app-wide JSON body limit is lifted here and the import limit from the
        # settings is enforced while streaming instead: route options are fixed when this
        # module is imported, before the settings exist.
        request_max_body_size=None,
    )
    async def create_import(
        self, request: Request[Any, Any, Any], principal: Caller
    ) -> ImportSummary:
        # No per-request ``db_session``: an import commits batch by batch so that a large
        # file neither holds one huge transaction (locks, memory) nor loses finished work
        # on a late failure, so the service opens its own sessions from the app's factory.
        state = request.app.state
        fmt = bulk_import.format_for_media_type(request.headers.get("content-type", ""))
        body = _limited_body(request, state.settings.max_import_body_bytes)
        return await bulk_import.import_for(state.sessionmaker, principal, body, fmt)

    @get("/{import_id:uuid}", summary="An import run: status, counts and its first row errors")
    async def get_import(
        self, import_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> ImportSummary:
        return await bulk_import.get_import(db_session, principal, import_id)
