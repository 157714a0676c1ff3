"""HTTP routes for the store's fulfilment work: the queue, pick lists and every step."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from oms.fulfilment.schemas import (
    FulfilmentCard,
    FulfilmentQueue,
    HandOverIn,
    PickIn,
    PickList,
    PickupCodeStatus,
    RejectIn,
    ShipIn,
    ShortPickIn,
    UnlockPickupCodeIn,
)
from oms.fulfilment.services import picking, pickup, queue, shipping, short_pick, transitions
from oms.http.deps import Caller, DbSession
from oms.http.idempotent import Creating
from oms.http.params import PageCursor, PageLimit
from oms.http.problems import domain_error_handler
from oms.orders.schemas import FulfilmentMethod, FulfilmentOut, FulfilmentState

_ILLEGAL = " A step the fulfilment's state does not allow is refused with 409 `invalid_state`."


class FulfilmentController(Controller):
    path = "/fulfilments"
    tags = ["fulfilment"]

    @get(
        "/",
        summary="A location's fulfilments by state, oldest first",
        description=(
            "Without `state` the open work: pending, picking, packed and ready for pickup."
            " `state` may be repeated. Store tokens see only their own locations (403)."
        ),
    )
    async def list_queue(
        self,
        db_session: DbSession,
        principal: Caller,
        location: FromQuery[str],
        # ``state`` is a name Litestar reserves for the app state: read it under another.
        states: Annotated[list[FulfilmentState] | None, QueryParameter(name="state")] = None,
        method: FromQuery[FulfilmentMethod | None] = None,
        limit: PageLimit = 100,
        cursor: PageCursor = None,
    ) -> FulfilmentQueue:
        return await queue.list_queue(
            db_session,
            principal,
            location=location,
            states=states,
            method=method,
            limit=limit,
            cursor=cursor,
        )

    @get("/{fulfilment_id:uuid}", summary="A fulfilment with its order and age")
    async def get_fulfilment(
        self, fulfilment_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> FulfilmentCard:
        return await queue.get_card(db_session, principal, fulfilment_id)

    @get(
        "/{fulfilment_id:uuid}/pick-list",
        summary="What to pick: SKU, name, barcodes and units, in SKU order",
    )
    async def pick_list(
        self, fulfilment_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> PickList:
        return await queue.pick_list(db_session, principal, fulfilment_id)

    @post(
        "/{fulfilment_id:uuid}/picks",
        summary="Count scanned units into the tote",
        description=(
            "While picking: `code` is the item's SKU code or barcode, `quantity` the units"
            " this scan counts (1 unless a case is scanned). The count is kept per line and"
            " shown as `picked` in the pick list. An item on no line, or more units than its"
            " line still needs, is 422 `invalid_input` and counts nothing; before picking"
            " has started it is 409 `invalid_state`. Send an `Idempotency-Key` so that a"
            " retried scan is not counted twice. Packing does not require every unit to"
            " have been counted here: a warehouse system that confirms picks itself may"
            " pack directly."
        ),
        status_code=200,
    )
    async def record_pick(
        self, fulfilment_id: FromPath[uuid.UUID], data: JSONBody[PickIn], creation: Creating
    ) -> Response[PickList]:
        return await creation.respond(
            lambda: picking.record_pick(creation.session, creation.principal, fulfilment_id, data),
            200,
        )

    @post(
        "/{fulfilment_id:uuid}/start-picking",
        summary="Start picking",
        description="A pickup still waiting for its transfer cannot start." + _ILLEGAL,
        status_code=200,
    )
    async def start_picking(
        self, fulfilment_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> FulfilmentOut:
        return await transitions.start_picking(db_session, principal, fulfilment_id)

    @post(
        "/{fulfilment_id:uuid}/pack",
        summary="Mark packed",
        description=_ILLEGAL.strip(),
        status_code=200,
    )
    async def pack(
        self, fulfilment_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> FulfilmentOut:
        return await transitions.pack(db_session, principal, fulfilment_id)

    @post(
        "/{fulfilment_id:uuid}/ship",
        summary="Ship a packed parcel, or send a transfer to the pickup store",
        description=(
            "A parcel needs `carrier` and `tracking_number` (and may give"
            " `carrier_tracking_url`, the carrier's https page for it); its reserved units"
            " leave on_hand (ledger `ship`) and the customer is sent a message that it is on"
            " its way. A transfer fulfilment opens a transfer to the pickup store"
            " (ledger `transfer_out`); receiving it reserves the units for the pickup." + _ILLEGAL
        ),
        status_code=200,
    )
    async def ship(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        data: JSONBody[ShipIn],
        state: State,
        db_session: DbSession,
        principal: Caller,
    ) -> FulfilmentOut:
        return await shipping.ship(
            db_session, principal, fulfilment_id, data, public_url=state.settings.public_url
        )

    @post(
        "/{fulfilment_id:uuid}/ready-for-pickup",
        summary="Put a packed pickup on the shelf and send the customer the pickup code",
        description=_ILLEGAL.strip(),
        status_code=200,
    )
    async def ready_for_pickup(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        state: State,
        db_session: DbSession,
        principal: Caller,
    ) -> FulfilmentOut:
        return await pickup.ready_for_pickup(
            db_session, principal, fulfilment_id, public_url=state.settings.public_url
        )

    @post(
        "/{fulfilment_id:uuid}/hand-over",
        summary="Hand a pickup to the customer against the pickup code",
        description=(
            "Send `code`, or `override_reason` (store managers only). A wrong code is 422"
            " `pickup_code_mismatch` (with `attempts_left`), changes no stock and is recorded"
            " on the order's timeline (`fulfilment.pickup_code_wrong`, without the code)."
            " The wrong code that uses up the attempts (`OMS_PICKUP_CODE_ATTEMPTS`) locks"
            " the code: it and every later `code` are 423 `pickup_code_locked`, the right"
            " code included, until a store manager unlocks it; the manager's override"
            " still works. The units leave on_hand (ledger `ship`, reason `picked_up`)." + _ILLEGAL
        ),
        status_code=200,
        opt={"problems": (423,)},
    )
    async def hand_over(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        data: JSONBody[HandOverIn],
        request: Request[Any, Any, Any],
        state: State,
        db_session: DbSession,
        principal: Caller,
    ) -> Response[FulfilmentOut]:
        result = await pickup.hand_over(
            db_session,
            principal,
            fulfilment_id,
            data,
            attempts=state.settings.pickup_code_attempts,
        )
        if isinstance(result, pickup.Refused):
            # Returned, not raised: the transaction commits the count of wrong codes.
            return cast(Response[FulfilmentOut], domain_error_handler(request, result.error))
        return Response(result)

    @post(
        "/{fulfilment_id:uuid}/unlock-pickup-code",
        summary="Let a locked pickup code be tried again (store managers, with a reason)",
        description=(
            "After too many wrong codes a pickup's code is locked. A store manager at the"
            " store (or an admin) unlocks it with a `reason`; the count of wrong codes"
            " starts afresh and the order's timeline records who and why"
            " (`fulfilment.pickup_code_unlocked`). Associates get 403; a code that is not"
            " locked, or a pickup no longer on the shelf, is 409 `invalid_state`."
        ),
        status_code=200,
    )
    async def unlock_pickup_code(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        data: JSONBody[UnlockPickupCodeIn],
        state: State,
        db_session: DbSession,
        principal: Caller,
    ) -> PickupCodeStatus:
        return await pickup.unlock_pickup_code(
            db_session,
            principal,
            fulfilment_id,
            data,
            attempts=state.settings.pickup_code_attempts,
        )

    @post(
        "/{fulfilment_id:uuid}/short-pick",
        summary="Report units that cannot be picked; they are routed elsewhere",
        description=(
            "Releases exactly the short units and applies the reason to the shelf:"
            " `not_found` counts it, `damaged` writes the units off, `wrong_item` and"
            " `other` flag it for a count, `no_capacity` leaves it. A fulfilment left with"
            " nothing is rejected. The order's open units are then routed again."
        ),
        status_code=200,
    )
    async def short_pick(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        data: JSONBody[ShortPickIn],
        db_session: DbSession,
        principal: Caller,
    ) -> FulfilmentOut:
        return await short_pick.short_pick(db_session, principal, fulfilment_id, data)

    @post(
        "/{fulfilment_id:uuid}/reject",
        summary="Give the whole fulfilment back (a short pick of every unit)",
        status_code=200,
    )
    async def reject(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        data: JSONBody[RejectIn],
        db_session: DbSession,
        principal: Caller,
    ) -> FulfilmentOut:
        return await short_pick.reject(db_session, principal, fulfilment_id, data)
