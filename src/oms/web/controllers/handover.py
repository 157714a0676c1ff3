"""Handing a pickup to the customer at the counter: find it, check what is handed over,
verify the pickup code, complete.

The steps call the services of the API's ``hand-over`` and ``unlock-pickup-code`` routes
with the session's principal: a wrong code is counted (and locks the code after too
many), only a store manager may hand over without the code (with a reason) or unlock a
locked code. A wrong code is a refusal whose count must be kept, so, as in the API, it is
answered without rolling the request back; its page carries a fresh form key, so a double
tap of one wrong code counts once and the next code typed is a new try.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action
from oms.domain.errors import DomainError
from oms.fulfilment.schemas import HandOverIn, UnlockPickupCodeIn
from oms.fulfilment.services import pickup, queue
from oms.http.deps import DbSession
from oms.http.problems import domain_status
from oms.web import work_views as views
from oms.web.controllers.work_steps import Key, Text
from oms.web.forms import FORM, api_input
from oms.web.handover_lookup import find_ready_pickups
from oms.web.once import Rendered, new_form_key, submit_once
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff

DETAIL = "app/handover_detail.html"
SEARCH = "app/handover.html"


class SearchForm(msgspec.Struct, frozen=True):
    q: Annotated[str, msgspec.Meta(max_length=320)] = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class HandOverForm(msgspec.Struct, frozen=True):
    code: Annotated[str, msgspec.Meta(max_length=64)] = ""
    override_reason: Text = ""
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


class UnlockForm(msgspec.Struct, frozen=True):
    reason: Text = ""
    idempotency_key: Key = ""
    csrf: str = msgspec.field(name="_csrf", default="")


def pickup_path(fulfilment_id: uuid.UUID) -> str:
    return f"/app/handover/{fulfilment_id}"


def _refusal(error: DomainError) -> dict[str, Any]:
    status = domain_status(type(error))
    left = error.extra.get("attempts_left")
    detail = error.detail
    if error.code == "pickup_code_mismatch":
        detail = "The code does not match this order. Check it with the customer."
        if left is not None:
            detail += f" {left} more wrong code{'' if left == 1 else 's'} and the code locks."
    elif error.code == "pickup_code_locked":
        detail = (
            "Too many wrong codes were tried, so the code is locked. A store manager can"
            " unlock it, or check the customer's ID and hand over with a reason."
        )
    return {"title": error.title, "detail": detail, "code": error.code, "status": status}


async def detail_context(
    session: AsyncSession,
    staff: Staff,
    fulfilment_id: uuid.UUID,
    *,
    done: str | None = None,
    refusal: DomainError | None = None,
    code: str = "",
) -> dict[str, Any]:
    """What ``handover_detail.html`` shows; the store-work read comes first (another
    store's pickup is the API's 404)."""
    principal = staff.principal
    pick = await queue.pick_list(session, principal, fulfilment_id)
    card = await queue.get_card(session, principal, fulfilment_id)
    return {
        "card": card,
        "pick": pick,
        "state_label": views.STATE_LABELS.get(card.fulfilment.state, card.fulfilment.state),
        # Which forms to offer; the services decide (a direct post is refused the same).
        "may_override": principal.may(Action.OVERRIDE_PICKUP_CODE),
        "may_unlock": principal.may(Action.UNLOCK_PICKUP_CODE),
        "done": done,
        "refusal": _refusal(refusal) if refusal is not None else None,
        "code": code,
        "new_key": new_form_key,
        "path": pickup_path(fulfilment_id),
    }


class HandOverController(Controller):
    path = "/app/handover"
    include_in_schema = False

    @get("/")
    async def search_page(self, staff: SignedIn, state: State) -> Template:
        staff.here()
        return page(SEARCH, staff, state, q="", found=None, methods=views.METHOD_LABELS)

    @post("/", opt={"content_types": FORM})
    async def search(
        self,
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[SearchForm],
    ) -> Template:
        """A post, not a query string: pickup codes, emails and phone numbers stay out of
        addresses and access logs. One match opens it straight away."""
        here = staff.here()
        found = await find_ready_pickups(
            db_session,
            staff.principal,
            store_id=here,
            store_code=str(staff.view.store_code),
            query=data.q,
            grant_minutes=state.settings.customer_access_minutes,
        )
        if len(found.rows) == 1:
            only = found.rows[0].id
            context = await detail_context(db_session, staff, only, code=found.code or "")
            # The browser shows the pickup's own address (the code stays out of it).
            headers = {"HX-Push-Url": pickup_path(only)}
            return page(DETAIL, staff, state, headers=headers, **context)
        return page(SEARCH, staff, state, q=data.q, found=found, methods=views.METHOD_LABELS)

    @get("/{fulfilment_id:uuid}")
    async def pickup_page(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
    ) -> Template:
        staff.here()
        return page(DETAIL, staff, state, **await detail_context(db_session, staff, fulfilment_id))

    @post("/{fulfilment_id:uuid}", opt={"content_types": FORM})
    async def hand_over(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[HandOverForm],
    ) -> Response[Any]:
        staff.here()

        async def work() -> Rendered:
            raw = {
                "code": data.code.strip() or None,
                "override_reason": data.override_reason.strip() or None,
            }
            result = await pickup.hand_over(
                db_session,
                staff.principal,
                fulfilment_id,
                api_input(HandOverIn, **raw),
                attempts=state.settings.pickup_code_attempts,
            )
            if isinstance(result, pickup.Refused):
                # Kept, not rolled back: the wrong code is counted (see the module's doc).
                context = await detail_context(
                    db_session, staff, fulfilment_id, refusal=result.error
                )
                return Rendered(DETAIL, context, status_code=domain_status(type(result.error)))
            context = await detail_context(db_session, staff, fulfilment_id, done="Handed over.")
            return Rendered(DETAIL, context)

        return await submit_once(request, state, db_session, staff, work)

    @post("/{fulfilment_id:uuid}/unlock", opt={"content_types": FORM})
    async def unlock(
        self,
        request: Request[Any, Any, Any],
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        data: URLEncodedBody[UnlockForm],
    ) -> Response[Any]:
        staff.here()

        async def work() -> Rendered:
            body = api_input(UnlockPickupCodeIn, reason=data.reason.strip())
            await pickup.unlock_pickup_code(
                db_session,
                staff.principal,
                fulfilment_id,
                body,
                attempts=state.settings.pickup_code_attempts,
            )
            done = "The pickup code is unlocked: the customer's code can be tried again."
            return Rendered(
                DETAIL, await detail_context(db_session, staff, fulfilment_id, done=done)
            )

        return await submit_once(request, state, db_session, staff, work)
