"""Request id, request log line, and the content-type check for bodies."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from oms.logs import request_id_var

log = logging.getLogger("oms.request")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
BODY_METHODS = {"POST", "PUT", "PATCH"}


def request_id_middleware_factory(log_requests: bool) -> Any:
    """Middleware: X-Request-ID in and out (ours when absent or odd), and one log line a request."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
            request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
            token = request_id_var.set(request_id)
            started = time.perf_counter()
            status = 500

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
                await send(message)

            try:
                await app(scope, receive, send_with_id)
            finally:
                if log_requests:
                    log.info(
                        "request",
                        extra={
                            "method": scope["method"],
                            # The route's template (``/track/{token}``), never the path
                            # itself: a path can carry a secret (a tracking token).
                            "route": scope.get("path_template") or "?",
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 2),
                        },
                    )
                request_id_var.reset(token)

        return middleware

    return factory


async def require_declared_content_type(request: Request[Any, Any, Any]) -> None:
    """415 unless a body-carrying request says it is one of the route's media types.

    Routes accept JSON unless they declare ``opt={"content_types": (...)}``.
    """
    scope = request.scope
    if scope.get("method") not in BODY_METHODS:
        return
    headers = dict(scope["headers"])
    if headers.get(b"content-length", b"0") == b"0" and b"transfer-encoding" not in headers:
        return  # no body at all (e.g. POST /holds/{id}/release): nothing to declare
    handler = scope.get("route_handler")
    allowed: tuple[str, ...] = ("application/json",)
    if handler is not None:
        allowed = handler.opt.get("content_types", allowed)
    raw = headers.get(b"content-type", b"").decode("latin-1")
    media_type = raw.split(";", 1)[0].strip().lower()
    if media_type not in allowed:
        raise HTTPException(
            status_code=415,
            detail=f"send Content-Type {' or '.join(allowed)} (got {media_type or 'none'})",
        )
