"""Public tracking routes: no API token; the tracking token (or number and email) is the key."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, ResponseHeader, State
from litestar.params import FromPath, JSONBody

from oms.http.client_address import client_address
from oms.http.deps import DbSession
from oms.tracking.schemas import TrackedOrder, TrackLookupIn
from oms.tracking.services import tracking as service

_NOT_FOUND = (
    " Anything that does not identify an order is the same 404 `not_found`; too many"
    " requests or misses from one client are 429 `rate_limited` with `Retry-After`, for"
    " every request of that client until the window ends."
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
            " collect) and a timeline in plain words. No contact details." + _NOT_FOUND
        ),
        exclude_from_auth=True,
    )
    async def track(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        db_session: DbSession,
    ) -> TrackedOrder:
        return await service.track_by_token(db_session, _guard(request, state), token)

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
