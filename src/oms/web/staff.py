"""Who is using the app: the signed-in session behind the cookie, checked on every request.

``provide_staff`` is the app's one way in: no session (or an ended, idle or expired one)
sends the browser to the sign-in page; a request that changes anything must carry the
session's form token (``_csrf`` in the form, or the ``X-CSRF-Token`` header HTMX sends),
else it is refused before the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import Dependency

from oms.auth.services.sessions import SessionStore, SessionView
from oms.domain.access import Principal

COOKIE = "oms_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No usable session: the browser goes to the sign-in page (``reason`` says why)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class FormRefused(Exception):
    """A changing request without this session's form token (cross-site, or a stale page)."""


class StoreNotPicked(Exception):
    """An associate of several stores has not said which one they are standing in."""


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in person, as the app's handlers see them."""

    view: SessionView
    secret: str

    @property
    def principal(self) -> Principal:
        return self.view.principal

    @property
    def store_id(self) -> int | None:
        return self.view.store_id

    @property
    def csrf_token(self) -> str:
        return self.view.csrf_token

    def here(self) -> int:
        """The store the associate is standing in; StoreNotPicked if none yet."""
        if self.view.store_id is None:
            raise StoreNotPicked
        return self.view.store_id


def is_secure(request: Request[Any, Any, Any]) -> bool:
    """Whether the browser reached us over https (directly, or through a trusted proxy that
    the server believes): cookies are then marked Secure."""
    return request.url.scheme == "https"


async def provide_staff(request: Request[Any, Any, Any], state: State) -> Staff:
    """The session behind the cookie, its idle lock and lifetime enforced, and the form
    token checked on a changing request."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise SignInRequired()
    store: SessionStore = state.staff_sessions
    view = await store.resolve(secret)
    if view is None:
        raise SignInRequired("ended")
    settings = state.settings
    if view.idle_now() > settings.app_idle_lock_seconds:
        await store.end(secret, view.token_id, "idle")
        raise SignInRequired("locked")
    if view.age_now() > settings.app_session_hours * 3600:
        await store.end(secret, view.token_id, "expired")
        raise SignInRequired("expired")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not view.form_token_matches(sent):
            raise FormRefused
    await store.touch(secret, view)
    return Staff(view=view, secret=secret)


# Handler parameter: ``staff: SignedIn``.
SignedIn: TypeAlias = Annotated[Staff, Dependency()]
