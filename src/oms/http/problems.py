"""RFC 9457 problem+json for every error the API returns, each with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from asyncpg import InterfaceError, PostgresError  # type: ignore[import-untyped]
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from oms.domain import errors

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Each code is explained at ``/problems/{code}``, served by this service (public).
TYPE_PATH = "/problems/"

DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: HTTP_404_NOT_FOUND,
    errors.AlreadyExists: HTTP_409_CONFLICT,
    errors.InvalidInput: HTTP_422_UNPROCESSABLE_ENTITY,
    errors.InsufficientStock: HTTP_409_CONFLICT,
    errors.InvalidState: HTTP_409_CONFLICT,
    errors.IdempotencyKeyReused: HTTP_422_UNPROCESSABLE_ENTITY,
    errors.Forbidden: HTTP_403_FORBIDDEN,
    errors.Contended: 503,
    errors.RateLimited: 429,
    errors.Unauthenticated: HTTP_401_UNAUTHORIZED,
    # 423 Locked: the code exists and may be right; it is the lock that refuses it.
    errors.PickupCodeLocked: 423,
}

HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Missing or invalid API token"),
    403: ("forbidden", "Not allowed for this token"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("body_too_large", "Request body too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
    500: ("internal_error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


class Problem(msgspec.Struct, omit_defaults=True):
    """The problem document. ``code`` is stable and meant for programs; ``detail`` for people."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors_: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """An RFC 9457 problem+json response; ``type`` is the page explaining ``code``."""
    body = Problem(
        type=problem_type_uri(request, code),
        title=title,
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        errors=errors_,
        extra=extra or None,
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_type_uri(request: Request[Any, Any, Any], code: str) -> str:
    """The page explaining ``code``: absolute under ``OMS_PUBLIC_URL`` when it is set, else a
    reference relative to the service that answered (RFC 9457 allows either)."""
    settings = getattr(request.app.state, "settings", None)
    public_url = getattr(settings, "public_url", None)
    return f"{public_url.rstrip('/') if public_url else ''}{TYPE_PATH}{code}"


def domain_status(error: type[errors.DomainError]) -> int:
    """The HTTP status of a domain error class: the first ``DOMAIN_STATUS`` entry it is a
    subclass of, else 400."""
    return next((s for cls, s in DOMAIN_STATUS.items() if issubclass(error, cls)), 400)


def domain_error_handler(
    request: Request[Any, Any, Any], exc: errors.DomainError
) -> Response[Problem]:
    """A DomainError as its problem: status by ``DOMAIN_STATUS``, Retry-After when it has one."""
    status = domain_status(type(exc))
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return problem_response(
        request, status, exc.code, exc.title, exc.detail, extra=exc.extra, headers=headers
    )


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    """A decoding failure as 400 ``validation_error``, listing each issue in ``errors``."""
    extra = exc.extra if isinstance(exc.extra, list) else None
    issues = [e for e in (extra or []) if isinstance(e, dict)]
    detail: str | None = exc.detail
    if detail and detail.startswith("Validation failed for"):
        detail = "; ".join(str(e.get("message")) for e in issues) or detail
    return problem_response(
        request,
        HTTP_400_BAD_REQUEST,
        "validation_error",
        "The request is not valid",
        detail,
        errors_=issues,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    """Litestar's HTTP errors as problems (an undecodable body: 400 ``malformed_json``)."""
    code, title = HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    if exc.status_code == HTTP_400_BAD_REQUEST:
        # Not a ValidationException: the body could not even be decoded.
        code, title = "malformed_json", "The body is not valid JSON"
    # Litestar fills detail with the reason phrase when none was given: not worth repeating.
    detail: str | None = exc.detail
    if detail == title and not isinstance(
        exc, NotFoundException | NotAuthorizedException | PermissionDeniedException
    ):
        detail = None
    headers = dict(exc.headers or {})
    return problem_response(request, exc.status_code, code, title, detail, headers=headers)


# Retryable: lock_not_available (lock_timeout on a contended row), deadlock_detected
# (PostgreSQL chose this transaction to break a cycle) and serialization_failure.
_BUSY_STATES = frozenset({"55P03", "40P01", "40001"})
# The database is not there for us right now: class 08 (connection exceptions),
# too_many_connections, admin / crash shutdown, cannot_connect_now (starting up or
# recovering), and read_only_sql_transaction (a failover left us on a standby).
_UNAVAILABLE_STATES = frozenset({"53300", "57P01", "57P02", "57P03", "25006"})
# Out of range for the column: a total or a level beyond what we can store.
_OUT_OF_RANGE_STATES = frozenset({"22003"})
# Any other data exception (class 22: text PostgreSQL cannot store, a value out of a
# parameter's range, ...) is bad input that got past the decoding checks.
_DATA_EXCEPTION_CLASS = "22"
UNAVAILABLE_RETRY_AFTER = "5"


def database_error_handler(
    request: Request[Any, Any, Any], exc: DBAPIError | PostgresError
) -> Response[Problem]:
    """Database errors by SQLSTATE: 503 busy or unavailable, 422, 400 or 409; else a 500."""
    orig = getattr(exc, "orig", exc)
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate in _BUSY_STATES:
        return problem_response(
            request, 503, "busy", "Stock is busy", "Please retry", headers={"Retry-After": "1"}
        )
    if (
        sqlstate in _UNAVAILABLE_STATES
        or sqlstate.startswith("08")
        or getattr(exc, "connection_invalidated", False)
        or isinstance(orig, ConnectionError | InterfaceError)
    ):
        return database_unavailable_handler(request, exc)
    if sqlstate in _OUT_OF_RANGE_STATES:
        return problem_response(
            request,
            HTTP_422_UNPROCESSABLE_ENTITY,
            "out_of_range",
            "A number is out of range",
            "the change would take a quantity or an amount beyond what can be stored",
        )
    if sqlstate.startswith(_DATA_EXCEPTION_CLASS):
        log.warning("bad input reached the database: %s", sqlstate)
        return problem_response(
            request,
            HTTP_400_BAD_REQUEST,
            "validation_error",
            "The request is not valid",
            "a value cannot be stored or compared as given (out of range or not storable text)",
        )
    if sqlstate in {"23505", "23503", "23514"}:
        # A constraint the service should have checked first: report as a conflict.
        log.warning("constraint violation reached the HTTP layer", exc_info=exc)
        return problem_response(request, HTTP_409_CONFLICT, "conflict", "Conflict", str(orig))
    return internal_error_handler(request, exc)


def database_unavailable_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[Problem]:
    """The database could not be reached or dropped us: nothing was written, retry later."""
    log.warning("database unavailable: %s", type(exc).__name__, exc_info=exc)
    return problem_response(
        request,
        503,
        "unavailable",
        "Service unavailable",
        "the database cannot be reached; please retry",
        headers={"Retry-After": UNAVAILABLE_RETRY_AFTER},
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Log the error with its traceback; answer 500 ``internal_error`` saying nothing more."""
    log.exception("unhandled error", exc_info=exc)
    return problem_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    errors.DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    DBAPIError: database_error_handler,
    PostgresError: database_error_handler,
    # Raised before any SQL: the pool could not open or lend a connection in time.
    PoolTimeout: database_unavailable_handler,
    ConnectionError: database_unavailable_handler,
    InterfaceError: database_unavailable_handler,
    TimeoutError: database_unavailable_handler,
    Exception: internal_error_handler,
}
