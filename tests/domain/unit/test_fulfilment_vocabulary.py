"""One fulfilment vocabulary: the domain defines the states and methods; the table's CHECK
constraints, the API schema and the SQL the services send agree with it (no database)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
from sqlalchemy import CheckConstraint

from oms.db.models import Fulfilment
from oms.db.models.channels import EVENT_STATES
from oms.domain.fulfilment_flow import (
    DEAD_STATES,
    DELIVERED_STATES,
    FINAL_STATES,
    LIVE_STATES,
    METHODS,
    STATES,
    WORK_STATES,
)
from oms.domain.routing import AllocationMethod, Method
from oms.orders.schemas import FulfilmentOut

SRC = Path(__file__).resolve().parents[3] / "src" / "oms"
VOCABULARY = {"state": STATES, "method": METHODS}


def _check_values(column: str) -> tuple[str, ...]:
    """The values the table's CHECK constraint on ``column`` allows, in its order."""
    [check] = [
        c
        for c in Fulfilment.metadata.tables[Fulfilment.__tablename__].constraints
        if isinstance(c, CheckConstraint) and str(c.sqltext).startswith(f"{column} IN (")
    ]
    return tuple(re.findall(r"'([^']*)'", str(check.sqltext)))


def test_the_groups_of_states_are_states_of_the_flow() -> None:
    for group in (WORK_STATES, LIVE_STATES, DELIVERED_STATES, DEAD_STATES, FINAL_STATES):
        assert group <= set(STATES)
    assert LIVE_STATES.isdisjoint(FINAL_STATES)
    assert set(STATES) == LIVE_STATES | FINAL_STATES


@pytest.mark.parametrize("column", ["state", "method"])
def test_the_table_allows_exactly_the_domains_values_in_the_same_order(column: str) -> None:
    # The same order too: the constraint text must stay what the migration created.
    assert _check_values(column) == VOCABULARY[column]


@pytest.mark.parametrize("column", ["state", "method"])
def test_the_api_schema_names_exactly_the_domains_values(column: str) -> None:
    hints = get_type_hints(FulfilmentOut)
    assert get_args(hints[column]) == VOCABULARY[column]


def test_routing_plans_fulfilments_of_the_domains_methods() -> None:
    assert get_args(AllocationMethod) == METHODS
    assert set(get_args(Method)) <= set(METHODS)


# A state or method named in SQL or Python outside the domain module: a single one may be
# spelled out (a partial index's predicate must be, for the planner to use it), but it must
# be one the domain knows; lists are bound from the domain's groups, never spelled out.
_NAMED = re.compile(r"""\b(state|method)\s*(?:=|<>|!=|==)\s*['"]([a-z_]+)['"]""")
_LIST = re.compile(r"""\b(?:state|method)\s+(?:NOT\s+)?IN\s*\(\s*'""", re.IGNORECASE)


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p.name != "fulfilment_flow.py"]


def _vocabulary(path: Path) -> Mapping[str, tuple[str, ...]]:
    # Channel sync's ``state`` is a partner event's (channel_event), with its own CHECK.
    if path.relative_to(SRC).parts[0] == "sync" or path == SRC / "db/models/channels.py":
        return {"state": EVENT_STATES, "method": METHODS}
    return VOCABULARY


def test_every_state_or_method_named_in_the_code_is_in_the_vocabulary() -> None:
    unknown = [
        f"{path.relative_to(SRC)}: {column} {value!r}"
        for path in _sources()
        for column, value in _NAMED.findall(path.read_text())
        if value not in _vocabulary(path)[column]
    ]
    assert unknown == []


def test_no_sql_spells_out_a_list_of_states_or_methods() -> None:
    spelled = [str(path.relative_to(SRC)) for path in _sources() if _LIST.search(path.read_text())]
    assert spelled == []
