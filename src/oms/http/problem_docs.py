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

Every operation also gets a stable, readable ``operationId`` (the method name a generated
client shows): its handler's name in camelCase, or the name in ``OPERATION_IDS`` where the
handler's name alone would be vague or repeated across the API.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import Method
from litestar.types.internal_types import PathParameterDefinition

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

# operationIds by handler (``Controller.method``) where the method's own name says too little
# once out of its controller. Changing one breaks generated clients: the list is pinned by
# tests/system/api/test_operation_ids.py.
OPERATION_IDS = {
    "AdminController.audit": "auditLedger",
    "FulfilmentController.list_queue": "listFulfilments",
    "FulfilmentController.pick_list": "getPickList",
    "FulfilmentController.pack": "packFulfilment",
    "FulfilmentController.ship": "shipFulfilment",
    "FulfilmentController.ready_for_pickup": "markReadyForPickup",
    "FulfilmentController.hand_over": "handOverFulfilment",
    "FulfilmentController.short_pick": "reportShortPick",
    "FulfilmentController.reject": "rejectFulfilment",
    "InventoryController.receive": "receiveStock",
    "InventoryController.sell": "recordSale",
    "InventoryController.damage": "recordDamage",
    "InventoryController.adjust": "adjustStock",
    "InventoryController.count": "recordCount",
    "MetricsController.get": "getMetrics",
    "OrderController.get_events": "getOrderEvents",
    "OrderController.get_routing": "getOrderRouting",
    "StockLookupController.lookup": "lookUpStock",
    "SystemController.health": "getHealth",
    "SystemController.ready": "getReadiness",
    "TrackingController.lookup": "lookUpTracking",
    "TrackingController.track": "getTracking",
}


def document_problems(app: Litestar) -> None:
    """Attach the problem responses and the operationId to every route handler of ``app``."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                if handler.operation_id is None:
                    handler.operation_id = operation_id
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
    """The problem statuses ``handler`` at ``path`` may answer, by the rules above."""
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


def operation_id(
    handler: HTTPRouteHandler,
    method: Method,
    path_components: list[str | PathParameterDefinition],
) -> str:
    """``OPERATION_IDS``' name for the handler, else its function's name in camelCase;
    prefixed by the method when one handler serves several."""
    function = handler.fn
    name = OPERATION_IDS.get(function.__qualname__) or _camel(function.__name__)
    if len(handler.http_methods) > 1:
        name = method.lower() + name[0].upper() + name[1:]
    return name


def _camel(snake: str) -> str:
    head, *rest = snake.strip("_").split("_")
    return head + "".join(word.capitalize() for word in rest)


def _spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        generate_examples=False,
        description=_DESCRIPTIONS.get(status) or HTTP_CODES.get(status, ("", "Error"))[1],
        media_type=PROBLEM_MEDIA_TYPE,
    )
