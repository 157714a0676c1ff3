"""Pricing orders taken by store staff: list prices, prices typed in by a manager or with a
manager's approval on the spot, and the overrides written to the order's timeline."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from oms.auth.services.approvals import manager_approval
from oms.db.models import Channel, Location, Sku
from oms.domain.access import Principal, Role
from oms.domain.errors import Forbidden, InvalidInput, NotFound
from oms.orders.services.staff_prices import (
    PricedOrder,
    TypedPrice,
    price_staff_order,
    record_price_overrides,
)
from tests.support.orders import order_body, pickup_at
from tests.support.web import PASSWORD, staff_account
from tests.support.world import World

DENTED = "dented box"


@dataclass
class Shop:
    store: Location
    channel: Channel
    priced: Sku  # 2500 on the channel
    unpriced: Sku


@pytest.fixture
async def shop(world: World) -> Shop:
    store = await world.location()
    channel = await world.channel(kind="pos", currency="GBP")
    priced, unpriced = await world.sku(), await world.sku()
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO channel_price (channel_id, sku_id, amount, updated_by)"
                " VALUES (:c, :s, 2500, 'test')"
            ),
            {"c": channel.id, "s": priced.id},
        )
    return Shop(store, channel, priced, unpriced)


def _staff(role: Role, *stores: Location) -> Principal:
    return Principal(1, f"{role}-test", role, frozenset(s.id for s in stores))


async def _price(
    world: World,
    shop: Shop,
    principal: Principal,
    lines: list[tuple[str, int]],
    typed: dict[str, TypedPrice] | None = None,
    approver: Principal | None = None,
    *,
    at: Location | str | None = "shop",
) -> PricedOrder:
    """Priced as taken at the shop's store, at ``at``, or (``at=None``) at no store named."""
    store = shop.store if at == "shop" else at
    async with world.sessionmaker() as session:
        return await price_staff_order(
            session,
            principal,
            channel_code=shop.channel.code,
            lines=lines,
            typed=typed or {},
            approver=approver,
            location_id=store.id if isinstance(store, Location) else None,
        )


async def _approval(
    world: World, username: str, password: str, store: Location
) -> Principal | None:
    async with world.sessionmaker() as session, session.begin():
        return await manager_approval(session, username, password, store.id)


async def test_list_prices_are_charged_as_they_are(world: World, shop: Shop) -> None:
    associate = _staff(Role.ASSOCIATE, shop.store)
    priced = await _price(world, shop, associate, [(shop.priced.code, 2)])
    assert priced.currency == "GBP"
    assert priced.approved_by is None
    [line] = priced.lines
    assert (line.sku, line.quantity, line.unit_price, line.list_price) == (
        shop.priced.code,
        2,
        2500,
        2500,
    )
    assert not line.overridden


async def test_a_sku_without_a_list_price_needs_one_typed_in(world: World, shop: Shop) -> None:
    associate = _staff(Role.ASSOCIATE, shop.store)
    with pytest.raises(InvalidInput, match="a manager can enter one") as refused:
        await _price(world, shop, associate, [(shop.priced.code, 1), (shop.unpriced.code, 1)])
    assert shop.unpriced.code in refused.value.detail
    assert shop.channel.code in refused.value.detail


async def test_a_store_manager_types_a_price_in(world: World, shop: Shop) -> None:
    manager = _staff(Role.STORE_MANAGER, shop.store)
    typed = {
        shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED),
        shop.unpriced.code: TypedPrice(shop.unpriced.code, 900, "not on the list yet"),
    }
    priced = await _price(
        world, shop, manager, [(shop.priced.code, 1), (shop.unpriced.code, 3)], typed
    )
    assert priced.approved_by == manager.actor
    by_sku = {line.sku: line for line in priced.lines}
    assert (by_sku[shop.priced.code].unit_price, by_sku[shop.priced.code].list_price) == (
        2000,
        2500,
    )
    assert (by_sku[shop.unpriced.code].unit_price, by_sku[shop.unpriced.code].list_price) == (
        900,
        None,
    )
    assert all(line.overridden for line in priced.lines)
    assert by_sku[shop.priced.code].reason == DENTED


async def test_a_typed_price_equal_to_the_list_price_is_no_override(
    world: World, shop: Shop
) -> None:
    associate = _staff(Role.ASSOCIATE, shop.store)
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2500, "same")}
    priced = await _price(world, shop, associate, [(shop.priced.code, 1)], typed)
    assert priced.approved_by is None
    assert not priced.lines[0].overridden


async def test_an_associate_needs_a_managers_approval(world: World, shop: Shop) -> None:
    associate = _staff(Role.ASSOCIATE, shop.store)
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED)}
    with pytest.raises(Forbidden, match="approval"):
        await _price(world, shop, associate, [(shop.priced.code, 1)], typed)

    manager = await staff_account(world, "store_manager", (shop.store,))
    approver = await _approval(world, manager, PASSWORD, shop.store)
    assert approver is not None
    priced = await _price(world, shop, associate, [(shop.priced.code, 1)], typed, approver)
    assert priced.approved_by == f"store_manager:{manager}"
    assert priced.lines[0].unit_price == 2000


async def test_an_admin_approves_anywhere(world: World, shop: Shop) -> None:
    admin = await staff_account(world, "admin")
    approver = await _approval(world, admin, PASSWORD, shop.store)
    assert approver is not None
    assert approver.role == Role.ADMIN
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 1, DENTED)}
    associate = _staff(Role.ASSOCIATE, shop.store)
    priced = await _price(world, shop, associate, [(shop.priced.code, 1)], typed, approver)
    assert priced.approved_by == f"admin:{admin}"


async def test_a_wrong_password_or_another_role_approves_nothing(world: World, shop: Shop) -> None:
    manager = await staff_account(world, "store_manager", (shop.store,))
    colleague = await staff_account(world, "associate", (shop.store,))
    assert await _approval(world, manager, PASSWORD + "x", shop.store) is None
    assert await _approval(world, colleague, PASSWORD, shop.store) is None
    assert await _approval(world, "nobody-here", PASSWORD, shop.store) is None


async def test_a_manager_of_another_store_cannot_approve(world: World, shop: Shop) -> None:
    elsewhere = await world.location()
    manager = await staff_account(world, "store_manager", (elsewhere,))
    assert await _approval(world, manager, PASSWORD, shop.store) is None

    # Nor does such a manager's principal, handed over directly, cover this store.
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED)}
    associate = _staff(Role.ASSOCIATE, shop.store)
    other_manager = _staff(Role.STORE_MANAGER, elsewhere)
    with pytest.raises(Forbidden):
        await _price(world, shop, associate, [(shop.priced.code, 1)], typed, other_manager)
    with pytest.raises(Forbidden):
        await _price(world, shop, other_manager, [(shop.priced.code, 1)], typed)


async def test_without_a_store_named_the_approver_must_manage_every_store_of_the_token(
    world: World, shop: Shop
) -> None:
    second = await world.location()
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED)}
    lines = [(shop.priced.code, 1)]
    associate = _staff(Role.ASSOCIATE, shop.store, second)
    with pytest.raises(Forbidden):
        await _price(
            world, shop, associate, lines, typed, _staff(Role.STORE_MANAGER, shop.store), at=None
        )
    both = _staff(Role.STORE_MANAGER, shop.store, second)
    priced = await _price(world, shop, associate, lines, typed, both, at=None)
    assert priced.approved_by == both.actor
    # A token without any store never overrides by itself.
    with pytest.raises(Forbidden):
        await _price(world, shop, _staff(Role.ASSOCIATE), lines, typed, at=None)


async def test_an_order_taken_at_another_store_is_refused(world: World, shop: Shop) -> None:
    elsewhere = await world.location()
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED)}
    associate = _staff(Role.ASSOCIATE, shop.store)
    manager_there = _staff(Role.STORE_MANAGER, elsewhere)
    with pytest.raises(Forbidden, match="outside"):
        await _price(
            world, shop, associate, [(shop.priced.code, 1)], typed, manager_there, at=elsewhere
        )


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
async def test_a_typed_price_needs_a_reason(world: World, shop: Shop, reason: str) -> None:
    manager = _staff(Role.STORE_MANAGER, shop.store)
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, reason)}
    with pytest.raises(InvalidInput, match=r"reason|why"):
        await _price(world, shop, manager, [(shop.priced.code, 1)], typed)


async def test_bad_lines_and_typed_prices_are_refused(world: World, shop: Shop) -> None:
    manager = _staff(Role.STORE_MANAGER, shop.store)
    code = shop.priced.code
    with pytest.raises(InvalidInput):
        await _price(world, shop, manager, [(code, 1)], {code: TypedPrice(code, -1, DENTED)})
    other = shop.unpriced.code
    with pytest.raises(InvalidInput, match="names SKU"):
        await _price(world, shop, manager, [(code, 1)], {code: TypedPrice(other, 1, DENTED)})
    with pytest.raises(InvalidInput, match="not on the order"):
        await _price(world, shop, manager, [(code, 1)], {other: TypedPrice(other, 1, DENTED)})
    with pytest.raises(InvalidInput):
        await _price(world, shop, manager, [(code, 0)])
    with pytest.raises(NotFound):
        await _price(world, shop, manager, [("NO-SUCH-SKU", 1)])


async def test_an_integration_token_prices_nothing(world: World, shop: Shop) -> None:
    machine = Principal(1, "till", Role.INTEGRATION, channel_code=shop.channel.code)
    with pytest.raises(Forbidden):
        await _price(world, shop, machine, [(shop.priced.code, 1)])


async def test_overrides_are_read_back_from_the_orders_timeline(world: World, shop: Shop) -> None:
    await world.stock(shop.priced, shop.store, 5)
    admin = await world.token("admin")
    body = order_body(shop.channel.code, [(shop.priced, 1)], [pickup_at(shop.store)], price=2000)
    placed = await world.client.post("/orders", json=body, headers=admin)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    manager = _staff(Role.STORE_MANAGER, shop.store)
    typed = {shop.priced.code: TypedPrice(shop.priced.code, 2000, DENTED)}
    priced = await _price(world, shop, manager, [(shop.priced.code, 1)], typed)

    async with world.sessionmaker() as session, session.begin():
        await record_price_overrides(session, placed.json()["id"], priced, manager.actor)

    events = await world.client.get(f"/orders/{order_id}/events", headers=admin)
    overrides = [e for e in events.json()["items"] if e["kind"] == "order.price_overridden"]
    assert len(overrides) == 1
    assert overrides[0]["actor"] == manager.actor
    assert overrides[0]["detail"] == {
        "sku": shop.priced.code,
        "currency": "GBP",
        "list_price": 2500,
        "price": 2000,
        "reason": DENTED,
        "approved_by": manager.actor,
    }
