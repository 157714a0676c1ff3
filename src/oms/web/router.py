"""The app's routes: ``/app`` (signed-in pages and forms), ``/static`` and ``/``.

Everything here is outside the bearer-token middleware (``exclude_from_auth``): the app
has its own way in, the session cookie (``oms.web.staff``), and its own error pages
(``oms.web.feedback``). The API's ``before_request`` strict-JSON checks do not apply to
forms; ``check_form_request`` takes their place.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from oms.auth.middleware import PUBLIC_OPT
from oms.http.middleware import require_declared_content_type
from oms.web.controllers.handover import HandOverController
from oms.web.controllers.home import HomeController
from oms.web.controllers.ordering import OrderingController
from oms.web.controllers.ordering_place import OrderPlacingController
from oms.web.controllers.returns import ReturnsController
from oms.web.controllers.session import SessionController
from oms.web.controllers.stock import StockController
from oms.web.controllers.stock_work import StockWorkController
from oms.web.controllers.stock_work_transfers import TransfersInController
from oms.web.controllers.work import WorkController
from oms.web.controllers.work_steps import WorkStepController
from oms.web.feedback import EXCEPTION_HANDLERS
from oms.web.staff import provide_staff
from oms.web.templating import STATIC

# Every page and form of the app, mounted under /app by ``app_router``.
APP_CONTROLLERS: list[ControllerRouterHandler] = [
    SessionController,
    HomeController,
    StockController,
    OrderingController,
    OrderPlacingController,
    WorkController,
    WorkStepController,
    HandOverController,
    StockWorkController,
    TransfersInController,
    ReturnsController,
]


async def check_form_request(request: Request[Any, Any, Any]) -> None:
    """The declared media type (forms), and no NUL character anywhere in the URL: the
    app's counterpart of the API's strict checks."""
    await require_declared_content_type(request)
    if "\x00" in request.url.path or "%00" in str(request.url.query):
        raise HTTPException(status_code=400, detail="the address contains a NUL character")


# The app's pages show customers' orders on shared tablets: never cached, never framed by
# another site (clickjacking a form), scripts only from our own files, nothing leaks
# through the Referer. Inline style attributes are allowed; inline scripts are not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self';"
    " object-src 'none'"
)
PAGE_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
]


@get("/", include_in_schema=False, opt={PUBLIC_OPT: True})
async def root() -> Redirect:
    """People who open the bare address are store staff: to the app."""
    return Redirect("/app", status_code=303)


def web_routers() -> list[ControllerRouterHandler]:
    """The app's router, the static files and the root redirect."""
    app = Router(
        "/",
        route_handlers=APP_CONTROLLERS,
        dependencies={"staff": Provide(provide_staff)},
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_form_request,
        response_headers=PAGE_HEADERS,
        cache_control=CacheControlHeader(no_store=True),
        include_in_schema=False,
        opt={PUBLIC_OPT: True},
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        opt={PUBLIC_OPT: True},
        include_in_schema=False,
        # Files are named by version where they change (vendor/), the rest are small.
        cache_control=None,
    )
    return [app, static, root]
