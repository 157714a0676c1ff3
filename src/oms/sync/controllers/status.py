"""HTTP routes for watching and re-publishing a channel's sync (admins only)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath

from oms.http.deps import Caller, DbSession
from oms.sync.schemas import ResyncOut, SyncStatusOut
from oms.sync.services import operations


class SyncStatusController(Controller):
    path = "/channels/{code:str}/sync"
    tags = ["channel sync"]

    @get(
        "/status",
        summary="How the channel's sync is doing",
        description=(
            "Pending and failing listings, the oldest pending change's age, the last"
            " success and error, a pause the partner asked for, and partner calls by"
            " outcome. The same figures are Prometheus gauges on `/metrics`."
        ),
    )
    async def channel_sync_status(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> SyncStatusOut:
        return await operations.channel_sync_status(db_session, principal, code)

    @post(
        "/resync",
        summary="Publish every listing of the channel again",
        description=(
            "Marks every listing to be pushed at the next sync tick even if its quantity did"
            " not change (for a partner that lost or changed its figures). Partners with"
            " compare-and-swap are checked against what they show first."
        ),
        status_code=200,
    )
    async def resync_channel(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> ResyncOut:
        return await operations.resync(db_session, principal, code)
