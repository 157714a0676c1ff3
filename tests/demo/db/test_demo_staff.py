"""The demo's staff accounts: one associate per store and a manager, new passwords on every
start, and each password signs in to the app (through the real form)."""

from __future__ import annotations

from sqlalchemy import select

from oms.db.models import StaffUser
from oms.demo.catalogue_data import STORES
from oms.demo.staff_data import MANAGER, associate_name, issue_demo_logins, logins_banner
from oms.domain.access import Role
from tests.support.web import browser, post_login
from tests.support.world import World


async def test_every_demo_store_has_an_associate_who_can_sign_in(
    world: World, seeded: bool
) -> None:
    async with world.sessionmaker() as session, session.begin():
        logins = await issue_demo_logins(session)
    by_name = {login.username: login for login in logins}
    for store in STORES:
        login = by_name[associate_name(store.code)]
        assert login.role == Role.ASSOCIATE
        assert login.stores == (store.code,)
    assert by_name[MANAGER].role == Role.STORE_MANAGER
    assert set(by_name[MANAGER].stores) == {store.code for store in STORES}
    first = by_name[associate_name(STORES[0].code)]
    client = browser(world.client)
    signed = await post_login(client, first.username, first.password)
    assert signed.status_code == 303
    assert (await client.get("/app")).status_code == 200
    banner = logins_banner(logins, "http://127.0.0.1:8000")
    assert first.password in banner
    assert "http://127.0.0.1:8000/app" in banner


async def test_a_new_start_replaces_the_passwords(world: World, seeded: bool) -> None:
    async with world.sessionmaker() as session, session.begin():
        before = {login.username: login.password for login in await issue_demo_logins(session)}
    async with world.sessionmaker() as session, session.begin():
        after = {login.username: login.password for login in await issue_demo_logins(session)}
        count = len(list(await session.scalars(select(StaffUser.id))))
    assert before.keys() == after.keys()
    assert all(before[name] != after[name] for name in before)
    name = associate_name(STORES[0].code)
    client = browser(world.client)
    assert (await post_login(client, name, before[name])).status_code == 401
    assert (await post_login(client, name, after[name])).status_code == 303
    assert count >= len(after)
