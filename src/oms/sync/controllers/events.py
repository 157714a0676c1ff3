"""A channel's partner events (webhook deliveries and sweep finds): list, retry, dismiss.
Admin only."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit
from oms.sync.services import event_log
from oms.sync.services.event_log import ChannelEventOut, ChannelEventPage, DismissIn, EventState


class ChannelEventController(Controller):
    path = "/channels/{code:str}/events"
    tags = ["channel sync"]

    @get(
        "/",
        summary="A channel's partner events, newest first",
        description=(
            "Each delivery (or order found by the repair sweep): its delivery id, topic,"
            " state (`received`, `applied`, `ignored`, `failed`), what applying it did"
            " (`outcome`, `note`), the error when it failed, and the orders it concerns."
            " Never the body or headers. Admin only."
        ),
    )
    async def list_channel_events(
        self,
        code: FromPath[str],
        db_session: DbSession,
        principal: Caller,
        # ``state`` is a name Litestar reserves for the app state: read it under another.
        event_state: Annotated[EventState | None, QueryParameter(name="state")] = None,
        limit: PageLimit = 50,
        cursor: PageCursor = None,
    ) -> ChannelEventPage:
        return await event_log.list_channel_events(
            db_session, principal, code, state=event_state, limit=limit, cursor=cursor
        )

    @post(
        "/{event_id:int}/retry",
        summary="Apply a failed partner event again",
        description=(
            "For an event that failed (no stock, an unknown SKU...) once the cause is fixed:"
            " it goes back to `received` and is applied in the background. 409 for an event"
            " in any other state. Admin only."
        ),
        status_code=200,
    )
    async def retry_channel_event(
        self, code: FromPath[str], event_id: FromPath[int], db_session: DbSession, principal: Caller
    ) -> ChannelEventOut:
        return await event_log.retry_channel_event(db_session, principal, code, event_id)

    @post(
        "/{event_id:int}/dismiss",
        summary="Settle a failed partner event by hand",
        description=(
            "For a failed event that will not be retried (the order was entered by hand,"
            " the partner cancelled it): it becomes `ignored` with outcome `dismissed` and"
            " the reason, and who gave it, in `note`; it no longer counts as failed in the"
            " sync status. 409 for an event in any other state. Admin only."
        ),
        status_code=200,
    )
    async def dismiss_channel_event(
        self,
        code: FromPath[str],
        event_id: FromPath[int],
        data: JSONBody[DismissIn],
        db_session: DbSession,
        principal: Caller,
    ) -> ChannelEventOut:
        return await event_log.dismiss_channel_event(db_session, principal, code, event_id, data)
