"""Run a creating handler under an optional ``Idempotency-Key`` header.

A creating route takes ``creation: Creating`` (with its body) and hands it the service
that creates: ``return await creation(holds.create_hold, data)``. The dependency reads
the header (and documents it), so no handler repeats the request, session, caller and key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Concatenate, ParamSpec, TypeAlias, TypeVar, cast

import msgspec
from litestar import MediaType, Request, Response
from litestar.di import Dependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.fingerprint import fingerprint
from oms.http import idempotency

T = TypeVar("T")
P = ParamSpec("P")

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


class Creation:
    """One creating request: its caller, transaction and optional ``Idempotency-Key``."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        principal: Principal,
        key: str | None,
    ) -> None:
        self.request = request
        self.session = session
        self.principal = principal
        self.key = key

    async def __call__(
        self,
        create: Callable[Concatenate[AsyncSession, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Response[T]:
        """201 with what ``create(session, principal, *args)`` made, or the first answer
        to this key again."""
        return await self.respond(
            lambda: create(self.session, self.principal, *args, **kwargs), 201
        )

    async def respond(
        self,
        produce: Callable[[], Awaitable[T]],
        status_code: int | Callable[[], int],
        *,
        headers: Callable[[], dict[str, str]] | None = None,
    ) -> Response[T]:
        """For a route whose answer depends on what ``produce`` found: ``status_code`` and
        ``headers`` may be functions, asked after ``produce`` ran (e.g. 200 when the request
        found an existing resource instead of creating one). The headers are stored with
        the response and sent again on every replay."""

        def status() -> int:
            return status_code() if callable(status_code) else status_code

        def extra_headers() -> dict[str, str]:
            return headers() if headers is not None else {}

        if self.key is None:
            produced = await produce()
            return Response(produced, status_code=status(), headers=extra_headers() or None)
        scope = f"token:{self.principal.token_id}"
        request_fingerprint = await _fingerprint(self.request)
        stored = await idempotency.claim(self.session, scope, self.key, request_fingerprint)
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
        await idempotency.store(self.session, scope, self.key, status(), body, sent)
        return cast(
            Response[T],
            Response(content=body, status_code=status(), media_type=MediaType.JSON, headers=sent),
        )


async def provide_creation(
    request: Request[Any, Any, Any],
    db_session: Annotated[AsyncSession, Dependency()],
    principal: Annotated[Principal, Dependency()],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Creation:
    """The request's ``Creation``: its transaction, caller and optional ``Idempotency-Key``."""
    return Creation(request, db_session, principal, idempotency_key)


# Handler parameter of a creating route: ``creation: Creating``.
Creating: TypeAlias = Annotated[Creation, Dependency()]


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
