"""Bearer-token authentication for every route except the public ones.

A route is public when, and only when, its handler (or the router it hangs from) is
marked ``exclude_from_auth=True``, which Litestar keeps in the handler's ``opt``; this
middleware skips exactly those, and the OpenAPI document lists them with no security
requirement. There is no list of public paths: ``tests/auth/api/test_public_routes.py``
fails if any route answers without a token while unmarked.

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

# The ``opt`` key that marks a public route (Litestar's default for this middleware).
PUBLIC_OPT = "exclude_from_auth"


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """The caller behind the bearer token (the metrics scraper's token only on the metrics
        path); NotAuthorizedException (401) for a missing, unknown or revoked token."""
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
