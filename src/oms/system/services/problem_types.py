"""Every problem ``code`` this service answers with, and what it means: the registry
behind ``/problems/{code}``, the page each problem's ``type`` points at.

The codes come from where they are raised, so the page cannot fall behind: every
``DomainError`` subclass (found by walking the class tree, so a new error class is listed
the day it is written), the HTTP statuses' codes in ``oms.http.problems.HTTP_CODES``,
and the few codes the HTTP layer's handlers name themselves (``_HTTP_LAYER``; a test
reads the handlers' source and fails on any code missing here). What to say about a code
is written below; a code without a text of its own is explained by its class docstring
and its status.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from functools import cache

import msgspec

import oms.domain
from oms.domain import errors
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.http.problems import HTTP_CODES, domain_status
from oms.schemas import Page


class ProblemType(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    title: str
    status: int | None  # None: any status without a code of its own (``http_error``)
    when: str
    what_to_do: str


class ProblemTypePage(Page, frozen=True, kw_only=True):
    items: list[ProblemType]


# Codes the handlers in oms.http.problems name themselves (not from a class or HTTP_CODES).
_HTTP_LAYER: dict[str, tuple[int | None, str]] = {
    "validation_error": (400, "The request is not valid"),
    "malformed_json": (400, "The body is not valid JSON"),
    "out_of_range": (422, "A number is out of range"),
    "busy": (503, "Stock is busy"),
    "http_error": (None, "HTTP error"),
}

# code -> (when it happens, what to do about it)
_TEXTS: dict[str, tuple[str, str]] = {
    "validation_error": (
        "A parameter, header or body field has the wrong type, is out of its bounds, is"
        " unknown, or holds text that cannot be stored (e.g. NUL); `errors` names each one.",
        "Fix the named fields and send the request again.",
    ),
    "malformed_json": (
        "The body could not be decoded as JSON at all.",
        "Send well-formed JSON with `Content-Type: application/json`.",
    ),
    "bad_request": (
        "The request is malformed in a way no more specific code covers.",
        "Check the request against the OpenAPI document at `/schema`.",
    ),
    "invalid_input": (
        "The request is well formed but not acceptable: e.g. a currency the channel does"
        " not sell in, a total that does not match the lines, a cursor this API did not"
        " issue.",
        "Read `detail`, correct the values and send again.",
    ),
    "invalid_rows": (
        "Some lines of a listings import are not valid (format, an unknown SKU, a location"
        " the channel does not take, a listing asked for twice); `extra.rows` lists each"
        " one by line number with its reason, `extra.invalid` counts them.",
        "Fix every listed line and send the whole file again; nothing was written.",
    ),
    "out_of_range": (
        "A quantity or amount would go beyond what can be stored.",
        "Send smaller numbers.",
    ),
    "unauthenticated": (
        "No bearer token was sent, or it is unknown, expired or revoked.",
        "Send `Authorization: Bearer <token>` with a live token.",
    ),
    "forbidden": (
        "The token's role, locations or channel do not allow this action.",
        "Use a token that may do it, or ask an admin.",
    ),
    "not_found": (
        "What the request names does not exist, or is not visible to this token.",
        "Check the identifier and the token's scope.",
    ),
    "method_not_allowed": (
        "The path exists but does not take this HTTP method.",
        "See the OpenAPI document for the methods it takes.",
    ),
    "already_exists": (
        "Something with the same unique code or identifier exists already.",
        "Use another code, or change the existing one.",
    ),
    "conflict": (
        "The change conflicts with data that exists already.",
        "Read the current state and decide again.",
    ),
    "insufficient_stock": (
        "Not enough sellable stock for a line, on a channel that takes no backorders"
        " (placing an order, raising a line, a hold); `extra.lines` says, per line, what"
        " was asked, what could be allocated and what the network has.",
        "Lower the quantities, try another store, or wait for stock. Nothing was changed.",
    ),
    "invalid_state": (
        "The action is not allowed in the current state (e.g. packing what is not being"
        " picked, editing a line that is being picked, cancelling what is delivered).",
        "Read the current state; only the moves it allows are possible.",
    ),
    "idempotency_key_reused": (
        "An `Idempotency-Key` already used by this token for a different request (another"
        " method, path or body as decoded).",
        "Use a new key for a new request; resend the same request to get the first answer.",
    ),
    "body_too_large": (
        "The body is larger than the service accepts.",
        "Send less per request (split it), or use the bulk import for stock counts.",
    ),
    "unsupported_media_type": (
        "The body's `Content-Type` is not one this operation takes.",
        "Send the content type the OpenAPI document names (usually `application/json`).",
    ),
    "rate_limited": (
        "Too many requests (or misses) from this client in the current window.",
        "Wait for `Retry-After` seconds before trying again.",
    ),
    "pickup_code_locked": (
        "Too many wrong pickup codes were tried for this pickup.",
        "A store manager unlocks it, or hands over with a reason.",
    ),
    "pickup_code_mismatch": (
        "The pickup code shown does not match the pickup's code.",
        "Check the code in the customer's message and try again.",
    ),
    "busy": (
        "Other requests kept changing the same stock, or the database was busy with it.",
        "Retry after `Retry-After` seconds; nothing was changed.",
    ),
    "unavailable": (
        "The database cannot be reached right now.",
        "Retry after `Retry-After` seconds; nothing was changed.",
    ),
    "internal_error": (
        "An error the service did not expect; it is logged with the request id.",
        "Retry later; if it persists, report the `X-Request-ID`.",
    ),
    "http_error": (
        "An HTTP error without a code of its own; the status says which.",
        "See the HTTP status and `detail`.",
    ),
    "domain_error": (
        "The request could not be completed for a reason without a code of its own.",
        "Read `detail`.",
    ),
}

_BY_STATUS = {
    400: "Correct the request and send it again.",
    401: "Send a valid bearer token.",
    403: "Use a token that is allowed to do this.",
    404: "Check what the request names.",
    409: "Read the current state and decide again.",
    422: "Correct the values and send again.",
    423: "Wait until it is unlocked.",
    429: "Wait for `Retry-After` seconds.",
    503: "Retry after `Retry-After` seconds.",
}


def page(limit: int, cursor: str | None) -> ProblemTypePage:
    """The registry in code order, ``limit`` codes after the cursor's."""
    after = decode_cursor(cursor, str)[0] if cursor is not None else ""
    following = [found for code, found in registry().items() if code > after][: limit + 1]
    items, more = following[:limit], len(following) > limit
    return ProblemTypePage(items=items, next_cursor=encode_cursor(items[-1].code) if more else None)


def registry() -> dict[str, ProblemType]:
    """Every code, by code (built afresh: a class defined since is listed too)."""
    found: dict[str, tuple[int | None, str, str | None]] = {}  # code -> status, title, doc
    for error in _domain_errors():
        found.setdefault(error.code, (domain_status(error), error.title, inspect.getdoc(error)))
    for status, (code, title) in HTTP_CODES.items():
        found.setdefault(code, (status, title, None))
    for code, (layer_status, title) in _HTTP_LAYER.items():
        found.setdefault(code, (layer_status, title, None))
    return {code: _explain(code, *entry) for code, entry in sorted(found.items())}


@cache
def _load_domain_modules() -> None:
    # Domain modules are pure (no I/O), so loading them all is safe, and it finds error
    # classes defined next to their rules (e.g. in fulfilment_flow) whoever imported what.
    for module in pkgutil.walk_packages(oms.domain.__path__, "oms.domain."):
        importlib.import_module(module.name)


def _domain_errors() -> Iterator[type[errors.DomainError]]:
    _load_domain_modules()
    pending: list[type[errors.DomainError]] = [errors.DomainError]
    while pending:
        error = pending.pop()
        yield error
        pending.extend(error.__subclasses__())


def _explain(code: str, status: int | None, title: str, doc: str | None) -> ProblemType:
    when, what_to_do = _TEXTS.get(code, (None, None))
    return ProblemType(
        code=code,
        title=title,
        status=status,
        when=when or (doc.split("\n\n")[0].replace("\n", " ") if doc else title),
        what_to_do=what_to_do or _BY_STATUS.get(status or 400, "Read `detail`."),
    )
