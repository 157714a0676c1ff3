"""The order timeline's vocabulary: every kind is an ``EventKind`` whose value is stored."""

from __future__ import annotations

from typing import get_args

import pytest

from oms.domain.fulfilment_flow import State
from oms.orders.services.events import EventKind, entered
from oms.tracking.services.texts import TimelineText, timeline_text


def test_stored_values_are_the_kinds_orders_have_always_recorded() -> None:
    assert {kind.value for kind in EventKind} == {
        "order.placed",
        "order.backordered",
        "order.edited",
        "order.lines_cancelled",
        "order.cancelled",
        "order.returned",
        "order.accessed_by_staff",
        "order.duplicate_with_different_body",
        "order.price_overridden",
        "fulfilment.created",
        "fulfilment.picking",
        "fulfilment.packed",
        "fulfilment.shipped",
        "fulfilment.ready_for_pickup",
        "fulfilment.picked_up",
        "fulfilment.rejected",
        "fulfilment.cancelled",
        "fulfilment.short_picked",
        "fulfilment.transfer_arrived",
        "fulfilment.transfer_received",
        "fulfilment.pickup_code_wrong",
        "fulfilment.pickup_code_locked",
        "fulfilment.pickup_code_unlocked",
        "notification.skipped",
    }


@pytest.mark.parametrize("state", [s for s in get_args(State) if s != "pending"])
def test_every_state_a_fulfilment_enters_has_its_event(state: str) -> None:
    assert entered(state).value == f"fulfilment.{state}"


def test_no_fulfilment_enters_pending_so_it_has_no_event() -> None:
    with pytest.raises(ValueError, match=r"fulfilment\.pending"):
        entered("pending")


def test_the_timeline_reads_stored_kinds_as_plain_text() -> None:
    def said(kind: str, method: str | None) -> TimelineText | None:
        return timeline_text(kind, method=method, location=None, destination="Bath")

    assert said("order.placed", None) == TimelineText("placed", "Order placed")
    assert said("fulfilment.shipped", "ship") == TimelineText("shipped", "Shipped")
    assert said("fulfilment.shipped", "transfer") == TimelineText(
        "on_way_to_store", "On its way to Bath"
    )
    for internal in ("order.accessed_by_staff", "fulfilment.rejected", "notification.skipped"):
        assert said(internal, "ship") is None
