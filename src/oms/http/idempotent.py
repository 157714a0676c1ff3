"""Run a creating handler under an optional ``Idempotency-Key`` header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeAlias, TypeVar, cast

import msgspec
from litestar import MediaType, Request, Response
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.system import idempotency

T = TypeVar("T")

IdempotencyKeyHeader: TypeAlias = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=idempotency.MAX_KEY_LENGTH,
        description=(
            "Repeat a request safely: the same key with the same body returns the first"
            " response; the same key with a different body is refused (422)."
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
) -> Response[T]:
    """``status_code`` may be a function, asked after ``produce`` ran (e.g. 200 when the
    request found an existing resource instead of creating one)."""

    def status() -> int:
        return status_code() if callable(status_code) else status_code

    if key is None:
        produced = await produce()
        return Response(produced, status_code=status())
    scope = f"token:{principal.token_id}"
    fingerprint = idempotency.fingerprint(request.method, request.url.path, await request.body())
    stored = await idempotency.claim(session, scope, key, fingerprint)
    if stored is not None:
        replay = Response(
            content=stored.body,
            status_code=stored.status_code,
            media_type=MediaType.JSON,
            headers={"Idempotent-Replayed": "true"},
        )
        return cast(Response[T], replay)
    body = msgspec.json.encode(await produce())
    await idempotency.store(session, scope, key, status(), body)
    return cast(
        Response[T], Response(content=body, status_code=status(), media_type=MediaType.JSON)
    )
