"""SKUs through the HTTP API: CRUD, barcodes, validation, uniqueness, search and paging."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from oms.catalogue.schemas import SkuIn
from oms.catalogue.services import skus
from oms.domain.access import Principal, Role
from oms.domain.errors import AlreadyExists
from oms.domain.gtin import check_digit
from tests.support.catalogue import new_gtin13
from tests.support.world import World, unique


async def test_sku_create_read_update_delete(world: World) -> None:
    admin = await world.token("admin")
    code = unique("SKU")
    first, second, third = new_gtin13(), new_gtin13(), new_gtin13()
    spaced = f"{first[:1]} {first[1:7]} {first[7:]}"

    created = await world.client.post(
        "/skus",
        json={
            "code": code,
            "name": "Merino crew jumper, navy, M",
            "barcodes": [spaced, second],
            "attributes": {"colour": "navy", "size": "M", "weight_g": 310, "organic": True},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["barcodes"] == sorted([first, second])
    assert out["attributes"] == {"colour": "navy", "size": "M", "weight_g": 310, "organic": True}
    assert out["active"] is True
    assert (await world.client.get(f"/skus/{code}", headers=admin)).json() == out

    renamed = await world.client.patch(
        f"/skus/{code}", json={"name": "Merino crew jumper, navy, medium"}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Merino crew jumper, navy, medium"
    assert renamed.json()["barcodes"] == out["barcodes"]  # not sent, not touched
    assert renamed.json()["attributes"] == out["attributes"]

    replaced = await world.client.patch(
        f"/skus/{code}", json={"barcodes": [third, second], "active": False}, headers=admin
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["barcodes"] == sorted([second, third])
    assert replaced.json()["active"] is False
    assert replaced.json()["updated_at"] > renamed.json()["updated_at"]

    # The dropped barcode is free again.
    other = await world.client.post(
        "/skus", json={"code": unique("SKU"), "name": "Other", "barcodes": [first]}, headers=admin
    )
    assert other.status_code == 201, other.text

    deleted = await world.client.delete(f"/skus/{code}", headers=admin)
    assert deleted.status_code == 204
    assert (await world.client.get(f"/skus/{code}", headers=admin)).status_code == 404
    # Its barcodes went with it.
    reuse = await world.client.post(
        "/skus", json={"code": unique("SKU"), "name": "Reuse", "barcodes": [second]}, headers=admin
    )
    assert reuse.status_code == 201, reuse.text
    assert (await world.client.patch(f"/skus/{code}", json={}, headers=admin)).status_code == 404


async def test_duplicate_sku_code_is_409(world: World) -> None:
    admin = await world.token("admin")
    sku = await world.sku()
    response = await world.client.post(
        "/skus", json={"code": sku.code, "name": "Clash"}, headers=admin
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"
    assert sku.code in response.json()["detail"]


async def test_barcode_belongs_to_one_sku_network_wide(world: World) -> None:
    admin = await world.token("admin")
    owner = unique("SKU")
    body = "0" + "".join(random.choices("0123456789", k=10))
    upc = body + str(check_digit(body))  # a UPC-A starting with 0 ...
    ean = "0" + upc  # ... is the same item as this EAN-13
    free = new_gtin13()
    created = await world.client.post(
        "/skus", json={"code": owner, "name": "Owner", "barcodes": [upc]}, headers=admin
    )
    assert created.status_code == 201, created.text

    for barcodes in ([upc], [free, ean], ["00" + upc]):
        code = unique("SKU")
        clash = await world.client.post(
            "/skus", json={"code": code, "name": "Clash", "barcodes": barcodes}, headers=admin
        )
        assert clash.status_code == 409, (barcodes, clash.text)
        problem = clash.json()
        assert problem["code"] == "already_exists"
        assert problem["extra"]["sku"] == owner
        assert problem["extra"]["barcode"] in barcodes
        assert owner in problem["detail"]
        # Nothing of the refused SKU was kept.
        assert (await world.client.get(f"/skus/{code}", headers=admin)).status_code == 404

    # The free barcode was not taken by the refused request either.
    other = unique("SKU")
    assert (
        await world.client.post(
            "/skus", json={"code": other, "name": "Other", "barcodes": [free]}, headers=admin
        )
    ).status_code == 201

    # Patching onto a taken barcode is refused and changes nothing.
    stolen = await world.client.patch(
        f"/skus/{other}", json={"name": "Renamed", "barcodes": [ean]}, headers=admin
    )
    assert stolen.status_code == 409
    assert stolen.json()["extra"] == {
        "barcode": ean,
        "sku": owner,
        "conflicts": [{"barcode": ean, "sku": owner}],
    }
    after = (await world.client.get(f"/skus/{other}", headers=admin)).json()
    assert after["name"] == "Other"
    assert after["barcodes"] == [free]

    # Writing the owner's own barcode at another length is a change of spelling, not a clash.
    respelled = await world.client.patch(f"/skus/{owner}", json={"barcodes": [ean]}, headers=admin)
    assert respelled.status_code == 200, respelled.text
    assert respelled.json()["barcodes"] == [ean]


async def test_concurrent_spellings_of_one_barcode_go_to_one_sku(world: World) -> None:
    admin = await world.token("admin")
    body = "0" + "".join(random.choices("0123456789", k=10))
    upc = body + str(check_digit(body))
    spellings = [upc, "0" + upc, "00" + upc] * 2
    responses = await asyncio.gather(
        *(
            world.client.post(
                "/skus",
                json={"code": unique("SKU"), "name": "Race", "barcodes": [spelling]},
                headers=admin,
            )
            for spelling in spellings
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    winner = next(r.json() for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["extra"]["sku"] == winner["code"]


async def test_a_spelling_waits_for_an_uncommitted_one_then_is_refused(world: World) -> None:
    """Two SKUs adding one item under different spellings: the second waits, then sees it."""
    admin = Principal(token_id=0, name="test", role=Role.ADMIN)
    body = "0" + "".join(random.choices("0123456789", k=10))
    upc = body + str(check_digit(body))
    first_code, second_code = unique("SKU"), unique("SKU")

    async def create_second() -> None:
        async with world.sessionmaker() as session, session.begin():
            data = SkuIn(code=second_code, name="Second", barcodes=["0" + upc])
            await skus.create_sku(session, admin, data)

    async with world.sessionmaker() as session, session.begin():
        data = SkuIn(code=first_code, name="First", barcodes=[upc])
        await skus.create_sku(session, admin, data)
        second = asyncio.create_task(create_second())
        await asyncio.sleep(0.5)
        assert not second.done(), "the second spelling did not wait for the first"
    with pytest.raises(AlreadyExists) as refused:
        await second
    assert refused.value.extra["sku"] == first_code
    assert refused.value.extra["barcode"] == "0" + upc


@pytest.mark.parametrize(
    ("barcodes", "message"),
    [
        (["4006381333932"], "wrong check digit"),
        (["400638133393X"], "only digits"),
        (["40063813339"], "8, 12, 13 or 14"),
        (["036000291452", "0036000291452"], "same item"),
        (["4006381333931", "4006381333931"], "same item"),
    ],
)
async def test_bad_barcodes_are_400(world: World, barcodes: list[str], message: str) -> None:
    admin = await world.token("admin")
    code = unique("SKU")
    response = await world.client.post(
        "/skus", json={"code": code, "name": "Bad", "barcodes": barcodes}, headers=admin
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"
    assert message in response.json()["detail"]
    sku = await world.sku()
    patched = await world.client.patch(
        f"/skus/{sku.code}", json={"barcodes": barcodes}, headers=admin
    )
    assert patched.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 301},
        {"attributes": {f"k{i}": i for i in range(51)}},
        {"attributes": {"nested": {"a": 1}}},
        {"attributes": {"list": [1]}},
        {"attributes": {"": "empty key"}},
        {"active": "yes"},
        {"barcodes": "4006381333931"},
        {"colour": "navy"},
    ],
)
async def test_invalid_sku_is_400(world: World, body: dict[str, Any]) -> None:
    admin = await world.token("admin")
    code = unique("SKU")
    response = await world.client.post(
        "/skus", json={"code": code, "name": "Valid", **body}, headers=admin
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"
    assert (await world.client.get(f"/skus/{code}", headers=admin)).status_code == 404


async def test_sku_with_stock_cannot_be_deleted(world: World) -> None:
    admin = await world.token("admin")
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    refused = await world.client.delete(f"/skus/{sku.code}", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    assert (await world.client.get(f"/skus/{sku.code}", headers=admin)).status_code == 200
    assert (await world.level(sku, store))["on_hand"] == 3


# ---- search and paging -------------------------------------------------------------------


async def search(world: World, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await world.client.get("/skus", params=params, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_search_by_code_barcode_and_name(world: World) -> None:
    admin = await world.token("admin")
    reader = await world.token("associate", (await world.location(),))
    tag = uuid.uuid4().hex[:8]
    barcode = new_gtin13()
    bodies: dict[str, dict[str, Any]] = {
        "jumper": {
            "code": f"JMP-{tag}-NAVY-M",
            "name": f"Merino Jumper {tag} Navy",
            "barcodes": [barcode],
        },
        "socks": {"code": f"SOX-{tag}", "name": f"Wool socks {tag} 100% merino_blend"},
        "hat": {"code": f"HAT-{tag}", "name": f"Beanie {tag}", "active": False},
    }
    for body in bodies.values():
        assert (await world.client.post("/skus", json=body, headers=admin)).status_code == 201

    def codes(result: dict[str, Any]) -> list[str]:
        return [item["code"] for item in result["items"]]

    jumper, socks, hat = (bodies[k]["code"] for k in ("jumper", "socks", "hat"))
    assert codes(await search(world, reader, q=jumper)) == [jumper]
    assert codes(await search(world, reader, q=barcode)) == [jumper]
    assert codes(await search(world, reader, q="0" + barcode)) == [jumper]  # as a GTIN-14
    assert codes(await search(world, reader, q=f"jmp-{tag}")) == [jumper]  # code prefix
    assert codes(await search(world, reader, q=f"JUMPER {tag.upper()} NAVY")) == [jumper]
    assert codes(await search(world, reader, q=tag)) == sorted([jumper, socks, hat])
    assert codes(await search(world, reader, q=tag, active="true")) == sorted([jumper, socks])
    assert codes(await search(world, reader, q=tag, active="false")) == [hat]
    # LIKE wildcards in the query are plain characters.
    assert codes(await search(world, reader, q=f"{tag} 100%")) == [socks]
    assert codes(await search(world, reader, q="merino_blend")) == [socks]
    assert codes(await search(world, reader, q=f"{tag}%Navy")) == []
    assert codes(await search(world, reader, q=f"NAVY-M-{tag}")) == []
    found = await search(world, reader, q=jumper)
    assert found["items"][0]["barcodes"] == [barcode]
    assert found["next_cursor"] is None


async def test_paging_returns_each_sku_once(world: World) -> None:
    admin = await world.token("admin")
    tag = f"PG{uuid.uuid4().hex[:8]}"
    wanted = sorted(f"{tag}-{i:02d}" for i in range(11))
    for code in random.sample(wanted, len(wanted)):
        response = await world.client.post(
            "/skus",
            json={"code": code, "name": f"Paged {code}", "barcodes": [new_gtin13()]},
            headers=admin,
        )
        assert response.status_code == 201, response.text

    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"q": tag, "limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = await search(world, admin, **params)
        pages += 1
        assert len(page["items"]) <= 4
        assert all(item["barcodes"] for item in page["items"])
        seen.extend(item["code"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert seen == wanted  # ordered by code, none repeated, none skipped
    assert pages == 3

    exact = await search(world, admin, q=tag, limit=11)
    assert [item["code"] for item in exact["items"]] == wanted
    assert exact["next_cursor"] is None  # a full last page does not promise another


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 0}, 400),
        ({"limit": 501}, 400),
        ({"limit": "many"}, 400),
        ({"cursor": "!!!"}, 422),
        ({"cursor": "bm90IGEgY29kZQ"}, 422),  # decodes to "not a code"
        ({"active": "perhaps"}, 400),
    ],
)
async def test_bad_search_parameters(world: World, params: dict[str, Any], status: int) -> None:
    admin = await world.token("admin")
    response = await world.client.get("/skus", params=params, headers=admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_code_with_a_newline_on_its_end_is_refused_and_nothing_is_created(
    world: World,
) -> None:
    admin = await world.token("admin")
    code = unique("SKU")

    refused = await world.client.post(
        "/skus", json={"code": code + "\n", "name": "Tent"}, headers=admin
    )

    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "code" in refused.json()["detail"]
    listed = await world.client.get("/skus", params={"q": code}, headers=admin)
    assert listed.json()["items"] == []
