"""HTTP routes for sales channels. Reading is open to every role; changing is admin only."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from oms.channels.schemas import ChannelIn, ChannelKind, ChannelList, ChannelOut, ChannelPatch
from oms.channels.services import channels as services
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit

_OWN_ONLY = "An integration token sees only its own channel; others answer 404."


class ChannelController(Controller):
    path = "/channels"
    tags = ["channels"]

    @post(
        "/",
        summary="Create a sales channel and its order policy",
        description="`locations` lists the locations allowed to fulfil; empty means every one.",
        status_code=201,
    )
    async def create_channel(
        self, data: JSONBody[ChannelIn], db_session: DbSession, principal: Caller
    ) -> ChannelOut:
        return await services.create_channel(db_session, principal, data)

    @get("/", summary="List channels, ordered by code", description=_OWN_ONLY)
    async def list_channels(
        self,
        db_session: DbSession,
        principal: Caller,
        kind: FromQuery[ChannelKind | None] = None,
        active: FromQuery[bool | None] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> ChannelList:
        return await services.list_channels(
            db_session, principal, kind=kind, active=active, limit=limit, cursor=cursor
        )

    @get("/{code:str}", summary="One channel, active or not", description=_OWN_ONLY)
    async def get_channel(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> ChannelOut:
        return await services.get_channel(db_session, principal, code)

    @patch(
        "/{code:str}",
        summary="Change some fields of a channel",
        description=(
            "Only the fields present change; `null` is refused. `locations`, when given,"
            " replaces the set of eligible locations."
        ),
    )
    async def update_channel(
        self,
        code: FromPath[str],
        data: JSONBody[ChannelPatch],
        db_session: DbSession,
        principal: Caller,
    ) -> ChannelOut:
        return await services.update_channel(db_session, principal, code, data)

    @delete(
        "/{code:str}",
        summary="Deactivate a channel",
        description=(
            "Orders refer to their channel for good, so it is marked inactive, not deleted,"
            ' and stays readable. Reactivate with PATCH `{"active": true}`.'
        ),
        status_code=200,
    )
    async def deactivate_channel(
        self, code: FromPath[str], db_session: DbSession, principal: Caller
    ) -> ChannelOut:
        return await services.deactivate_channel(db_session, principal, code)
