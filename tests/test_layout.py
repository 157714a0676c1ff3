"""Test modules share code through tests/support/, never by importing each other.

A test module imported by another is collected twice over and ties one feature's tests to
another's; a builder two of them need belongs in tests/support/.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).parent


def _names_a_test_module(dotted: str) -> bool:
    return any(part.startswith("test_") for part in dotted.split("."))


def _test_modules_imported(path: Path) -> Iterator[str]:
    """Every test module that ``path`` imports, as "file:line imports module"."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("tests.")]
        elif isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("tests.")
        ):
            base = "." * node.level + (node.module or "")
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if _names_a_test_module(name):
                yield f"{path.relative_to(TESTS.parent)}:{node.lineno} imports {name}"
                break


def test_no_test_module_imports_another() -> None:
    found = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _test_modules_imported(path)]
    assert not found, "move what is shared to tests/support/:\n" + "\n".join(found)
