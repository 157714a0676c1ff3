"""The app's fulfilment queue: my store's work only, oldest first, by state, with age and
lateness; another store's associate sees none of it and can change none of it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.config import Settings
from oms.web.work_views import age_text
from tests.support.fulfilment import advance, event_kinds, rows
from tests.support.web import sign_in
from tests.support.world import World
from tests.web.api.fulfilment_screens import (
    fulfilment_state,
    pickup_code,
    pickup_order,
    ship_order,
    sku_with_barcode,
)


def _listed(page: str) -> list[int]:
    """Order numbers on the queue page, top to bottom."""
    return [int(n) for n in re.findall(r'data-order="(\d+)"', page)]


async def _age(world: World, fulfilment_id: str, hours: float) -> None:
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE fulfilment SET created_at = now() - CAST(:age AS interval) WHERE id = :id"
            ),
            {"age": timedelta(hours=hours), "id": uuid.UUID(fulfilment_id)},
        )


async def test_the_queue_lists_my_stores_work_oldest_first_with_age(world: World) -> None:
    store, elsewhere = await world.location(), await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    newer, newer_id = await pickup_order(world, store, [(tent, 1)])
    older, older_id = await ship_order(world, store, [(tent, 1)])
    other, _ = await pickup_order(world, elsewhere, [(tent, 1)])
    await _age(world, older_id, 2 + 10 / 60)
    associate = await sign_in(world, "associate", (store,))

    page = await associate.get("/app/work")

    assert page.status_code == 200, page.text
    assert _listed(page.text) == [older["number"], newer["number"]]
    assert other["number"] not in _listed(page.text)
    assert "2 h 10 min" in page.text
    assert "Ship to customer" in page.text
    # Over two hours on the shop floor: late.
    older_item = page.text.split(f'data-order="{older["number"]}"')[0].rsplit("<a", 1)[1]
    newer_item = page.text.split(f'data-order="{newer["number"]}"')[0].rsplit("<a", 1)[1]
    assert "late" in older_item
    assert "late" not in newer_item
    assert f'href="/app/work/{newer_id}"' in page.text


async def test_lateness_follows_the_setting(
    settings: Settings, engine: AsyncEngine, world: World
) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    order, f_id = await pickup_order(world, store, [(tent, 1)])
    await _age(world, f_id, 0.75)
    strict = msgspec.structs.replace(settings, app_late_after_minutes=30)
    async with AsyncTestClient(app=create_app(strict), base_url="http://127.0.0.1") as client:
        associate = await sign_in(World(world.sessionmaker, client), "associate", (store,))
        queue = await associate.get("/app/work")
        detail = await associate.get(f"/app/work/{f_id}")

    item = queue.text.split(f'data-order="{order["number"]}"')[0].rsplit("<a", 1)[1]
    assert "late" in item
    assert "Late</span>" in detail.text
    # The same 45 minutes under the default two hours: not late.
    default = await sign_in(world, "associate", (store,))
    assert "Late</span>" not in (await default.get(f"/app/work/{f_id}")).text


async def test_the_queue_filters_by_state(world: World) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    waiting, _ = await pickup_order(world, store, [(tent, 1)])
    picking, picking_id = await pickup_order(world, store, [(tent, 1)])
    ready, ready_id = await pickup_order(world, store, [(tent, 1)])
    api = await world.token("associate", locations=(store,))
    await advance(world.client, api, picking_id, "start-picking")
    await advance(world.client, api, ready_id, "start-picking", "pack", "ready-for-pickup")
    associate = await sign_in(world, "associate", (store,))

    everything = await associate.get("/app/work")
    to_pick = await associate.get("/app/work?state=pending")
    in_picking = await associate.get("/app/work?state=picking")
    on_shelf = await associate.get("/app/work?state=ready_for_pickup")
    unknown = await associate.get("/app/work?state=lost")

    assert _listed(everything.text) == [waiting["number"], picking["number"], ready["number"]]
    assert _listed(to_pick.text) == [waiting["number"]]
    assert _listed(in_picking.text) == [picking["number"]]
    assert _listed(on_shelf.text) == [ready["number"]]
    assert unknown.status_code == 422
    assert "unknown state" in unknown.text


async def test_another_stores_associate_cannot_see_or_change_this_stores_work(
    world: World,
) -> None:
    store, elsewhere = await world.location(), await world.location()
    tent, tent_gtin = await sku_with_barcode(world, "Tent")
    order, pending_id = await pickup_order(world, store, [(tent, 1)])
    _, packed_id = await ship_order(world, store, [(tent, 1)])
    _, ready_id = await pickup_order(world, store, [(tent, 1)])
    api = await world.token("associate", locations=(store,))
    await advance(world.client, api, packed_id, "start-picking", "pack")
    await advance(world.client, api, ready_id, "start-picking", "pack", "ready-for-pickup")
    code = await pickup_code(world, ready_id)
    intruder = await sign_in(world, "associate", (elsewhere,))
    events_before = await event_kinds(world.client, world, order["id"])

    queue = await intruder.get("/app/work")
    assert order["number"] not in _listed(queue.text)
    # Opening it directly: the API's 404, for the page and the hand-over page alike.
    api_answer = await world.client.get(
        f"/fulfilments/{pending_id}/pick-list",
        headers=await world.token("associate", locations=(elsewhere,)),
    )
    assert api_answer.status_code == 404
    for path in (f"/app/work/{pending_id}", f"/app/handover/{ready_id}"):
        page = await intruder.get(path)
        assert page.status_code == 404, path
        assert "not_found" in page.text
    # Posting the forms directly: refused, nothing changes.
    posts: list[tuple[str, dict[str, object]]] = [
        (f"/app/work/{pending_id}/start-picking", {}),
        (f"/app/work/{pending_id}/scan", {"code": tent_gtin, "picks": ""}),
        (f"/app/work/{pending_id}/finish-picking", {"picks": "1:1"}),
        (f"/app/work/{pending_id}/short-pick", {"line_no": 1, "quantity": 1, "reason": "other"}),
        (f"/app/work/{packed_id}/ship", {"carrier": "DPD", "tracking_number": "X1"}),
        (f"/app/work/{packed_id}/ready-for-pickup", {}),
        (f"/app/handover/{ready_id}", {"code": code}),
        (f"/app/handover/{ready_id}/unlock", {"reason": "let me in"}),
    ]
    for path, data in posts:
        answer = await intruder.post(path, {**data, "idempotency_key": uuid.uuid4().hex})
        assert answer.status_code == 404, (path, answer.status_code)
    # The hand-over search does not find it either.
    found = await intruder.post("/app/handover", {"q": code})
    assert f"/app/handover/{ready_id}" not in found.text

    assert await fulfilment_state(world, pending_id) == "pending"
    assert await fulfilment_state(world, packed_id) == "packed"
    assert await fulfilment_state(world, ready_id) == "ready_for_pickup"
    assert await event_kinds(world.client, world, order["id"]) == events_before
    tries = await rows(
        world,
        "SELECT pickup_code_failures AS n FROM fulfilment WHERE id = :id",
        id=uuid.UUID(ready_id),
    )
    assert tries[0]["n"] == 0
    await world.assert_audit_clean()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(59, "0 min"), (5 * 60, "5 min"), (2 * 3600, "2 h"), (7800, "2 h 10 min"), (97200, "1 d 3 h")],
)
def test_ages_read_as_hours_and_minutes(seconds: int, shown: str) -> None:
    assert age_text(seconds) == shown
