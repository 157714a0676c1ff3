"""Customer search and profiles over HTTP: who may read them, what search matches, and one
profile holding a person's orders from every channel."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.customers.services.matching import match_or_create_customer
from tests.support.customer_orders import Shop
from tests.support.world import World


def fresh_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


def fresh_phone() -> str:
    return "07" + str(uuid.uuid4().int)[:9]


async def customer(
    sm: async_sessionmaker[AsyncSession],
    name: str,
    email: str | None = None,
    phone: str | None = None,
) -> uuid.UUID:
    async with sm() as session, session.begin():
        conn = await session.connection()
        return await match_or_create_customer(conn, name=name, email=email, phone=phone)


async def search(world: World, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await world.client.get("/customers", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_search_by_name_prefix_pages_in_name_order(world: World) -> None:
    admin = await world.token("admin")
    family = f"Quill{uuid.uuid4().hex[:8]}"
    ids = {
        first: await customer(world.sessionmaker, f"{family} {first}", email=fresh_email())
        for first in ("Cy", "Ann", "Bea")
    }
    await customer(world.sessionmaker, f"Other {family}", email=fresh_email())  # not a prefix

    first = await search(world, admin, q=f"  {family.upper()} ", limit=2)
    assert [c["name"] for c in first["items"]] == [f"{family} Ann", f"{family} Bea"]
    assert first["next_cursor"]
    second = await search(world, admin, q=family.lower(), limit=2, cursor=first["next_cursor"])
    assert [c["id"] for c in second["items"]] == [str(ids["Cy"])]
    assert second["next_cursor"] is None
    # More than a prefix narrows it down.
    narrowed = await search(world, admin, q=f"{family} b")
    assert [c["id"] for c in narrowed["items"]] == [str(ids["Bea"])]


async def test_name_search_treats_like_wildcards_literally(world: World) -> None:
    admin = await world.token("admin")
    tag = uuid.uuid4().hex[:8]
    await customer(world.sessionmaker, f"Pct{tag} Smith", email=fresh_email())
    assert (await search(world, admin, q=f"Pct{tag[:2]}%"))["items"] == []
    assert (await search(world, admin, q=f"Pct{tag[:2]}_"))["items"] == []
    assert len((await search(world, admin, q=f"Pct{tag}"))["items"]) == 1


async def test_search_by_email_or_phone_matches_the_normalised_key_exactly(
    world: World,
) -> None:
    admin = await world.token("associate", locations=(await world.location(),))
    email, phone = fresh_email(), fresh_phone()
    found = await customer(world.sessionmaker, "Dora Jones", email=email, phone=phone)

    for q in (f" {email.upper()} ", email):
        assert [c["id"] for c in (await search(world, admin, q=q))["items"]] == [str(found)]
    for q in (phone, f"+44 {phone[1:5]} {phone[5:]}", f"0044-{phone[1:]}"):
        page = await search(world, admin, q=q)
        assert [c["id"] for c in page["items"]] == [str(found)], q
    assert page["items"][0] | {"created_at": None} == {
        "id": str(found),
        "name": "Dora Jones",
        "email": email,
        "phone": phone,
        "created_at": None,
    }
    # Exact, not a prefix: part of an email or number finds nobody.
    assert (await search(world, admin, q=email[:-4]))["items"] == []
    assert (await search(world, admin, q=phone[:-1]))["items"] == []


async def test_bad_queries_and_cursors_are_refused(world: World) -> None:
    admin = await world.token("admin")
    missing = await world.client.get("/customers", headers=admin)
    assert missing.status_code == 400
    assert missing.json()["code"] == "validation_error"
    blank = await world.client.get("/customers", params={"q": "   "}, headers=admin)
    assert (blank.status_code, blank.json()["code"]) == (422, "invalid_input")
    cursor = await world.client.get(
        "/customers", params={"q": "ann", "cursor": "not-ours"}, headers=admin
    )
    assert (cursor.status_code, cursor.json()["code"]) == (422, "invalid_input")


async def test_who_may_read_customers(world: World) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    found = await customer(world.sessionmaker, "Eve Access", email=email)
    admin = await world.token("admin")
    assert (await world.client.get(f"/customers/{found}", headers=admin)).status_code == 200
    for role in ("store_manager", "associate"):
        headers = await world.token(role, locations=(shop.store,))
        # Not one of their stores' customers, and not looked up: like a missing one.
        hidden = await world.client.get(f"/customers/{found}", headers=headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found"), role
        named = await search(world, headers, q="eve access")
        assert named["items"] == [], role
        looked_up = await search(world, headers, q=email)
        assert [c["id"] for c in looked_up["items"]] == [str(found)], role
        one = await world.client.get(f"/customers/{found}", headers=headers)
        assert one.status_code == 200, (role, one.text)
    integration = await world.token("integration", channel=shop.channel.code)
    for path in ("/customers?q=eve", f"/customers?q={email}", f"/customers/{found}"):
        refused = await world.client.get(path, headers=integration)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        anonymous = await world.client.get(path)
        assert anonymous.status_code == 401


async def test_unknown_customer_is_404(world: World) -> None:
    admin = await world.token("admin")
    response = await world.client.get(f"/customers/{uuid.uuid4()}", headers=admin)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


async def test_profile_lists_orders_from_every_channel_newest_first(world: World) -> None:
    shop = await Shop.open(world)
    marketplace = await world.channel(kind="marketplace")
    email, phone = fresh_email(), fresh_phone()
    first = await shop.place(email=email)
    second = await shop.place(email=email.upper(), channel=marketplace)
    third = await shop.place(name="Ann E.", phone=phone, email=None)
    fourth = await shop.place(email=email, phone=phone, pickup=False)
    someone_else = await shop.place(email=fresh_email())

    customer_id = first["customer"]["id"]
    assert second["customer"]["id"] == customer_id
    # The phone-only order made its own profile (no email to match); the fourth order
    # names both, and the email wins.
    assert third["customer"]["id"] != customer_id
    assert fourth["customer"]["id"] == customer_id
    assert someone_else["customer"]["id"] != customer_id

    response = await world.client.get(f"/customers/{customer_id}", headers=shop.admin)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert (profile["name"], profile["email"], profile["order_count"]) == (
        "Ann Example",
        email,
        3,
    )
    assert [o["number"] for o in profile["orders"]] == [
        fourth["number"],
        second["number"],
        first["number"],
    ]
    assert [o["channel"] for o in profile["orders"]] == [
        shop.channel.code,
        marketplace.code,
        shop.channel.code,
    ]
    assert profile["orders"][0] | {"created_at": None} == {
        "id": fourth["id"],
        "number": fourth["number"],
        "channel": shop.channel.code,
        "status": fourth["status"],
        "total": 1999,
        "currency": "GBP",
        "created_at": None,
    }

    newest = await world.client.get(
        f"/customers/{customer_id}", params={"orders_limit": 1}, headers=shop.admin
    )
    assert [o["number"] for o in newest.json()["orders"]] == [fourth["number"]]
    assert newest.json()["order_count"] == 3
