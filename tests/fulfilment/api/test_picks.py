"""Picking by scan through the API: each scan is counted on its line and kept, read back
in the pick list; wrong items, extra units and scans outside picking count nothing; two
associates scanning at once never count more than the line needs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from oms.db.models import Barcode, Location, Sku
from tests.support.fulfilment import Client, advance, fulfilment, picked, place, rows, step
from tests.support.world import World


async def _picking(
    client: Client, world: World, tents: int = 2, stoves: int = 3
) -> tuple[Location, Sku, Sku, str, dict[str, Any], dict[str, str]]:
    """A two-line pick under way: (store, tent, stove, tent's barcode, fulfilment, associate)."""
    store = await world.location()
    tent, stove = await world.sku(name="Tent"), await world.sku(name="Stove")
    gtin = f"9{uuid.uuid4().int % 10**12:012d}"
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=tent.id))
    await world.stock(tent, store, 20)
    await world.stock(stove, store, 20)
    order = await place(client, world, await world.channel(), [(tent, tents), (stove, stoves)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking")
    return store, tent, stove, gtin, f, associate


async def test_scans_are_counted_on_their_lines_and_kept(client: Client, world: World) -> None:
    _, tent, stove, gtin, f, associate = await _picking(client, world)

    by_barcode = await step(client, associate, f["id"], "picks", {"code": gtin})
    by_code = await step(
        client, associate, f["id"], "picks", {"code": stove.code.lower(), "quantity": 3}
    )

    assert by_barcode.status_code == 200, by_barcode.text
    assert by_code.status_code == 200, by_code.text
    lines = {line["sku"]: line for line in by_code.json()["lines"]}
    assert (lines[tent.code]["picked"], lines[tent.code]["quantity"]) == (1, 2)
    assert (lines[stove.code]["picked"], lines[stove.code]["quantity"]) == (3, 3)
    # Read back by another request, as a reloaded page or another associate would.
    assert await picked(client, associate, f["id"]) == {tent.code: 1, stove.code: 3}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "NOT-ON-THE-LIST"}, "is not on this pick list"),
        ({"code": "{stove}", "quantity": 4}, "needs only 3 more"),
    ],
)
async def test_a_wrong_item_or_extra_units_count_nothing(
    client: Client, world: World, body: dict[str, Any], message: str
) -> None:
    _, tent, stove, _, f, associate = await _picking(client, world)
    body = {**body, "code": body["code"].replace("{stove}", stove.code)}

    refused = await step(client, associate, f["id"], "picks", body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_input"
    assert message in refused.json()["detail"]
    assert await picked(client, associate, f["id"]) == {tent.code: 0, stove.code: 0}


@pytest.mark.parametrize(
    "body",
    [{"code": ""}, {"code": "   "}, {"code": "X", "quantity": 0}, {"code": "X", "quantity": 1000}],
)
async def test_malformed_scans_are_400(client: Client, world: World, body: dict[str, Any]) -> None:
    _, tent, stove, _, f, associate = await _picking(client, world)

    refused = await step(client, associate, f["id"], "picks", body)

    assert refused.status_code == 400, refused.text
    assert await picked(client, associate, f["id"]) == {tent.code: 0, stove.code: 0}


async def test_scans_count_only_while_picking(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    f = fulfilment(await place(client, world, await world.channel(), [(sku, 1)]))
    associate = await world.token("associate", locations=(store,))

    early = await step(client, associate, f["id"], "picks", {"code": sku.code})
    await advance(client, associate, f["id"], "start-picking", "pack")
    late = await step(client, associate, f["id"], "picks", {"code": sku.code})

    assert (early.status_code, late.status_code) == (409, 409)
    assert early.json()["code"] == "invalid_state"
    assert await picked(client, associate, f["id"]) == {sku.code: 0}


async def test_another_store_and_other_roles_cannot_count(client: Client, world: World) -> None:
    _, tent, stove, _, f, associate = await _picking(client, world)
    outsider = await world.token("associate", locations=(await world.location(),))
    integration = await world.token("integration", channel=(await world.channel()).code)

    hidden = await step(client, outsider, f["id"], "picks", {"code": tent.code})
    refused = await step(client, integration, f["id"], "picks", {"code": tent.code})

    assert hidden.status_code == 404
    assert refused.status_code in (403, 404)
    assert await picked(client, associate, f["id"]) == {tent.code: 0, stove.code: 0}


async def test_a_retried_scan_with_its_key_is_counted_once(client: Client, world: World) -> None:
    _, tent, stove, _, f, associate = await _picking(client, world)
    headers = {**associate, "Idempotency-Key": f"scan-{uuid.uuid4().hex}"}

    first = await step(client, headers, f["id"], "picks", {"code": tent.code})
    again = await step(client, headers, f["id"], "picks", {"code": tent.code})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert await picked(client, associate, f["id"]) == {tent.code: 1, stove.code: 0}


async def test_many_scans_at_once_never_count_more_than_the_line(
    client: Client, world: World
) -> None:
    store, tent, _, _, f, associate = await _picking(client, world, tents=10, stoves=1)
    other = await world.token("associate", locations=(store,))

    answers = await asyncio.gather(
        *(
            step(client, associate if n % 2 else other, f["id"], "picks", {"code": tent.code})
            for n in range(16)
        )
    )

    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 10 + [422] * 6
    [line] = await rows(
        world,
        "SELECT quantity_picked FROM fulfilment_line fl JOIN sku s ON s.id = fl.sku_id"
        " WHERE fl.fulfilment_id = :id AND s.code = :sku",
        id=uuid.UUID(f["id"]),
        sku=tent.code,
    )
    assert line["quantity_picked"] == 10


async def test_a_short_pick_takes_short_units_out_of_the_count(
    client: Client, world: World
) -> None:
    _, _, stove, _, f, associate = await _picking(client, world)
    await step(client, associate, f["id"], "picks", {"code": stove.code, "quantity": 3})
    line_no = next(
        line["line_no"]
        for line in (
            await client.get(f"/fulfilments/{f['id']}/pick-list", headers=associate)
        ).json()["lines"]
        if line["sku"] == stove.code
    )

    shorted = await step(
        client,
        associate,
        f["id"],
        "short-pick",
        {"lines": [{"line_no": line_no, "quantity_short": 1, "reason": "damaged"}]},
    )

    assert shorted.status_code == 200, shorted.text
    pick = (await client.get(f"/fulfilments/{f['id']}/pick-list", headers=associate)).json()
    stove_line = next(line for line in pick["lines"] if line["sku"] == stove.code)
    assert (stove_line["quantity"], stove_line["picked"]) == (2, 2)
    await world.assert_audit_clean()


async def test_one_sku_on_two_lines_fills_the_first_then_the_next(
    client: Client, world: World
) -> None:
    store = await world.location()
    tent = await world.sku(name="Tent")
    await world.stock(tent, store, 10)
    order = await place(client, world, await world.channel(), [(tent, 2), (tent, 3)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking")

    case = await step(client, associate, f["id"], "picks", {"code": tent.code, "quantity": 4})
    extra = await step(client, associate, f["id"], "picks", {"code": tent.code, "quantity": 2})

    assert case.status_code == 200, case.text
    assert sorted((line["quantity"], line["picked"]) for line in case.json()["lines"]) == [
        (2, 2),
        (3, 2),
    ]
    assert extra.status_code == 422
    assert "needs only 1 more" in extra.json()["detail"]
    last = await step(client, associate, f["id"], "picks", {"code": tent.code})
    assert [line["picked"] for line in last.json()["lines"]] == [
        line["quantity"] for line in last.json()["lines"]
    ]
