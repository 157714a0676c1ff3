"""The customer, order, return and staff-ordering rules in ``domain.access``, one by one."""

from __future__ import annotations

import pytest

from oms.domain.access import (
    CustomerSearch,
    OrderAccess,
    Principal,
    Role,
    customer_search_scope,
    look_up_grants_access,
    may_change_order,
    may_place_order_on,
    may_read_customer,
    may_read_returns,
    may_take_return,
    order_list_scope,
    order_read_access,
    require_place_order_on,
)
from oms.domain.errors import Forbidden

HERE, THERE = 1, 2
ADMIN = Principal(token_id=1, name="ops", role=Role.ADMIN)
MANAGER = Principal(token_id=2, name="m", role=Role.STORE_MANAGER, location_ids=frozenset({HERE}))
ASSOCIATE = Principal(token_id=3, name="a", role=Role.ASSOCIATE, location_ids=frozenset({HERE}))
AMAZON = Principal(token_id=4, name="amz", role=Role.INTEGRATION, channel_code="AMAZON")
STAFF = (MANAGER, ASSOCIATE)


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_staff_find_anyone_by_exact_key_but_names_only_among_their_customers(
    staff: Principal,
) -> None:
    assert customer_search_scope(staff, "email") is CustomerSearch.NETWORK
    assert customer_search_scope(staff, "phone") is CustomerSearch.NETWORK
    assert customer_search_scope(staff, "name") is CustomerSearch.OWN_STORES
    assert look_up_grants_access(staff, "email")
    assert look_up_grants_access(staff, "phone")
    assert not look_up_grants_access(staff, "name")


def test_admins_search_everyone_without_grants_and_integrations_not_at_all() -> None:
    for by in ("email", "phone", "name"):
        assert customer_search_scope(ADMIN, by) is CustomerSearch.NETWORK
        assert not look_up_grants_access(ADMIN, by)
        assert not look_up_grants_access(AMAZON, by)
        with pytest.raises(Forbidden):
            customer_search_scope(AMAZON, by)


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_staff_read_their_customers_and_those_they_looked_up(staff: Principal) -> None:
    assert may_read_customer(staff, own_stores_customer=True, has_grant=False)
    assert may_read_customer(staff, own_stores_customer=False, has_grant=True)
    assert not may_read_customer(staff, own_stores_customer=False, has_grant=False)
    assert may_read_customer(ADMIN, own_stores_customer=False, has_grant=False)
    assert not may_read_customer(AMAZON, own_stores_customer=True, has_grant=True)


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_staff_read_orders_their_stores_work_on_or_through_a_look_up(staff: Principal) -> None:
    def access(works_here: bool, has_grant: bool) -> OrderAccess:
        return order_read_access(staff, channel="WEB", works_here=works_here, has_grant=has_grant)

    assert access(works_here=True, has_grant=False) is OrderAccess.DIRECT
    # Work at the store wins: no look-up is recorded for the store's own orders.
    assert access(works_here=True, has_grant=True) is OrderAccess.DIRECT
    assert access(works_here=False, has_grant=True) is OrderAccess.CUSTOMER_LOOKUP
    assert access(works_here=False, has_grant=False) is OrderAccess.NONE


def test_admins_read_every_order_and_integrations_their_channels() -> None:
    assert (
        order_read_access(ADMIN, channel="EBAY", works_here=False, has_grant=False)
        is OrderAccess.DIRECT
    )
    assert (
        order_read_access(AMAZON, channel="AMAZON", works_here=False, has_grant=False)
        is OrderAccess.DIRECT
    )
    # Neither work nor a grant opens another channel's order to a marketplace client.
    assert (
        order_read_access(AMAZON, channel="EBAY", works_here=True, has_grant=True)
        is OrderAccess.NONE
    )


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_a_look_up_reads_an_order_but_does_not_change_it(staff: Principal) -> None:
    assert may_change_order(staff, channel="WEB", works_here=True)
    assert not may_change_order(staff, channel="WEB", works_here=False)
    assert may_change_order(ADMIN, channel="WEB", works_here=False)
    assert may_change_order(AMAZON, channel="AMAZON", works_here=False)
    assert not may_change_order(AMAZON, channel="WEB", works_here=True)


def test_order_lists_open_to_one_looked_up_customers_history() -> None:
    assert order_list_scope(ASSOCIATE, customer_grant=False) == frozenset({HERE})
    assert order_list_scope(ASSOCIATE, customer_grant=True) is None
    assert order_list_scope(ADMIN, customer_grant=False) is None


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_returns_at_their_store_of_orders_they_may_read(staff: Principal) -> None:
    for access in (OrderAccess.DIRECT, OrderAccess.CUSTOMER_LOOKUP):
        assert may_take_return(staff, location_id=HERE, access=access)
        assert not may_take_return(staff, location_id=THERE, access=access)
    assert not may_take_return(staff, location_id=HERE, access=OrderAccess.NONE)
    assert may_take_return(ADMIN, location_id=THERE, access=OrderAccess.DIRECT)
    # A marketplace client never takes returns in, even of its own orders.
    assert not may_take_return(AMAZON, location_id=HERE, access=OrderAccess.DIRECT)


def test_returns_are_listed_to_readers_and_to_the_store_that_took_one() -> None:
    assert may_read_returns(ASSOCIATE, access=OrderAccess.CUSTOMER_LOOKUP, took_return_here=False)
    assert may_read_returns(ASSOCIATE, access=OrderAccess.NONE, took_return_here=True)
    assert not may_read_returns(ASSOCIATE, access=OrderAccess.NONE, took_return_here=False)
    assert not may_read_returns(AMAZON, access=OrderAccess.NONE, took_return_here=True)


@pytest.mark.parametrize("staff", STAFF, ids=lambda p: p.role)
def test_staff_place_orders_only_where_the_channel_allows_it(staff: Principal) -> None:
    assert may_place_order_on(staff, channel="WEB", staff_orders=True)
    assert not may_place_order_on(staff, channel="AMAZON", staff_orders=False)
    with pytest.raises(Forbidden, match="AMAZON"):
        require_place_order_on(staff, channel="AMAZON", staff_orders=False)


def test_admins_place_anywhere_and_integrations_on_their_own_channel() -> None:
    assert may_place_order_on(ADMIN, channel="AMAZON", staff_orders=False)
    assert may_place_order_on(AMAZON, channel="AMAZON", staff_orders=False)
    assert not may_place_order_on(AMAZON, channel="WEB", staff_orders=True)
    require_place_order_on(ADMIN, channel="AMAZON", staff_orders=False)


def test_the_look_up_window_is_a_bounded_setting() -> None:
    from oms.config import Settings

    assert Settings.from_env({}).customer_access_minutes == 60
    assert Settings.from_env({"OMS_CUSTOMER_ACCESS_MINUTES": "15"}).customer_access_minutes == 15
    for bad in ("0", "1441", "soon"):
        with pytest.raises(Exception, match="customer_access_minutes"):
            Settings.from_env({"OMS_CUSTOMER_ACCESS_MINUTES": bad})
