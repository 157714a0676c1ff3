"""Whole-value patterns: a final newline is not part of a valid value, in every pattern
the API documents and checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from oms.app import create_app
from oms.config import Settings
from oms.domain.patterns import END, whole
from oms.fulfilment.schemas import ShipIn
from oms.orders.schemas import Currency, Email, ExternalId
from oms.schemas import Code


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (Code, "TNT-2P-GRN", ["TNT-2P-GRN\n", "TNT 2P", "\nTNT", ""]),
        (Currency, "GBP", ["GBP\n", "GBPX", "gbp"]),
        (ExternalId, "order-1001", ["order-1001\n", "order 1001"]),
        (Email, "ada@example.com", ["ada@example.com\n", "ada@example"]),
    ],
)
def test_a_value_with_anything_after_it_is_refused(kind: Any, good: str, bad: list[str]) -> None:
    assert msgspec.convert(good, kind) == good
    for value in bad:
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(value, kind)


def test_a_carrier_link_ends_where_it_ends() -> None:
    with pytest.raises(msgspec.ValidationError, match="carrier_tracking_url"):
        msgspec.convert({"carrier_tracking_url": "https://t.example/1\n"}, ShipIn)


def test_whole_matches_the_body_and_nothing_more() -> None:
    pattern = re.compile(whole(r"[a-z]+"))
    assert pattern.search("abc")
    for value in ("abc\n", "abc ", " abc", "ab1", ""):
        assert pattern.search(value) is None


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_every_anchored_pattern_in_the_api_document_ends_the_value() -> None:
    spec = create_app(Settings()).openapi_schema.to_schema()
    anchored = [p for p in set(_patterns(spec)) if p.startswith("^")]
    assert anchored, "the document has anchored patterns"
    assert [p for p in anchored if not p.endswith(END)] == []
