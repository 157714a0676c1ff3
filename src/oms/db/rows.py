"""Shaping result rows: the one way to turn a parent-child join into parents with children."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)


def group_rows(rows: Iterable[Item], key: Callable[[Item], Key]) -> dict[Key, list[Item]]:
    """The rows under each ``key`` (e.g. ``lambda r: r.order_id``), in first-seen order.

    A statement that joins a parent to its children returns one row per child; ordered by
    the parent, this gives each parent its children in the statement's order. Unlike
    ``itertools.groupby`` it does not need the rows sorted by the key, only for the order
    of the children.
    """
    grouped: dict[Key, list[Item]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped
