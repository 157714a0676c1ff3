"""What the customer reads: only listed events, in plain words; internal steps hidden."""

from __future__ import annotations

from oms.customers.services.profiles import classify_query
from oms.tracking.services.texts import fulfilment_status_text, order_status_text, timeline_text


def said(kind: str, method: str | None = None) -> str | None:
    text = timeline_text(kind, method=method, location="Leeds", destination="York")
    return None if text is None else text.text


def test_order_events_in_plain_words() -> None:
    assert said("order.placed") == "Order placed"
    assert said("order.cancelled") == "Order cancelled"
    assert said("order.something_new") is None


def test_fulfilment_events_name_the_store_where_it_matters() -> None:
    assert said("fulfilment.ready_for_pickup", "pickup") == "Ready to collect at Leeds"
    assert said("fulfilment.shipped", "ship") == "Shipped"
    assert said("fulfilment.picked_up", "pickup") == "Collected"
    assert said("fulfilment.transfer_received", "pickup") == "Arrived at Leeds"


def test_internal_steps_are_hidden() -> None:
    assert said("fulfilment.rejected", "ship") is None
    assert said("fulfilment.short_picked", "ship") is None
    assert said("fulfilment.created", "pickup") is None
    assert said("notification.skipped") is None
    assert said("fulfilment.packed", None) is None  # an event without its fulfilment


def test_a_transfer_shows_only_its_journey_to_the_store() -> None:
    assert said("fulfilment.shipped", "transfer") == "On its way to York"
    assert said("fulfilment.picking", "transfer") is None
    assert said("fulfilment.packed", "transfer") is None


def test_status_texts() -> None:
    assert order_status_text("backordered") == "Waiting for stock"
    assert fulfilment_status_text("pickup", "pending", awaiting_transfer=True) == (
        "On its way to the store"
    )
    assert fulfilment_status_text("ship", "pending", awaiting_transfer=False) == "Being prepared"
    assert fulfilment_status_text("ship", "packed", awaiting_transfer=False) == (
        "Packed, ready to ship"
    )


def test_customer_search_reads_emails_phones_and_names() -> None:
    assert classify_query(" Ann@Example.COM ") == ("email", "ann@example.com")
    assert classify_query("07700 900123") == ("phone", "+447700900123")
    assert classify_query("+44 (7700) 900-123") == ("phone", "+447700900123")
    assert classify_query("  Ann   Smith ") == ("name", "ann smith")
    assert classify_query("1234") == ("name", "1234")  # too short for a phone
