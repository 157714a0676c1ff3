"""The stock gate holds: only ``oms.inventory.ledger`` writes stock.

Every module under ``src/oms`` is read (its syntax tree, not imported) for writes to
``inventory_level`` or ``stock_movement``: SQL text (INSERT INTO, UPDATE, DELETE FROM,
COPY, TRUNCATE, MERGE INTO), asyncpg's COPY helpers, and the ORM (a model constructed,
``insert``/``update``/``delete`` of a model or its table, ``bulk_*`` with a model, or an
assignment to ``.on_hand``, ``.reserved`` or ``.safety_stock``). A module outside the gate
that does any of these fails the test, named with the line.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.source_scan import docstring_ids

SRC = Path(__file__).resolve().parents[3] / "src" / "oms"
GATE = SRC / "inventory" / "ledger"
TABLES = ("inventory_level", "stock_movement")
MODELS = frozenset({"InventoryLevel", "StockMovement"})
LEVEL_QUANTITIES = frozenset({"on_hand", "reserved", "safety_stock"})

_SQL_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)"
    r"\s+(?:ONLY\s+)?(?:public\.)?(" + "|".join(TABLES) + r")\b",
    re.IGNORECASE,
)
_COPY_HELPERS = frozenset({"copy_records_to_table", "copy_to_table"})
_ORM_STATEMENTS = frozenset({"insert", "update", "delete"})


def _name(node: ast.AST) -> str | None:
    """``X`` for ``X`` and for ``a.b.X``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_model(node: ast.AST) -> bool:
    """A stock model, or its ``__table__``."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    return _name(node) in MODELS


def _sql_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, joined by a blank
        return " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return None


def stock_writes(source: str, filename: str = "<source>") -> Iterator[str]:
    """Each write to a stock table in ``source``, as "line N: what"."""
    tree = ast.parse(source, filename)
    prose = docstring_ids(tree)
    inside_fstring = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if id(node) in prose or id(node) in inside_fstring:
            continue
        sql = _sql_text(node)
        if sql is not None:
            for match in _SQL_WRITE.finditer(sql):
                line = getattr(node, "lineno", 0)
                yield f"line {line}: SQL {' '.join(match.group(0).split())}"
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            first = node.args[0] if node.args else None
            if called in MODELS:
                yield f"line {node.lineno}: ORM {called}(...)"
            elif called in _ORM_STATEMENTS and first is not None and _is_model(first):
                yield f"line {node.lineno}: ORM {called}({ast.unparse(first)})"
            elif (
                called in _ORM_STATEMENTS
                and isinstance(node.func, ast.Attribute)
                and _is_model(node.func.value)
            ):
                yield f"line {node.lineno}: ORM {ast.unparse(node.func)}()"
            elif (
                called is not None and called.startswith("bulk_") and any(map(_is_model, node.args))
            ):
                yield f"line {node.lineno}: ORM {called}(...)"
            elif (
                called in _COPY_HELPERS
                and isinstance(first, ast.Constant)
                and first.value in TABLES
            ):
                yield f"line {node.lineno}: COPY into {first.value}"
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in LEVEL_QUANTITIES:
                    yield f"line {node.lineno}: ORM assignment to .{target.attr}"


def _modules(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def test_only_the_ledger_package_writes_stock() -> None:
    outside = [path for path in _modules(SRC) if GATE not in path.parents]
    found = [
        f"{path.relative_to(SRC.parents[1])} {write}"
        for path in outside
        for write in stock_writes(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not found, (
        "only oms.inventory.ledger may write inventory_level or stock_movement; move the"
        " statement there (it may still be composed into a bigger one):\n" + "\n".join(found)
    )


def test_the_scan_sees_the_gates_own_writes() -> None:
    """Not vacuous: every writing module of the gate is seen writing."""
    writing = {
        path.stem
        for path in _modules(GATE)
        if any(stock_writes(path.read_text(encoding="utf-8"), str(path)))
    }
    assert writing >= {"writers", "fulfilment", "safety_stock", "holds", "orders", "imports"}
    assert "sql" in writing  # with_movement's ledger INSERT


@pytest.mark.parametrize(
    "source",
    [
        'X = text("INSERT INTO inventory_level (sku_id) VALUES (1)")',
        'X = "update  inventory_level set on_hand = 0"',
        'X = f"""DELETE FROM stock_movement WHERE id = {1}"""',
        'X = "COPY stock_movement FROM STDIN"',
        'X = "TRUNCATE TABLE inventory_level"',
        'X = "MERGE INTO inventory_level l USING s ON true WHEN MATCHED THEN DELETE"',
        "session.add(InventoryLevel(sku_id=1, location_id=1))",
        "session.add(models.StockMovement(kind='receipt'))",
        "await session.execute(update(InventoryLevel).values(on_hand=1))",
        "await session.execute(insert(StockMovement), rows)",
        "await session.execute(InventoryLevel.__table__.delete())",
        "session.bulk_insert_mappings(InventoryLevel, rows)",
        "level.on_hand = 3",
        "level.reserved += 1",
        "await raw.copy_records_to_table('inventory_level', records=rows)",
    ],
)
def test_the_scan_catches_each_kind_of_write(source: str) -> None:
    assert list(stock_writes(source))


@pytest.mark.parametrize(
    "source",
    [
        'X = "SELECT on_hand FROM inventory_level WHERE sku_id = 1 FOR UPDATE"',
        'X = "SELECT 1 FROM inventory_level l ORDER BY l.sku_id FOR UPDATE OF l"',
        "X = \"UPDATE hold SET status = 'released'\"",
        "rows = await session.execute(select(InventoryLevel.on_hand))",
        'def f():\n    """Like UPDATE inventory_level, in prose."""',
        "free = level.on_hand - level.reserved",
    ],
)
def test_the_scan_leaves_reads_and_prose_alone(source: str) -> None:
    assert not list(stock_writes(source))


# Run in a fresh interpreter: the gate's statements are built at import time, so the
# probe must be in place before the gate is imported (and must not leak into other tests).
_PROBE_SCRIPT = """
import importlib, json, pkgutil
from sqlalchemy import TextClause
import oms.inventory.ledger as gate
import oms.inventory.ledger.sql as sql
sql.sellable_changed = lambda changed: f", sellable_probe AS (SELECT '{changed}')"
found = []
for info in pkgutil.iter_modules(gate.__path__):
    if info.name == "sql":
        continue
    module = importlib.import_module(f"{gate.__name__}.{info.name}")
    for name, value in vars(module).items():
        text = value.text if isinstance(value, TextClause) else value
        if isinstance(text, str) and name.isupper():
            found.append([f"{info.name}.{name}", text])
print(json.dumps(found))
"""
_CHANGES_SELLABLE = re.compile(
    r"\b(?:SET|INSERT\s+INTO\s+inventory_level\b[^)]*\()[^;]*?\b(?:on_hand|reserved|safety_stock)\b"
    r"\s*(?:=|[,)])",
    re.IGNORECASE | re.DOTALL,
)


def test_every_statement_that_changes_what_a_level_can_sell_reports_it() -> None:
    """``sql.sellable_changed`` is the one place channel sync will hook into: every gate
    statement that changes on_hand, reserved or safety_stock must compose it."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE_SCRIPT], capture_output=True, text=True, check=True
    ).stdout
    statements: dict[str, str] = dict(json.loads(out))
    writing = {
        name
        for name, text in statements.items()
        if re.search(r"\b(?:UPDATE|INSERT\s+INTO)\s+inventory_level\b", text, re.IGNORECASE)
        and _CHANGES_SELLABLE.search(text)
    }
    # Not vacuous: the hot paths and the bulk import are among them.
    assert {"holds.RESERVE_HOLD_LINE", "orders.RESERVE_CTES", "imports._UPSERT"} <= writing
    silent = sorted(name for name in writing if "sellable_probe AS" not in statements[name])
    assert not silent, f"compose sql.sellable_changed(...) into: {silent}"
