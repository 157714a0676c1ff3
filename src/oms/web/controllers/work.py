"""The fulfilment queue of the store the associate stands in, and one fulfilment. The steps
that change a fulfilment, counting a scan among them, are in ``work_steps``.

Everything is read through the API's own services with the session's principal
(``queue.list_queue``, ``queue.pick_list``, ``queue.get_card``), so another store's
fulfilment is the API's 404 here too.
"""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.fulfilment_flow import DEFAULT_SHORT_PICK_EFFECTS, allowed_next
from oms.domain.picking import missing_picks
from oms.fulfilment.schemas import FulfilmentCard, PickLine
from oms.fulfilment.services import queue
from oms.http.deps import DbSession
from oms.web import work_views as views
from oms.web.once import new_form_key
from oms.web.pages import page
from oms.web.staff import SignedIn, Staff

QUEUE_LIMIT = 100
SHORT_PICK_REASONS = {
    "not_found": "Not on the shelf",
    "damaged": "Damaged",
    "wrong_item": "Wrong item on the shelf",
    "other": "Other",
    "no_capacity": "No time to pick it",
}
assert set(SHORT_PICK_REASONS) == set(DEFAULT_SHORT_PICK_EFFECTS)  # the API's reasons


def late_after_seconds(state: State) -> float:
    """When work on the shop floor counts as late (``OMS_APP_LATE_AFTER_MINUTES``)."""
    return float(state.settings.app_late_after_minutes) * 60


def fulfilment_path(fulfilment_id: uuid.UUID) -> str:
    return f"/app/work/{fulfilment_id}"


def stay_on(fulfilment_id: uuid.UUID) -> dict[str, str]:
    """A boosted form's answer keeps the fulfilment's own address in the browser (not the
    form's action, which a reload could not open)."""
    return {"HX-Replace-Url": fulfilment_path(fulfilment_id)}


async def detail_context(
    session: AsyncSession,
    staff: Staff,
    fulfilment_id: uuid.UUID,
    *,
    late_after_seconds: float,
    done: str | None = None,
    last_scan: PickLine | None = None,
) -> dict[str, Any]:
    """Everything ``work_detail.html`` shows. The pick list is read first: it is the
    store-work read (another store's fulfilment is a NotFound, as in the API)."""
    principal: Principal = staff.principal
    pick = await queue.pick_list(session, principal, fulfilment_id)
    card = await queue.get_card(session, principal, fulfilment_id)
    fulfilment = card.fulfilment
    return {
        "card": card,
        "pick": pick,
        "rows": pick.lines,
        "all_picked": bool(pick.lines) and missing_picks(pick.lines) is None,
        "next_states": allowed_next(fulfilment.state, fulfilment.method),
        "can_short": fulfilment.state in ("pending", "picking", "packed")
        and not card.awaiting_transfer,
        "state_label": views.STATE_LABELS.get(fulfilment.state, fulfilment.state),
        "method_label": views.METHOD_LABELS.get(fulfilment.method, fulfilment.method),
        "age": views.age_text(card.age_seconds),
        "late": views.is_late(card, late_after_seconds),
        "reasons": SHORT_PICK_REASONS,
        "done": done,
        "last_scan": last_scan,
        "new_key": new_form_key,
        "path": fulfilment_path(fulfilment_id),
    }


class WorkController(Controller):
    path = "/app/work"
    include_in_schema = False

    @get("/")
    async def queue_page(
        self,
        staff: SignedIn,
        state: State,
        db_session: DbSession,
        # ``state`` is Litestar's name for the app state: the query is read under another.
        tab: Annotated[str | None, QueryParameter(name="state", max_length=40)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Template:
        staff.here()
        tab = tab or None
        states = [views.api_state(tab)] if tab is not None else None
        found = await queue.list_queue(
            db_session,
            staff.principal,
            location=str(staff.view.store_code),
            states=states,  # type: ignore[arg-type]  # checked by api_state
            method=None,
            limit=QUEUE_LIMIT,
            cursor=cursor,
        )
        cards = [card for card in found.items if views.in_tab(card, tab)]
        groups: list[tuple[str, str, list[FulfilmentCard]]] = [
            (value, label, [c for c in cards if views.tab_of(c) == value])
            for value, label in views.TABS
            if tab in (None, value)
        ]
        return page(
            "app/work.html",
            staff,
            state,
            tabs=views.TABS,
            tab=tab,
            groups=groups,
            total=len(cards),
            next_cursor=found.next_cursor,
            age=views.age_text,
            is_late=functools.partial(views.is_late, late_after_seconds=late_after_seconds(state)),
            units=views.units,
            methods=views.METHOD_LABELS,
        )

    @get("/{fulfilment_id:uuid}")
    async def fulfilment_page(
        self,
        fulfilment_id: FromPath[uuid.UUID],
        staff: SignedIn,
        state: State,
        db_session: DbSession,
    ) -> Template:
        staff.here()
        context = await detail_context(
            db_session, staff, fulfilment_id, late_after_seconds=late_after_seconds(state)
        )
        return page("app/work_detail.html", staff, state, **context)
