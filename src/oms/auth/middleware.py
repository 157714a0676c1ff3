"""Bearer-token authentication for every route except the public ones."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from oms.auth.tokens import TokenResolver

PUBLIC_PATHS = {"/health", "/ready", "/metrics", "/schema"}


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise NotAuthorizedException(
                "send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        resolver: TokenResolver = connection.app.state.token_resolver
        principal = await resolver.resolve(secret.strip())
        if principal is None:
            raise NotAuthorizedException(
                "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        return AuthenticationResult(user=principal, auth=None)
