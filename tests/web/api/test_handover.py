"""Handing a pickup over at the counter: found by code, order number or the customer's
email; the code checked (wrong ones counted, then locked); a manager's override and
unlock with a reason; a double tap hands over once."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from oms.db.models import Location
from tests.support.fulfilment import advance, event_kinds, rows
from tests.support.pages import read_whole_list
from tests.support.web import SignedIn, sign_in
from tests.support.world import World
from tests.web.api.fulfilment_screens import (
    fulfilment_state,
    pickup_code,
    pickup_order,
    sku_with_barcode,
    submit,
)


async def _on_the_shelf(
    world: World, store: Location, email: str | None = None
) -> tuple[dict[str, Any], str]:
    tent, _ = await sku_with_barcode(world, "Tent")
    order, f_id = await pickup_order(world, store, [(tent, 2)], email=email)
    api = await world.token("associate", locations=(store,))
    await advance(world.client, api, f_id, "start-picking", "pack", "ready-for-pickup")
    return order, f_id


async def _search(signed: SignedIn, query: str) -> httpx.Response:
    page = await signed.get("/app/handover")
    assert 'id="handover-search"' in page.text
    return await submit(signed, page, "/app/handover", q=query)


async def test_found_by_order_number_and_handed_over_with_the_right_code(world: World) -> None:
    store = await world.location()
    order, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)

    page = await _search(associate, str(order["number"]))
    assert page.status_code == 200, page.text
    assert f"Order {order['number']}" in page.text
    assert 'id="pickup-code"' in page.text
    handed = await submit(associate, page, f"/app/handover/{f_id}", code=code.lower())

    assert handed.status_code == 200, handed.text
    assert "Handed over." in handed.text
    assert await fulfilment_state(world, f_id) == "picked_up"
    admin = await world.token("admin")
    read = (await world.client.get(f"/orders/{order['id']}", headers=admin)).json()
    assert read["status"] == "completed"
    assert read["fulfilments"][0]["state"] == "picked_up"
    events = await read_whole_list(world.client, f"/orders/{order['id']}/events", admin)
    assert events[-1]["kind"] == "fulfilment.picked_up"
    assert events[-1]["detail"]["verified_by"] == "code"


async def test_found_by_the_pickup_code_it_opens_with_the_code_filled_in(world: World) -> None:
    store = await world.location()
    _, f_id = await _on_the_shelf(world, store)
    await _on_the_shelf(world, store)  # another pickup on the same shelf
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)

    page = await _search(associate, f"{code[:3]} {code[3:]}")

    assert page.status_code == 200, page.text
    assert f'action="/app/handover/{f_id}"' in page.text
    assert f'value="{code}"' in page.text


async def test_found_by_the_customers_email(world: World) -> None:
    store = await world.location()
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    _, first = await _on_the_shelf(world, store, email=email)
    _, second = await _on_the_shelf(world, store, email=email)
    await _on_the_shelf(world, store)  # somebody else's
    associate = await sign_in(world, "associate", (store,))

    page = await _search(associate, email.upper())

    assert page.status_code == 200, page.text
    assert "2 pickups ready" in page.text
    assert f"/app/handover/{first}" in page.text
    assert f"/app/handover/{second}" in page.text


async def test_nothing_found_says_so(world: World) -> None:
    store = await world.location()
    await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))

    page = await _search(associate, "999999999")

    assert page.status_code == 200
    assert "No pickup ready at this store matches" in page.text


async def test_a_wrong_code_is_refused_counted_and_changes_nothing(world: World) -> None:
    store = await world.location()
    order, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)
    wrong = "".join("A" if ch != "A" else "C" for ch in code)
    page = await associate.get(f"/app/handover/{f_id}")

    refused = await submit(associate, page, f"/app/handover/{f_id}", code=wrong)

    assert refused.status_code == 422
    assert "The code does not match this order" in refused.text
    assert "4 more wrong codes and the code locks" in refused.text
    assert "pickup_code_mismatch" in refused.text
    assert await fulfilment_state(world, f_id) == "ready_for_pickup"
    tries = await rows(
        world,
        "SELECT pickup_code_failures AS n FROM fulfilment WHERE id = :id",
        id=uuid.UUID(f_id),
    )
    assert tries[0]["n"] == 1
    kinds = await event_kinds(world.client, world, order["id"])
    assert kinds[-1] == "fulfilment.pickup_code_wrong"
    # The refusal's page is a new form: the right code now hands over.
    handed = await submit(associate, refused, f"/app/handover/{f_id}", code=code)
    assert handed.status_code == 200, handed.text
    assert await fulfilment_state(world, f_id) == "picked_up"


async def test_too_many_wrong_codes_lock_it_until_a_manager_unlocks(world: World) -> None:
    store = await world.location()
    order, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)
    wrong = "".join("A" if ch != "A" else "C" for ch in code)
    page = await associate.get(f"/app/handover/{f_id}")
    for _ in range(5):  # OMS_PICKUP_CODE_ATTEMPTS' default
        page = await submit(associate, page, f"/app/handover/{f_id}", code=wrong)
    assert page.status_code == 423
    assert "the code is locked" in page.text
    locked = await submit(associate, page, f"/app/handover/{f_id}", code=code)
    assert locked.status_code == 423
    assert "pickup_code_locked" in locked.text
    # An associate may not unlock it, nor hand over without the code.
    assert "Unlock code" not in locked.text
    refused = await associate.post(
        f"/app/handover/{f_id}/unlock", {"reason": "customer is here", "idempotency_key": "u1"}
    )
    assert refused.status_code == 403
    refused = await associate.post(
        f"/app/handover/{f_id}", {"override_reason": "ID checked", "idempotency_key": "o1"}
    )
    assert refused.status_code == 403
    assert await fulfilment_state(world, f_id) == "ready_for_pickup"

    manager = await sign_in(world, "store_manager", (store,))
    page = await manager.get(f"/app/handover/{f_id}")
    page = await submit(manager, page, f"/app/handover/{f_id}/unlock", reason="ID checked")
    assert page.status_code == 200, page.text
    assert "unlocked" in page.text
    handed = await submit(manager, page, f"/app/handover/{f_id}", code=code)
    assert handed.status_code == 200, handed.text
    assert await fulfilment_state(world, f_id) == "picked_up"
    admin = await world.token("admin")
    events = await read_whole_list(world.client, f"/orders/{order['id']}/events", admin)
    unlocked = [e for e in events if e["kind"] == "fulfilment.pickup_code_unlocked"]
    assert unlocked[0]["detail"]["reason"] == "ID checked"


async def test_a_manager_hands_over_without_the_code_with_a_reason(world: World) -> None:
    store = await world.location()
    order, f_id = await _on_the_shelf(world, store)
    manager = await sign_in(world, "store_manager", (store,))
    page = await manager.get(f"/app/handover/{f_id}")
    assert 'id="override-reason"' in page.text

    handed = await submit(
        manager, page, f"/app/handover/{f_id}", override_reason="Lost phone, ID checked"
    )

    assert handed.status_code == 200, handed.text
    assert await fulfilment_state(world, f_id) == "picked_up"
    admin = await world.token("admin")
    events = await read_whole_list(world.client, f"/orders/{order['id']}/events", admin)
    assert events[-1]["kind"] == "fulfilment.picked_up"
    assert events[-1]["detail"]["verified_by"] == "override"
    assert events[-1]["detail"]["override_reason"] == "Lost phone, ID checked"


async def test_an_associate_gets_no_override_form_and_a_posted_one_is_refused(
    world: World,
) -> None:
    store = await world.location()
    _, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    page = await associate.get(f"/app/handover/{f_id}")
    assert 'id="override-reason"' not in page.text

    refused = await associate.post(
        f"/app/handover/{f_id}", {"override_reason": "trust me", "idempotency_key": "k"}
    )

    assert refused.status_code == 403
    assert "forbidden" in refused.text
    assert await fulfilment_state(world, f_id) == "ready_for_pickup"


async def test_handing_over_twice_with_one_form_does_it_once(world: World) -> None:
    store = await world.location()
    order, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)
    page = await associate.get(f"/app/handover/{f_id}")

    first = await submit(associate, page, f"/app/handover/{f_id}", code=code)
    second = await submit(associate, page, f"/app/handover/{f_id}", code=code)

    assert first.status_code == second.status_code == 200
    assert second.headers.get("idempotent-replayed") == "true"
    assert "Handed over." in second.text
    kinds = await event_kinds(world.client, world, order["id"])
    assert kinds.count("fulfilment.picked_up") == 1
    shipped = await rows(
        world,
        "SELECT count(*) AS n FROM stock_movement WHERE ref_id = :ref AND kind = 'ship'",
        ref=f_id,
    )
    assert shipped[0]["n"] == 1
    await world.assert_audit_clean()


async def test_a_double_tap_of_one_wrong_code_counts_once(world: World) -> None:
    store = await world.location()
    _, f_id = await _on_the_shelf(world, store)
    associate = await sign_in(world, "associate", (store,))
    code = await pickup_code(world, f_id)
    wrong = "".join("A" if ch != "A" else "C" for ch in code)
    page = await associate.get(f"/app/handover/{f_id}")

    first = await submit(associate, page, f"/app/handover/{f_id}", code=wrong)
    second = await submit(associate, page, f"/app/handover/{f_id}", code=wrong)

    assert first.status_code == second.status_code == 422
    assert second.headers.get("idempotent-replayed") == "true"
    tries = await rows(
        world,
        "SELECT pickup_code_failures AS n FROM fulfilment WHERE id = :id",
        id=uuid.UUID(f_id),
    )
    assert tries[0]["n"] == 1
