"""Signing in and out, and picking the store the associate is standing in.

The sign-in form has no session yet, so it is protected by a double-submit token: a random
value in a SameSite=Strict cookie that only our page can copy into the form. Failed
sign-ins are limited per client address and per account (``oms.web.sign_in``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from oms.auth.services import sessions
from oms.web import sign_in
from oms.web.feedback import LOGIN_PATH, STORE_PATH
from oms.web.forms import FORM
from oms.web.pages import page
from oms.web.staff import COOKIE, SignedIn, is_secure

LOGIN_CSRF_COOKIE = "oms_login_csrf"
HOME = "/app"


class LoginForm(msgspec.Struct, frozen=True):
    username: Annotated[str, msgspec.Meta(max_length=100)] = ""
    password: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    next: Annotated[str, msgspec.Meta(max_length=500)] = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class StoreForm(msgspec.Struct, frozen=True):
    store: int
    csrf: str = msgspec.field(name="_csrf", default="")


def safe_next(target: str) -> str:
    """Only a path inside the app: never another site (an open redirect)."""
    if target.startswith("/app") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


_REASONS = {
    "locked": "The app locked itself after a while without use. Sign in again.",
    "expired": "Your sign-in has expired. Sign in again.",
    "ended": "You were signed out. Sign in again.",
    "signed_out": "You are signed out.",
}


class SessionController(Controller):
    path = "/app"
    include_in_schema = False

    @get("/login")
    async def login_page(
        self,
        request: Request[Any, Any, Any],
        reason: FromQuery[str] = "",
        next: FromQuery[str] = "",
    ) -> Response[Any]:
        token = secrets.token_urlsafe(32)
        response = Template(
            "app/login.html",
            context={
                "login_csrf": token,
                "notice": _REASONS.get(reason),
                "next": safe_next(next),
                "error": None,
                "username": "",
            },
        )
        response.cookies.append(_login_cookie(request, token))
        return response

    @post("/login", opt={"content_types": FORM})
    async def login(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: URLEncodedBody[LoginForm],
    ) -> Response[Any]:
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie.encode(), data.csrf.encode()):
            return _login_again(request, data, "This page had expired. Please sign in again.", 403)
        outcome = await sign_in.attempt(state, request, data.username, data.password)
        if outcome.error is not None:
            return _login_again(request, data, outcome.error, outcome.status, outcome.headers)
        assert outcome.signed_in is not None
        target = safe_next(data.next) if outcome.store_picked else STORE_PATH
        response = Redirect(target, status_code=303)
        response.cookies.append(
            Cookie(
                key=COOKIE,
                value=outcome.signed_in.secret,
                path="/app",
                httponly=True,
                secure=is_secure(request),
                samesite="lax",
                max_age=int(state.settings.app_session_hours * 3600),
            )
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app/login")
        return response

    @post("/logout", opt={"content_types": FORM})
    async def logout(self, staff: SignedIn, state: State) -> Response[Any]:
        store: sessions.SessionStore = state.staff_sessions
        await store.end(staff.secret, staff.view.token_id, "signed_out")
        response = Redirect(f"{LOGIN_PATH}?reason=signed_out", status_code=303)
        response.delete_cookie(COOKIE, path="/app")
        return response

    @get("/store")
    async def store_page(self, staff: SignedIn, state: State) -> Template:
        stores = await sign_in.stores_to_pick(state, staff)
        return page("app/store.html", staff, state, stores=stores)

    @post("/store", opt={"content_types": FORM})
    async def pick_store(
        self,
        staff: SignedIn,
        state: State,
        data: URLEncodedBody[StoreForm],
    ) -> Response[Any]:
        store: sessions.SessionStore = state.staff_sessions
        await store.pick_store(staff.secret, staff.view, data.store)
        return Redirect(HOME, status_code=303)


def _login_cookie(request: Request[Any, Any, Any], token: str) -> Cookie:
    return Cookie(
        key=LOGIN_CSRF_COOKIE,
        value=token,
        path="/app/login",
        httponly=True,
        secure=is_secure(request),
        samesite="strict",
        max_age=3600,
    )


def _login_again(
    request: Request[Any, Any, Any],
    data: LoginForm,
    error: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    token = secrets.token_urlsafe(32)
    response = Template(
        "app/login.html",
        context={
            "login_csrf": token,
            "notice": None,
            "next": safe_next(data.next),
            "error": error,
            "username": data.username,
        },
        status_code=status,
        headers=headers,
    )
    response.cookies.append(_login_cookie(request, token))
    return response
