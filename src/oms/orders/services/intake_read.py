"""Order placement's first round trip: everything the request names, in one statement.

The SKUs, the pickup stores, an order already placed under this external id, the
customer's matching profiles and the candidate locations with their stock come back as
one ``UNION ALL``; each row says which ``kind`` of answer it is. A ``UNION ALL`` needs every
branch to return the same columns, so the branches below name only their own columns and
``union_all`` pads the rest with typed NULLs.

To read one more thing here: add a ``Branch`` (its ``kind``, its columns and its FROM), and
declare any new column's type in ``COLUMN_TYPES``; then take its rows with
``rows["<kind>"]``. Request data is never part of the SQL text: only these constants are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.customers.services.matching import MATCH_SQL
from oms.orders.services.routing_sql import CANDIDATES_BY_CODE

# Every column any branch returns, with its type (the padding NULLs need one).
COLUMN_TYPES: dict[str, str] = {
    "id": "bigint",
    "code": "text",
    "pickup": "boolean",
    "email_key": "text",
    "phone_key": "text",
    "location_kind": "text",
    "lat": "float8",
    "lon": "float8",
    "priority": "int",
    "capabilities": "text[]",
    "capacity_left": "int",
    "sku_ids": "bigint[]",
    "available": "int[]",
}


@dataclass(frozen=True, slots=True)
class Branch:
    kind: str
    columns: Mapping[str, str]  # column -> SQL expression
    source: str  # FROM ... [WHERE ...]


def union_all(branches: Sequence[Branch]) -> str:
    """The branches as one ``UNION ALL``: ``kind`` first, then every column of
    ``COLUMN_TYPES`` (NULL where a branch does not return it)."""
    selects = []
    for branch in branches:
        unknown = set(branch.columns) - COLUMN_TYPES.keys()
        if unknown:
            raise ValueError(f"declare the type of {sorted(unknown)} in COLUMN_TYPES")
        values = [
            f"CAST({branch.columns.get(name, 'NULL')} AS {sql_type}) AS {name}"
            for name, sql_type in COLUMN_TYPES.items()
        ]
        selects.append(f"SELECT '{branch.kind}' AS kind, {', '.join(values)}\n  {branch.source}")
    return "\nUNION ALL\n".join(selects)


_CANDIDATE_COLUMNS = (
    *("id", "code", "location_kind", "lat", "lon", "priority", "capabilities"),
    *("capacity_left", "sku_ids", "available"),
)
BRANCHES = (
    Branch(
        "sku",
        {"id": "id", "code": "code"},
        "FROM sku WHERE code = ANY(CAST(:skus AS text[])) AND active",
    ),
    Branch(
        "location",
        {"id": "id", "code": "code", "pickup": "'pickup' = ANY(capabilities)"},
        "FROM location WHERE code = ANY(CAST(:locations AS text[])) AND active",
    ),
    Branch(  # an order already placed under this (channel, external id)
        "order",
        {"code": "CAST(id AS text)"},
        "FROM sales_order WHERE channel_id = :channel_id AND external_id = :external_id",
    ),
    Branch(
        "customer",
        {"code": "CAST(id AS text)", "email_key": "email_key", "phone_key": "phone_key"},
        f"FROM ({MATCH_SQL}) profiles",
    ),
    Branch(
        "candidate",
        {name: name for name in _CANDIDATE_COLUMNS},
        f"FROM ({CANDIDATES_BY_CODE}) candidates",
    ),
)
INTAKE_READ = text(union_all(BRANCHES))


async def read_intake(conn: AsyncConnection, params: dict[str, Any]) -> dict[str, list[Row[Any]]]:
    """The rows of ``INTAKE_READ`` by kind; a kind with no rows reads as an empty list."""
    rows: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in await conn.execute(INTAKE_READ, params):
        rows[row.kind].append(row)
    return rows
