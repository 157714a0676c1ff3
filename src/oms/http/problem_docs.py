"""Every operation's error responses (and public operations' lack of a token) in the
OpenAPI document, from one set of rules.

The rules follow where each problem can come from, so a client generator (or a contract
test) sees every status an operation may answer:

- any request: 400 (a malformed parameter, body or NUL) and 503 (database unreachable,
  stock busy);
- behind a token: 401 (no or bad token) and 403 (the role or scope may not);
- feature routes: 404 (something named does not exist or is hidden) and 422 (a request
  well formed but not acceptable, e.g. a cursor this API did not issue);
- changes (POST, PUT, PATCH, DELETE): 409 (state or stock conflicts), 413 and 415 (body);
- public look-ups: 429 (rate limits).

A handler adds statuses of its own with ``opt={"problems": (423, ...)}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from oms.http.problems import HTTP_CODES, PROBLEM_MEDIA_TYPE, Problem

# Operational endpoints: no feature behind them, nothing to find or to refuse.
SYSTEM_PATHS = frozenset({"/health", "/ready", "/metrics"})
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DESCRIPTIONS = {
    400: "The request is malformed: a parameter, the body, or its JSON (`validation_error`,"
    " `malformed_json`)",
    401: "No token, or one that is unknown, expired or revoked",
    403: "The token's role or locations do not allow this",
    404: "Not found, or not visible to this token",
    409: "Conflicts with the current state (e.g. `insufficient_stock`, `invalid_state`)",
    413: "The body is larger than allowed",
    415: "The body's Content-Type is not one this operation takes",
    422: "Well formed, but not acceptable (e.g. `invalid_input`)",
    423: "Locked until a manager unlocks it",
    429: "Too many requests: wait for Retry-After seconds",
    503: "The database is unavailable or the stock is busy: retry after Retry-After seconds",
}


def document_problems(app: Litestar) -> None:
    """Attach the problem responses to every route handler of ``app``."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                if handler.opt.get("exclude_from_auth"):
                    # An empty requirement overrides the document's bearer default: no
                    # token needed here.
                    handler.security = [{}]
                statuses = problem_statuses(route.path, handler)
                handler.responses = {
                    **{status: _spec(status) for status in sorted(statuses)},
                    **(handler.responses or {}),
                }


def problem_statuses(path: str, handler: HTTPRouteHandler) -> set[int]:
    statuses = {400, 503}
    public = bool(handler.opt.get("exclude_from_auth"))
    if not public and path not in SYSTEM_PATHS:
        statuses |= {401, 403}
    if path not in SYSTEM_PATHS:
        statuses |= {404, 422}
    if handler.http_methods & CHANGING_METHODS:
        statuses |= {409, 413, 415}
    if public and path not in SYSTEM_PATHS:
        statuses.add(429)
    extra: Iterable[int] = handler.opt.get("problems", ())
    return statuses | set(extra)


def _spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        generate_examples=False,
        description=_DESCRIPTIONS.get(status) or HTTP_CODES.get(status, ("", "Error"))[1],
        media_type=PROBLEM_MEDIA_TYPE,
    )
