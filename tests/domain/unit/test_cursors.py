"""Keyset cursors round-trip their key and refuse anything else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from oms.domain.cursors import decode_cursor, decode_time_key, encode_cursor, encode_time_key
from oms.domain.errors import InvalidInput


def test_a_key_round_trips() -> None:
    cursor = encode_cursor("tent 2p", 42)
    assert "=" not in cursor
    assert decode_cursor(cursor, str, int) == ("tent 2p", 42)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 at all!",
        encode_cursor(1, 2),  # wrong types
        encode_cursor("a"),  # too short for (str, int)
        encode_cursor("a", 1, 2),  # too long
        "eyJhIjoxfQ",  # a JSON object, not a list
    ],
)
def test_anything_else_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, str, int)


def test_a_boolean_is_not_an_integer() -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(encode_cursor("x", True), str, int)


def test_a_time_key_round_trips_to_the_microsecond() -> None:
    at = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    row_id = uuid.uuid4()
    assert decode_time_key(encode_time_key(at, row_id)) == (at, row_id)


@pytest.mark.parametrize(
    "cursor", [encode_cursor("yesterday", str(uuid.uuid4())), encode_cursor("2026-03-01", "x")]
)
def test_a_time_key_that_does_not_parse_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_time_key(cursor)
