"""Helpers for tests that read the project's source as syntax trees (rules no linter knows)."""

from __future__ import annotations

import ast


def docstring_ids(tree: ast.Module) -> set[int]:
    """ids of the docstring constants in ``tree``: prose may name a statement it does not run."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found
