"""Forms that change something run once: a double tap, a resubmitted form or a retry after
a dropped answer shows the first answer again instead of doing the work twice.

Every changing form carries a hidden ``idempotency_key`` made when the page was rendered
(``new_form_key``). The handler's work and its rendered answer go through ``submit_once``:
the key is claimed in the request's transaction (``oms.http.idempotency``, the API's own
mechanism, under a scope of the session's token), the answer is stored with it, and a second
post with the same key gets that stored answer back. Only success is stored: a refusal rolls
back with its transaction, so the associate can correct the form and send it again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from oms.http import idempotency
from oms.web.pages import common_context
from oms.web.staff import CSRF_FIELD, Staff

KEY_FIELD = "idempotency_key"


def new_form_key() -> str:
    """A fresh key for a form about to be rendered."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a form's work answers: a template and its context (the page's common context
    is added), with a status and headers (e.g. ``HX-Trigger``)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)


async def _fingerprint(request: Request[Any, Any, Any]) -> idempotency.RequestFingerprint:
    form = await request.form()
    fields = sorted(
        (name, str(value))
        for name, value in form.multi_items()
        if name not in {CSRF_FIELD, KEY_FIELD}
    )
    digest = hashlib.sha256(repr((request.method, request.url.path, fields)).encode()).digest()
    return idempotency.RequestFingerprint(decoded=digest, raw=digest)


async def submit_once(
    request: Request[Any, Any, Any],
    state: State,
    session: AsyncSession,
    staff: Staff,
    work: Callable[[], Awaitable[Rendered]],
) -> Response[Any]:
    """Run ``work`` unless this form's key already ran; the (first) answer as HTML."""
    form = await request.form()
    key = form.get(KEY_FIELD)
    if not isinstance(key, str) or not key:
        return _html(request, state, staff, await work())
    scope = f"app:{staff.view.token_id}"
    stored = await idempotency.claim(session, scope, key[:255], await _fingerprint(request))
    if stored is not None:
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type="text/html",
            headers={**stored.headers, "Idempotent-Replayed": "true"},
        )
    rendered = await work()
    body = _render(request, state, staff, rendered)
    await idempotency.store(session, scope, key[:255], rendered.status_code, body, rendered.headers)
    return _response(body, rendered)


def _html(
    request: Request[Any, Any, Any], state: State, staff: Staff, rendered: Rendered
) -> Response[bytes]:
    return _response(_render(request, state, staff, rendered), rendered)


def _render(
    request: Request[Any, Any, Any], state: State, staff: Staff, rendered: Rendered
) -> bytes:
    engine = request.app.template_engine
    assert engine is not None  # the app always has its template config
    template = engine.get_template(rendered.template)
    html: str = template.render(**(common_context(staff, state) | rendered.context))
    return html.encode()


def _response(body: bytes, rendered: Rendered) -> Response[bytes]:
    return Response(
        body,
        status_code=rendered.status_code,
        media_type="text/html",
        headers=rendered.headers or None,
    )
