"""Bearer-token authentication for every route except the public ones.

``/metrics`` is not public: it takes an API token (the route wants an admin) or, when
``OMS_METRICS_TOKEN`` is set, that token, which opens nothing else.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from oms.auth import scraper
from oms.auth.services.resolver import TokenResolver

PUBLIC_PATHS = {"/health", "/ready", "/schema"}


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
        secret = secret.strip()
        if connection.scope["path"] == scraper.METRICS_PATH and scraper.is_metrics_token(
            secret, connection.app.state.settings.metrics_token
        ):
            return AuthenticationResult(user=scraper.SCRAPER, auth=None)
        resolver: TokenResolver = connection.app.state.token_resolver
        principal = await resolver.resolve(secret)
        if principal is None:
            raise NotAuthorizedException(
                "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        return AuthenticationResult(user=principal, auth=None)
