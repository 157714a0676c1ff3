"""The stock look-up page: by SKU code, barcode or name, this store and nearby ones, the
same figures as the JSON route, and holding units here from the page."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from oms.db.models import Barcode, Hold, Location, Sku
from tests.support.web import SignedIn, sign_in
from tests.support.world import World, unique

_FORM_KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


async def _hold_count(world: World, reference: str) -> int:
    async with world.sessionmaker() as session:
        return await session.scalar(  # type: ignore[return-value]
            select(func.count()).select_from(Hold).where(Hold.reference == reference)
        )


async def test_look_up_by_code_shows_here_nearby_and_the_network(world: World) -> None:
    here = await world.location(name="Here store")
    # About 3 km away from the default Leeds point.
    near = await world.location(name="Down the road", lat=53.82, lon=-1.58)
    sku = await world.sku(name="Blue kettle")
    await world.stock(sku, here, 5)
    await world.stock(sku, near, 7, safety_stock=1)
    signed = await sign_in(world, "associate", (here,))

    page = await signed.get(f"/app/stock?q={sku.code}")

    assert page.status_code == 200, page.text
    assert 'id="stock-q"' in page.text
    assert "autofocus" in page.text
    here_row = re.search(r'<tr id="stock-here">(.*?)</tr>', page.text, re.S)
    assert here_row is not None
    assert [int(n) for n in re.findall(r">(\d+)<", here_row[1])] == [5, 0, 5]
    assert "Down the road" in page.text
    assert near.code in page.text
    assert " km</td>" in page.text
    network = re.search(r'<tr id="stock-network">(.*?)</tr>', page.text, re.S)
    assert network is not None
    assert [int(n) for n in re.findall(r">(\d+)<", network[1])] == [12, 0, 11]
    # The same figures as the JSON route for the same store.
    api = await world.client.get(
        f"/stock/{sku.code}",
        params={"location": here.code},
        headers=await world.token("associate", (here,)),
    )
    body = api.json()
    assert body["here"]["available"] == 5
    assert body["nearby"][0]["location"] == near.code
    assert f"{body['nearby'][0]['distance_km']:.1f} km" in page.text
    assert f"/app/orders/new?sku={sku.code}&amp;delivery=pickup&amp;store={near.code}" in page.text


async def test_look_up_by_barcode_and_by_name(world: World) -> None:
    here = await world.location()
    name = unique("Garden hose")
    sku = await world.sku(name=name)
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin="4006381333931", sku_id=sku.id))
    await world.stock(sku, here, 3)
    signed = await sign_in(world, "associate", (here,))

    by_barcode = await signed.get("/app/stock?q=4006381333931")
    assert by_barcode.status_code == 200
    assert sku.code in by_barcode.text
    assert name in by_barcode.text

    by_name = await signed.get(f"/app/stock?q={name.lower()}")  # one match: straight to it
    assert 'id="stock-here"' in by_name.text
    assert sku.code in by_name.text


async def test_several_matches_by_name_give_a_list_to_choose_from(world: World) -> None:
    here = await world.location()
    word = unique("Lamp")
    first = await world.sku(name=f"{word} small")
    second = await world.sku(name=f"{word} large")
    signed = await sign_in(world, "associate", (here,))

    page = await signed.get(f"/app/stock?q={word}", headers={"HX-Request": "true"})

    assert page.status_code == 200
    assert "Which one?" in page.text
    assert f"/app/stock?q={first.code}" in page.text
    assert f"/app/stock?q={second.code}" in page.text
    assert "<html" not in page.text  # HTMX gets the results only
    nothing = await signed.get(f"/app/stock?q={unique('nothing')}")
    assert "Nothing found" in nothing.text


async def _hold_form(
    signed: SignedIn, here: Location, sku: Sku, reference: str, *, quantity: int
) -> dict[str, str]:
    """The look-up page's hold form for ``sku`` at ``here``, filled in for 24 hours."""
    page = await signed.get(f"/app/stock?q={sku.code}")
    key = _FORM_KEY.search(page.text)
    assert key is not None
    return {
        "idempotency_key": key[1],
        "sku": sku.code,
        "location": here.code,
        "quantity": str(quantity),
        "hours": "24",
        "reference": reference,
        "q": sku.code,
    }


async def test_a_hold_from_the_page_is_made_once_even_when_posted_twice(world: World) -> None:
    here = await world.location()
    sku = await world.sku()
    await world.stock(sku, here, 4)
    signed = await sign_in(world, "associate", (here,))
    reference = unique("Mrs Jones")
    form = await _hold_form(signed, here, sku, reference, quantity=2)

    first = await signed.post("/app/stock/hold", form)
    again = await signed.post("/app/stock/hold", form)

    assert first.status_code == 201, first.text
    assert f"Held 2 \u00d7 {sku.code}" in first.text
    assert again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert await _hold_count(world, reference) == 1
    assert await world.level(sku, here) == {"on_hand": 4, "reserved": 2, "safety_stock": 0}


async def test_a_holds_end_is_told_on_the_stores_own_clock(world: World) -> None:
    # Tbilisi is four hours ahead of UTC all year: a UTC time would read four hours early.
    here = await world.location(timezone="Asia/Tbilisi")
    sku = await world.sku()
    await world.stock(sku, here, 4)
    signed = await sign_in(world, "associate", (here,))
    reference = unique("Mr Beridze")
    form = await _hold_form(signed, here, sku, reference, quantity=1)

    held = await signed.post("/app/stock/hold", form)

    assert held.status_code == 201, held.text
    async with world.sessionmaker() as session:
        expires_at = await session.scalar(
            select(Hold.expires_at).where(Hold.reference == reference)
        )
    assert expires_at is not None
    local = expires_at.astimezone(ZoneInfo("Asia/Tbilisi")).strftime("%d %b %H:%M")
    assert f"Until {local}." in held.text
    assert " UTC" not in held.text


async def test_an_associate_cannot_hold_at_another_store(world: World) -> None:
    mine = await world.location()
    theirs = await world.location()
    sku = await world.sku()
    await world.stock(sku, theirs, 4)
    signed = await sign_in(world, "associate", (mine,))
    await signed.get(f"/app/stock?q={sku.code}")
    reference = unique("elsewhere")

    refused = await signed.post(
        "/app/stock/hold",
        {
            "idempotency_key": "k" * 32,
            "sku": sku.code,
            "location": theirs.code,
            "quantity": "1",
            "reference": reference,
        },
    )

    assert refused.status_code == 403
    assert "forbidden" in refused.text
    assert await _hold_count(world, reference) == 0
    assert await world.level(sku, theirs) == {"on_hand": 4, "reserved": 0, "safety_stock": 0}


async def test_a_short_hold_is_refused_in_plain_words(world: World) -> None:
    here = await world.location()
    sku = await world.sku()
    await world.stock(sku, here, 1)
    signed = await sign_in(world, "associate", (here,))
    await signed.get(f"/app/stock?q={sku.code}")

    refused = await signed.post(
        "/app/stock/hold",
        {"idempotency_key": "s" * 32, "sku": sku.code, "location": here.code, "quantity": "3"},
        headers={"HX-Request": "true"},
    )

    assert refused.status_code == 409
    assert "insufficient_stock" in refused.text
    assert refused.headers["hx-retarget"] == "#feedback"
    assert await world.level(sku, here) == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
