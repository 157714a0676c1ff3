"""What the app shows when something is refused: the reason in plain words, with the same
problem code the API would answer, as a page or, for an HTMX request, as the page's
feedback area (``#feedback``) swapped in place. Nothing here is a JSON problem: the app's
errors are for people."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from oms.domain import errors
from oms.http.problems import HTTP_CODES, domain_status
from oms.web.staff import COOKIE, FormRefused, SignInRequired, StoreNotPicked

log = logging.getLogger(__name__)
LOGIN_PATH = "/app/login"
STORE_PATH = "/app/store"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def feedback(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    title: str,
    detail: str | None,
    *,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """A refusal: the ``_feedback.html`` fragment into ``#feedback`` for HTMX, else a page."""
    context = {"code": code, "title": title, "detail": detail, "status": status}
    extra = dict(headers or {})
    if is_htmx(request):
        extra |= {"HX-Retarget": "#feedback", "HX-Reswap": "innerHTML"}
        return Template("app/_feedback.html", context=context, status_code=status, headers=extra)
    return Template("app/error.html", context=context, status_code=status, headers=extra)


def _redirect(request: Request[Any, Any, Any], location: str) -> Response[Any]:
    # HTMX follows a 303 inside the swap target; HX-Redirect makes the whole page go.
    if is_htmx(request):
        return Response(None, status_code=204, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """To the sign-in page, coming back here afterwards (a GET page only)."""
    target = LOGIN_PATH
    query = []
    if exc.reason:
        query.append(f"reason={quote(exc.reason)}")
    if request.method == "GET" and not is_htmx(request):
        query.append(f"next={quote(request.url.path)}")
    if query:
        target += "?" + "&".join(query)
    response = _redirect(request, target)
    response.delete_cookie(COOKIE, path="/app")
    return response


def store_not_picked(request: Request[Any, Any, Any], exc: StoreNotPicked) -> Response[Any]:
    return _redirect(request, STORE_PATH)


def form_refused(request: Request[Any, Any, Any], exc: FormRefused) -> Response[Any]:
    return feedback(
        request,
        403,
        "form_token_invalid",
        "This form has expired",
        "The form did not come from this sign-in's page. Reload the page and try again.",
    )


def domain_error(request: Request[Any, Any, Any], exc: errors.DomainError) -> Response[Any]:
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return feedback(
        request, domain_status(type(exc)), exc.code, exc.title, exc.detail, headers=headers
    )


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    issues = exc.extra if isinstance(exc.extra, list) else []
    detail = "; ".join(
        f"{issue.get('key') or 'form'}: {issue.get('message')}"
        for issue in issues
        if isinstance(issue, dict)
    )
    return feedback(
        request, 400, "validation_error", "Some fields are not valid", detail or exc.detail
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code, title = HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    detail = exc.detail if exc.detail != title else None
    return feedback(request, exc.status_code, code, title, detail, headers=exc.headers)


def unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Lost database connections and pool time-outs: the associate can simply try again.
    log.warning("app request failed: database unavailable", exc_info=exc)
    return feedback(
        request,
        503,
        "unavailable",
        "The service is busy",
        "Please try again in a moment.",
        headers={"Retry-After": "1"},
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    SignInRequired: sign_in_required,
    StoreNotPicked: store_not_picked,
    FormRefused: form_refused,
    errors.DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    PoolTimeout: unavailable,
    DBAPIError: unavailable,
}
