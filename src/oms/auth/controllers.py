"""Admin routes for API tokens."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, PathParameter

from oms.auth.schemas import CreatedToken, TokenIn, TokenList
from oms.auth.services import tokens as service
from oms.domain.access import Action, require
from oms.http.deps import Caller, DbSession
from oms.http.params import PageCursor, PageLimit

# Ids are 64-bit: anything larger cannot name a token (and must not reach SQL as a bind).
TokenId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]


class TokenController(Controller):
    path = "/tokens"
    tags = ["access"]

    @post("/", summary="Create an API token (the secret is returned once)", status_code=201)
    async def create_token(
        self, data: JSONBody[TokenIn], db_session: DbSession, principal: Caller
    ) -> CreatedToken:
        require(principal, Action.MANAGE_TOKENS)
        return await service.issue_token(db_session, data)

    @get("/", summary="List API tokens (never their secrets)")
    async def list_tokens(
        self,
        db_session: DbSession,
        principal: Caller,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> TokenList:
        require(principal, Action.MANAGE_TOKENS)
        return await service.list_tokens(db_session, limit, cursor)

    @delete("/{token_id:int}", summary="Revoke a token", status_code=204)
    async def revoke_token(
        self, token_id: TokenId, db_session: DbSession, principal: Caller, state: State
    ) -> None:
        require(principal, Action.MANAGE_TOKENS)
        await service.revoke_token(db_session, token_id)
        # This process forgets at once; others within the cache lifetime.
        state.token_resolver.forget_all()
