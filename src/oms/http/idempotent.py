"""Run a creating handler under an optional ``Idempotency-Key`` header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeAlias, TypeVar, cast

import msgspec
from litestar import MediaType, Request, Response
from litestar.handlers import HTTPRouteHandler
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.fingerprint import fingerprint
from oms.http import idempotency

T = TypeVar("T")

# Litestar checks the key's length and characters before the handler runs, so every
# malformed key is the same 400 ``validation_error`` naming the header.
IdempotencyKeyHeader: TypeAlias = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=idempotency.MAX_KEY_LENGTH,
        pattern=idempotency.KEY_PATTERN,
        description=(
            "Repeat a request safely: the same key with the same request (method, path and"
            " body as decoded, so key order and spacing do not matter) returns the first"
            " response again, with `Idempotent-Replayed: true`; the same key with a different"
            " body is refused (422 `idempotency_key_reused`). Keys are kept per token for"
            " `OMS_IDEMPOTENCY_TTL_HOURS` (24 h). A key is 1 to 255 visible ASCII characters"
            " (spaces allowed inside); any other value is refused with 400"
            " `validation_error`."
        ),
    ),
]


async def idempotent(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    status_code: int | Callable[[], int],
    produce: Callable[[], Awaitable[T]],
    *,
    headers: Callable[[], dict[str, str]] | None = None,
) -> Response[T]:
    """``status_code`` and ``headers`` may be functions, asked after ``produce`` ran (e.g.
    200 when the request found an existing resource instead of creating one). The headers
    are stored with the response and sent again on every replay."""

    def status() -> int:
        return status_code() if callable(status_code) else status_code

    def extra_headers() -> dict[str, str]:
        return headers() if headers is not None else {}

    if key is None:
        produced = await produce()
        return Response(produced, status_code=status(), headers=extra_headers() or None)
    scope = f"token:{principal.token_id}"
    stored = await idempotency.claim(session, scope, key, await _fingerprint(request))
    if stored is not None:
        replay = Response(
            content=stored.body,
            status_code=stored.status_code,
            media_type=MediaType.JSON,
            headers={**stored.headers, "Idempotent-Replayed": "true"},
        )
        return cast(Response[T], replay)
    body = msgspec.json.encode(await produce())
    sent = extra_headers()
    await idempotency.store(session, scope, key, status(), body, sent)
    return cast(
        Response[T],
        Response(content=body, status_code=status(), media_type=MediaType.JSON, headers=sent),
    )


async def _fingerprint(request: Request[Any, Any, Any]) -> idempotency.RequestFingerprint:
    """The request as the handler reads it: its body decoded as the handler's declared type
    (already checked strictly before the handler ran), so only what it says counts."""
    raw = await request.body()
    method, path = request.method, request.url.path
    body_type = _json_body_type(request.scope.get("route_handler"))
    decoded: object = raw
    if body_type is not None and raw:
        decoded = msgspec.json.decode(raw, type=body_type)
    return idempotency.RequestFingerprint(
        decoded=fingerprint(decoded, scope=f"{method} {path}".encode()),
        raw=idempotency.raw_fingerprint(method, path, raw),
    )


def _json_body_type(handler: object) -> Any:
    if not isinstance(handler, HTTPRouteHandler):
        return None
    data = handler.parsed_fn_signature.parameters.get("data")
    return data.annotation if data is not None else None
