"""Savepoints are taken one way: through ``oms.db.savepoints`` (its docstring says why)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import oms
from tests.support.source_scan import docstring_ids

SOURCE = Path(oms.__file__).parent
HELPER = SOURCE / "db" / "savepoints.py"
_SAVEPOINT_SQL = re.compile(r"\b(ROLLBACK\s+TO\s+|RELEASE\s+)?SAVEPOINT\s+\w", re.IGNORECASE)


def savepoint_breaches(path: Path, source: str) -> list[str]:
    """Where ``source`` takes a savepoint other than through the helper."""
    tree = ast.parse(source, str(path))
    prose = docstring_ids(tree)
    breaches = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "begin_nested":
            breaches.append(f"{path.name} line {node.lineno}: begin_nested()")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and _SAVEPOINT_SQL.search(node.value)
        ):
            breaches.append(f"{path.name} line {node.lineno}: SAVEPOINT text")
    return breaches


def test_only_the_helper_takes_savepoints() -> None:
    breaches = [
        breach
        for path in sorted(SOURCE.rglob("*.py"))
        if path != HELPER
        for breach in savepoint_breaches(path, path.read_text())
    ]
    assert breaches == [], "take savepoints through oms.db.savepoints"


def test_the_scan_sees_both_other_ways() -> None:
    probe = Path("probe.py")
    assert savepoint_breaches(probe, "async def f(s):\n    await s.begin_nested()\n")
    assert savepoint_breaches(probe, 'Q = text("SAVEPOINT attempt")\n')
    assert savepoint_breaches(probe, 'Q = text("rollback to savepoint attempt")\n')
    assert not savepoint_breaches(probe, '"""Savepoints go through oms.db.savepoints."""\n')
