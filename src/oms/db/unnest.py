"""Typed rows for hand-written multi-table statements: one declaration per table drives
its column list, its parameters and the code that fills them.

A statement that writes several rows of a table in one round trip takes each column as an
array parameter and zips them back together with ``unnest(...)``. Written by hand, the
column list, the array parameters and the code that fills them are three lists that must
agree in order, and two columns of the same type swapped in one of them go unnoticed. Here a
row type declares the table's columns once: its field names *are* the column names, each
``Annotated`` with its PostgreSQL type, and rows are built by keyword (``kw_only``), so the
order of the declaration does not matter anywhere::

    class LineRow(TableRow, frozen=True, kw_only=True):
        line_no: Annotated[int, "smallint"]
        quantity: Annotated[int, "int"]

    LINES = Rows(LineRow, "ol")
    f"INSERT INTO order_line (order_id, {LINES.columns}) SELECT ord.id, {LINES.alias}.*"
    f"  FROM ord, {LINES.source}"
    LINES.params([LineRow(line_no=1, quantity=2)])  # {"ol_line_no": [1], "ol_quantity": [2]}

``Row`` is the same for a table that gets exactly one row (``VALUES``, scalar parameters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin, get_type_hints

import msgspec


class TableRow(msgspec.Struct, frozen=True, kw_only=True):
    """A row of one table. Subclasses repeat ``frozen=True, kw_only=True``: built by
    keyword only, a row's field order never decides which column gets a value."""


RowT = TypeVar("RowT", bound=TableRow)


class _Columns(Generic[RowT]):
    def __init__(self, row_type: type[RowT], alias: str) -> None:
        self.fields: tuple[str, ...] = row_type.__struct_fields__
        hints = get_type_hints(row_type, include_extras=True)
        self.sql_types = tuple(_sql_type(row_type, name, hints[name]) for name in self.fields)
        self.alias = alias
        self.names = tuple(f"{alias}_{name}" for name in self.fields)
        # "line_no, quantity": the target table's column list, in the declaration's order.
        self.columns = ", ".join(self.fields)

    def _casts(self, suffix: str) -> str:
        return ", ".join(
            f"CAST(:{name} AS {sql_type}{suffix})"
            for name, sql_type in zip(self.names, self.sql_types, strict=True)
        )


class Rows(_Columns[RowT]):
    """Rows of ``row_type`` fed as one array parameter per column, ``<alias>_<field>``."""

    def __init__(self, row_type: type[RowT], alias: str) -> None:
        super().__init__(row_type, alias)
        # "unnest(CAST(:ol_line_no AS smallint[]), ...) AS ol(line_no, ...)"
        self.source = f"unnest({self._casts('[]')}) AS {alias}({self.columns})"

    def params(self, rows: Sequence[RowT]) -> dict[str, list[Any]]:
        """One array per column, in the rows' order."""
        if not rows:
            return {name: [] for name in self.names}
        columns = zip(*(msgspec.structs.astuple(row) for row in rows), strict=True)
        return {name: list(column) for name, column in zip(self.names, columns, strict=True)}


class Row(_Columns[RowT]):
    """One row of ``row_type`` fed as scalar parameters, ``<alias>_<field>``."""

    def __init__(self, row_type: type[RowT], alias: str) -> None:
        super().__init__(row_type, alias)
        # "CAST(:o_id AS uuid), ...": the values, for VALUES (...) or a SELECT list.
        self.values = self._casts("")

    def params(self, row: RowT) -> dict[str, Any]:
        """One value per column, named ``<alias>_<field>``."""
        return dict(zip(self.names, msgspec.structs.astuple(row), strict=True))


def _sql_type(row_type: type, name: str, hint: Any) -> str:
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, str):
                return extra
    raise TypeError(f"{row_type.__name__}.{name} needs Annotated[..., '<PostgreSQL type>']")
