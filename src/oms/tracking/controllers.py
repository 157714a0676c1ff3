"""Public tracking routes: no API token; the tracking token (or number and email) is the key."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import CacheControlHeader, ResponseHeader, State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template

from oms.domain.errors import NotFound, RateLimited
from oms.http.client_address import client_address
from oms.http.deps import DbSession
from oms.i18n import negotiate
from oms.i18n.negotiation import supported
from oms.tracking.schemas import TrackedOrder, TrackLookupIn
from oms.tracking.services import tracking as service
from oms.tracking.services.page import language_choices, page_context, template_gettext

_NOT_FOUND = (
    " Anything that does not identify an order is the same 404 `not_found`; too many"
    " requests or misses from one client are 429 `rate_limited` with `Retry-After`, for"
    " every request of that client until the window ends."
)


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser asks for text/html first; API clients, ``*/*`` and no Accept get JSON."""
    best = request.accept.best_match([MediaType.JSON, MediaType.HTML], default=MediaType.JSON)
    return best == MediaType.HTML


def _language(request: Request[Any, Any, Any], chosen: str | None, order: str | None) -> str:
    """``?lang=`` when the reader picked one, else the order's, else their browser's."""
    return supported(chosen) or negotiate(order, request.headers.get("accept-language"))


def _refusal(
    request: Request[Any, Any, Any], chosen: str | None, error: NotFound | RateLimited
) -> Template:
    """The same friendly page for every unknown token (it says nothing about the token),
    or the page asking a client over its limit to wait."""
    lang = _language(request, chosen, None)
    context = {"lang": lang, "languages": language_choices(lang), **template_gettext(lang)}
    if isinstance(error, RateLimited):
        context["retry_after"] = error.retry_after
        return Template(
            "track/rate_limited.html",
            context=context,
            status_code=429,
            headers={"Retry-After": str(error.retry_after), "Content-Language": lang},
            media_type=MediaType.HTML,
        )
    return Template(
        "track/not_found.html",
        context=context,
        status_code=404,
        headers={"Content-Language": lang},
        media_type=MediaType.HTML,
    )


def _guard(request: Request[Any, Any, Any], state: State) -> service.Guard:
    # The socket's peer; behind a reverse proxy the server puts the forwarded client
    # there (uvicorn --forwarded-allow-ips), so every visitor gets buckets of their own.
    client = client_address(request)
    return service.Guard(state.sessionmaker, state.settings, client)


class TrackingController(Controller):
    path = "/track"
    tags = ["tracking"]
    # The answer may hold a pickup code: never kept by caches, and a link followed from a
    # tracking page does not carry the token along in its Referer.
    cache_control = CacheControlHeader(no_store=True)
    response_headers = [ResponseHeader(name="Referrer-Policy", value="no-referrer")]

    @get(
        "/{token:str}",
        summary="Where an order is, for its customer (no API token needed)",
        description=(
            "Status, each shipment or pickup (with the pickup code once it is ready to"
            " collect) and a timeline in plain words. No contact details. A client that"
            " prefers `text/html` (a browser) gets the same as a page in the order's"
            " language, or the one its `Accept-Language` prefers, or `lang`; anything"
            " else gets this JSON, in English." + _NOT_FOUND
        ),
        exclude_from_auth=True,
        # The same address answers JSON or a page, in one language or another.
        response_headers=[ResponseHeader(name="Vary", value="Accept, Accept-Language")],
        # The handler returns a page too; the document is what API clients get.
        responses={
            200: ResponseSpec(
                data_container=TrackedOrder,
                description="Where the order is (a browser preferring text/html gets a page)",
            )
        },
    )
    async def track(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        db_session: DbSession,
        lang: Annotated[
            str | None,
            QueryParameter(
                max_length=35,
                description="The page's language (`en`, `ro`, `ru`, `ka`), over any other",
            ),
        ] = None,
    ) -> TrackedOrder | Template:
        if not _wants_html(request):
            return await service.track_by_token(db_session, _guard(request, state), token)
        try:
            page = await service.page_by_token(db_session, _guard(request, state), token)
        except (NotFound, RateLimited) as error:
            return _refusal(request, lang, error)
        language = _language(request, lang, page.language)
        return Template(
            "track/page.html",
            context=page_context(page, language),
            headers={"Content-Language": language},
            media_type=MediaType.HTML,
        )

    @post(
        "/lookup",
        summary="Find an order by its number and the email it was placed with",
        description=(
            "The same document as `GET /track/{token}` without the pickup code and the"
            " tracking token (`null`): order numbers are sequential, so number and email"
            " show where an order is but never collect it; the code and the link are in the"
            " customer's messages. Limited per client: look-ups per minute, wrong ones per"
            " hour in all and at one order number; never per order alone, so nobody can"
            " lock the customer out." + _NOT_FOUND
        ),
        status_code=200,
        exclude_from_auth=True,
    )
    async def lookup(
        self,
        data: JSONBody[TrackLookupIn],
        request: Request[Any, Any, Any],
        state: State,
        db_session: DbSession,
    ) -> TrackedOrder:
        return await service.track_by_lookup(db_session, _guard(request, state), data)
