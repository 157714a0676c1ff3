"""Report public functions without a docstring, per package of src/oms (informational).

    python .ci/docstrings.py        # per package: documented / all, functions then methods
    python .ci/docstrings.py -v     # and each function or method that has none

Public: a name without a leading underscore; functions at module level, methods of public
classes. Route handlers in controllers count too (their route says much of the contract).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "oms"
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def main(verbose: bool) -> None:
    # package -> kind ("functions" / "methods") -> [documented, all]
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    missing: dict[str, list[str]] = defaultdict(list)
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        package = relative.parts[0].removesuffix(".py")
        for node, owner in _public(ast.parse(path.read_text())):
            kind = "methods" if owner else "functions"
            counts[package][kind][1] += 1
            if ast.get_docstring(node):
                counts[package][kind][0] += 1
            else:
                missing[package].append(f"{relative}:{node.lineno} {owner}{node.name}")
    totals = {"functions": [0, 0], "methods": [0, 0]}
    print(f"{'package':15} {'functions':15}   methods")
    for package in sorted(counts):
        cells = []
        for kind, total in totals.items():
            documented, found = counts[package][kind]
            total[0] += documented
            total[1] += found
            cells.append(_cell(documented, found))
        print(f"{package:15} {cells[0]}   {cells[1]}")
        if verbose:
            for entry in missing[package]:
                print(f"    {entry}")
    print(f"{'all':15} {_cell(*totals['functions'])}   {_cell(*totals['methods'])}")


def _public(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    for node in tree.body:
        if isinstance(node, FUNCTIONS) and not node.name.startswith("_"):
            found.append((node, ""))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found.extend(
                (item, f"{node.name}.")
                for item in node.body
                if isinstance(item, FUNCTIONS) and not item.name.startswith("_")
            )
    return found


def _cell(documented: int, found: int) -> str:
    share = f"{100 * documented // found:3d}%" if found else "   -"
    return f"{documented:4}/{found:<4} {share}"


if __name__ == "__main__":
    main(verbose="-v" in sys.argv[1:])
