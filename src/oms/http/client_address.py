"""Who is calling: the client address that per-client rate limits count against.

It is the socket's peer unless that peer is a reverse proxy we were told to trust
(``OMS_TRUSTED_PROXIES``): only then does the server read ``X-Forwarded-For`` and put the
client the proxy saw in the peer's place. Trusting nobody by default matters even on one
host: a client on the same machine would otherwise name any bucket it liked.

The server does the rewriting (uvicorn's proxy headers, configured by
``server_proxy_options`` wherever ``oms`` starts it), so every part of the app, logs
included, sees the same client.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from oms.config import Settings


def server_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn ``Config`` options: forwarded headers are read only from trusted proxies."""
    proxies = settings.trusted_proxy_list
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(proxies)}


def client_address(request: Request[Any, Any, Any]) -> str:
    """The caller's IP address as the server established it, or "unknown"."""
    return request.client.host if request.client is not None else "unknown"
