"""Roles as one type, and the integration token's channel scope in ``domain.access``."""

from __future__ import annotations

from typing import get_args

import pytest

from oms.auth.schemas import TokenRole
from oms.db.models import ROLES
from oms.domain.access import (
    SCOPED_ROLES,
    TOKEN_ROLES,
    Action,
    Principal,
    Role,
    channel_scope,
    check_token_scope,
    require,
    require_channel,
    sees_channel,
    sees_hold,
)
from oms.domain.errors import Forbidden, InvalidInput

ADMIN = Principal(token_id=1, name="ops", role=Role.ADMIN)
MANAGER = Principal(token_id=2, name="m", role=Role.STORE_MANAGER, location_ids=frozenset({1}))
ASSOCIATE = Principal(token_id=3, name="a", role=Role.ASSOCIATE, location_ids=frozenset({1}))
AMAZON = Principal(token_id=4, name="amz", role=Role.INTEGRATION, channel_code="AMAZON")
# Token issuing refuses this; if one ever existed it must see no channel at all.
NO_CHANNEL = Principal(token_id=5, name="odd", role=Role.INTEGRATION)
NOT_CHANNEL_SCOPED = (ADMIN, MANAGER, ASSOCIATE)


def test_role_values_are_what_tokens_store() -> None:
    assert [r.value for r in Role] == [
        "admin",
        "store_manager",
        "associate",
        "integration",
        "metrics",
    ]
    assert Role.METRICS not in TOKEN_ROLES
    assert {Role.STORE_MANAGER, Role.ASSOCIATE} == SCOPED_ROLES


def test_the_api_and_the_table_accept_exactly_the_issuable_roles() -> None:
    issuable = [r.value for r in TOKEN_ROLES]
    assert list(get_args(TokenRole)) == issuable
    assert list(ROLES) == issuable


def test_actor_and_messages_show_the_role_value_not_the_enum() -> None:
    assert AMAZON.actor == "integration:amz"
    with pytest.raises(Forbidden) as refused:
        require(AMAZON, Action.AUDIT)
    assert refused.value.detail == "role 'integration' may not audit"


@pytest.mark.parametrize("principal", NOT_CHANNEL_SCOPED, ids=lambda p: p.role)
def test_only_integration_tokens_are_confined_to_a_channel(principal: Principal) -> None:
    assert channel_scope(principal) is None
    assert sees_channel(principal, "AMAZON")
    assert sees_channel(principal, "WEB")
    require_channel(principal, "WEB", to="places orders")


def test_an_integration_token_sees_its_own_channel_only() -> None:
    assert channel_scope(AMAZON) == "AMAZON"
    assert sees_channel(AMAZON, "AMAZON")
    assert not sees_channel(AMAZON, "WEB")
    require_channel(AMAZON, "AMAZON", to="places orders")
    with pytest.raises(Forbidden) as refused:
        require_channel(AMAZON, "WEB", to="places orders")
    assert refused.value.detail == "this token places orders only for channel 'AMAZON'"


def test_an_integration_token_without_a_channel_sees_none() -> None:
    assert channel_scope(NO_CHANNEL) == ""
    assert not sees_channel(NO_CHANNEL, "AMAZON")
    assert not sees_channel(NO_CHANNEL, "")


def test_an_integration_token_sees_only_the_holds_it_placed() -> None:
    assert sees_hold(AMAZON, placed_by="integration:amz")
    assert not sees_hold(AMAZON, placed_by="integration:ebay")
    assert not sees_hold(AMAZON, placed_by="associate:a")


@pytest.mark.parametrize("principal", NOT_CHANNEL_SCOPED, ids=lambda p: p.role)
def test_other_roles_are_not_limited_by_who_placed_a_hold(principal: Principal) -> None:
    assert sees_hold(principal, placed_by="integration:amz")
    assert sees_hold(principal, placed_by="someone:else")


def test_a_token_is_issued_only_with_the_scope_its_role_needs() -> None:
    check_token_scope(Role.ADMIN, has_locations=False, has_channel=False)
    check_token_scope(Role.ASSOCIATE, has_locations=True, has_channel=False)
    check_token_scope(Role.INTEGRATION, has_locations=False, has_channel=True)
    refusals = [
        (Role.STORE_MANAGER, False, False, "a store_manager token needs at least one location"),
        (Role.ADMIN, True, False, "a admin token is not scoped to locations"),
        (Role.INTEGRATION, True, True, "a integration token is not scoped to locations"),
        (Role.INTEGRATION, False, False, "an integration token needs a channel_code"),
    ]
    for role, has_locations, has_channel, message in refusals:
        with pytest.raises(InvalidInput) as refused:
            check_token_scope(role, has_locations=has_locations, has_channel=has_channel)
        assert refused.value.detail == message
