"""Signing in to the app: the session cookie, the form tokens, the idle lock, sign-out and
the limits on failed attempts."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text

from oms.db.models import ApiToken, StaffSession
from tests.support.web import PASSWORD, browser, hidden_fields, post_login, sign_in, staff_account
from tests.support.world import World


async def test_sign_in_sets_a_protected_cookie_and_opens_the_app(world: World) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    client = browser(world.client)
    assert (await client.get("/app")).headers["location"].startswith("/app/login")
    response = await post_login(client, username.upper())  # names compare without case
    assert response.status_code == 303
    assert response.headers["location"] == "/app"  # one store: no picking
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("oms_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/app" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    home = await client.get("/app")
    assert home.status_code == 200
    assert store.name in home.text
    # The session acts as its own token: a session row, a token of kind "session".
    async with world.sessionmaker() as session:
        row = await session.scalar(
            select(StaffSession)
            .join(ApiToken, ApiToken.id == StaffSession.token_id)
            .where(ApiToken.name == username)
        )
        assert row is not None
        assert row.location_id == store.id


async def test_the_cookie_secret_is_not_an_api_token(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    secret = signed.client.cookies["oms_session"]
    answer = await world.client.get("/orders", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401


@pytest.mark.parametrize("password", ["wrong password!", ""])
async def test_a_wrong_password_is_refused_with_nothing_created(
    world: World, password: str
) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    client = browser(world.client)
    response = await post_login(client, username, password)
    assert response.status_code == 401
    assert "do not match" in response.text
    assert "oms_session" not in client.cookies
    async with world.sessionmaker() as session:
        assert not (await session.scalars(select(ApiToken).where(ApiToken.name == username))).all()


async def test_the_sign_in_form_needs_its_own_token(world: World) -> None:
    username = await staff_account(world, "admin")
    client = browser(world.client)
    await client.get("/app/login")
    response = await client.post(
        "/app/login", data={"username": username, "password": PASSWORD, "_csrf": "forged"}
    )
    assert response.status_code == 403
    assert "oms_session" not in client.cookies


async def test_a_form_without_the_session_token_is_refused(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    refused = await signed.client.post("/app/logout", data={})
    assert refused.status_code == 403
    assert "form_token_invalid" in refused.text
    assert (await signed.get("/app")).status_code == 200  # still signed in
    forged = await signed.client.post("/app/logout", data={"_csrf": "x" * 43})
    assert forged.status_code == 403
    done = await signed.post("/app/logout")
    assert done.status_code == 303
    assert (await signed.client.get("/app")).headers["location"].startswith("/app/login")


async def test_sign_out_ends_the_session_for_good(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    secret = signed.client.cookies["oms_session"]
    await signed.post("/app/logout")
    replay = browser(world.client)
    replay.cookies.set("oms_session", secret, domain="127.0.0.1", path="/app")
    response = await replay.get("/app")
    assert response.status_code == 303
    async with world.sessionmaker() as session:
        row = await session.scalar(
            select(StaffSession)
            .join(ApiToken, ApiToken.id == StaffSession.token_id)
            .where(ApiToken.name == signed.username)
        )
        assert row is not None
        assert row.end_reason == "signed_out"


async def test_an_idle_session_locks(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE staff_session s SET last_seen_at = now() - interval '2 hours'"
                " FROM api_token t WHERE t.id = s.token_id AND t.name = :name"
            ),
            {"name": signed.username},
        )
    world.client.app.state.staff_sessions._cache.clear()
    response = await signed.client.get("/app")
    assert response.status_code == 303
    assert "reason=locked" in response.headers["location"]
    # Locked means ended: signing in again is the only way back.
    assert (await signed.client.get("/app")).status_code == 303


async def test_several_stores_pick_one_and_only_their_own(world: World) -> None:
    first, second, other = await world.location(), await world.location(), await world.location()
    username = await staff_account(world, "associate", (first, second))
    client = browser(world.client)
    response = await post_login(client, username)
    assert response.headers["location"] == "/app/store"
    assert (await client.get("/app")).headers["location"] == "/app/store"
    page = await client.get("/app/store")
    assert first.code in page.text
    assert second.code in page.text
    assert other.code not in page.text
    csrf = hidden_fields(page.text)["_csrf"]
    refused = await client.post("/app/store", data={"_csrf": csrf, "store": str(other.id)})
    assert refused.status_code == 403
    picked = await client.post("/app/store", data={"_csrf": csrf, "store": str(second.id)})
    assert picked.status_code == 303
    home = await client.get("/app")
    assert second.name in home.text


async def test_failed_sign_ins_are_limited_per_account(world: World) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    limit = world.client.app.state.settings.app_sign_in_failures_per_account
    client = browser(world.client)
    statuses = [
        (await post_login(client, username, "wrong password!")).status_code for _ in range(limit)
    ]
    assert statuses == [401] * limit
    blocked = await post_login(client, username)  # even the right password, for now
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # Another account from the same client is not blocked by this one's failures.
    other = await staff_account(world, "associate", (store,))
    assert (await post_login(browser(world.client), other)).status_code == 303


async def test_a_successful_sign_in_does_not_use_the_budget(world: World) -> None:
    store = await world.location()
    username = await staff_account(world, "associate", (store,))
    limit = world.client.app.state.settings.app_sign_in_failures_per_account
    for _ in range(limit + 2):
        response = await post_login(browser(world.client), username)
        assert response.status_code == 303


async def test_next_never_leaves_the_app(world: World) -> None:
    username = await staff_account(world, "admin")
    client = browser(world.client)
    response = await post_login(client, username, next="https://evil.example/")
    # An admin has no store: picks one first; a foreign next is dropped either way.
    assert response.headers["location"] in {"/app", "/app/store"}
    assert isinstance(response, httpx.Response)


async def test_app_pages_are_not_cached_framed_or_scripted_from_elsewhere(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    for response in (await signed.get("/app"), await browser(world.client).get("/app/login")):
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
