"""The stock import parser: CSV and JSON lines, fed in arbitrary chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.domain.errors import InvalidInput
from oms.inventory.services.import_parse import (
    MAX_LINE_BYTES,
    Batch,
    RowParser,
    parse_count,
    parse_stream,
)


def parse(data: bytes, fmt: str = "csv", chunk: int | None = None) -> Batch:
    parser = RowParser(fmt)
    step = chunk or max(len(data), 1)
    for start in range(0, len(data), step):
        parser.feed(data[start : start + step])
    parser.finish()
    return parser.take()


def codes(batch: Batch) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in batch.errors]


def test_csv_rows_keep_their_line_numbers() -> None:
    batch = parse(b"sku,location,on_hand\nA,S1,5\n\nB , S2 , 0 \r\nC,S1,1000000")
    assert batch.rows == [
        (2, "A", "S1", 5, None),
        (4, "B", "S2", 0, None),
        (5, "C", "S1", 1000000, None),
    ]
    assert batch.errors == []


def test_csv_header_in_any_order_with_bom_quotes_and_safety_stock() -> None:
    data = '\ufeffOn_Hand,"sku",safety_stock,location\n3,"A,1",2,S1\n4,B,,S1\n'.encode()
    batch = parse(data)
    assert batch.rows == [(2, "A,1", "S1", 3, 2), (3, "B", "S1", 4, None)]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("A,S1,-3", "bad_number"),
        ("A,S1,2.5", "bad_number"),
        ("A,S1,1_000", "bad_number"),
        ("A,S1,+5", "bad_number"),
        ("A,S1,\u0665", "bad_number"),  # a non-ASCII digit int() would accept
        ("A,S1,1000001", "bad_number"),
        ("A,S1,99999999999999999999999", "bad_number"),
        ("A,S1,many", "bad_number"),
        ("A,S1,", "missing_field"),
        (",S1,4", "missing_field"),
        ("A, ,4", "missing_field"),
        ("A,S1", "bad_row"),
        ("A,S1,4,5", "bad_row"),
    ],
)
def test_csv_bad_rows_are_reported_and_the_rest_parsed(line: str, code: str) -> None:
    batch = parse(f"sku,location,on_hand\nOK,S1,1\n{line}\nOK2,S1,2\n".encode())
    assert codes(batch) == [(3, code)]
    assert [r[0] for r in batch.rows] == [2, 4]


def test_csv_bad_safety_stock() -> None:
    batch = parse(b"sku,location,on_hand,safety_stock\nA,S1,1,-1\nB,S1,1,x\nC,S1,1,0\n")
    assert codes(batch) == [(2, "bad_number"), (3, "bad_number")]
    assert "safety_stock" in batch.errors[0].message
    assert batch.rows == [(4, "C", "S1", 1, 0)]


@pytest.mark.parametrize(
    "header",
    ["sku,location", "sku,location,on_hand,colour", "sku,sku,location,on_hand", "A,S1,5"],
)
def test_csv_bad_header_refuses_the_file(header: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(f"{header}\nA,S1,5\n".encode())
    assert "header" in info.value.detail


def test_csv_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse(b"\n\n")


def test_invalid_utf8_fails_only_its_line() -> None:
    batch = parse(b"sku,location,on_hand\nA,S1,1\nB\xff,S1,2\nC,S1,3\n")
    assert codes(batch) == [(3, "bad_row")]
    assert [r[1] for r in batch.rows] == ["A", "C"]


def test_overlong_line_is_skipped_without_buffering_it() -> None:
    parser = RowParser("csv")
    parser.feed(b"sku,location,on_hand\nA,S1,1\n")
    for _ in range(10):
        parser.feed(b"x" * (MAX_LINE_BYTES // 4))
    assert len(parser._tail) <= MAX_LINE_BYTES  # nothing of the long line is kept
    parser.feed(b"yyy\nB,S1,2\n")
    parser.finish()
    batch = parser.take()
    assert codes(batch) == [(3, "bad_row")]
    assert batch.rows == [(2, "A", "S1", 1, None), (4, "B", "S1", 2, None)]


def test_jsonl_rows_and_errors() -> None:
    lines = [
        '{"sku": "A", "location": "S1", "on_hand": 5}',
        '{"sku": "B", "location": "S1", "on_hand": 0, "safety_stock": 2}',
        "",
        '{"sku": "C", "location": "S1", "on_hand": -1}',
        '{"sku": "C", "location": "S1", "on_hand": 1.5}',
        '{"sku": "C", "location": "S1", "on_hand": "4"}',
        '{"sku": "C", "location": "S1", "on_hand": true}',
        '{"sku": "C", "location": "S1", "on_hand": 2000000}',
        '{"sku": "C", "location": "S1"}',
        '{"sku": "C", "location": null, "on_hand": 1}',
        '{"sku": "C", "location": "S1", "on_hand": 1, "colour": "red"}',
        '["C", "S1", 1]',
        '{"sku": "C", "location": ',
        '{"sku": 7, "location": "S1", "on_hand": 1}',
        '{"sku": "D", "location": "S1", "on_hand": 1, "safety_stock": null}',
        '{"sku": "E", "location": "S1", "on_hand": 1, "safety_stock": -2}',
    ]
    batch = parse("\n".join(lines).encode(), "jsonl")
    assert batch.rows == [(1, "A", "S1", 5, None), (2, "B", "S1", 0, 2), (15, "D", "S1", 1, None)]
    assert codes(batch) == [
        (4, "bad_number"),
        (5, "bad_number"),
        (6, "bad_number"),
        (7, "bad_number"),
        (8, "bad_number"),
        (9, "missing_field"),
        (10, "missing_field"),
        (11, "bad_row"),
        (12, "bad_row"),
        (13, "bad_row"),
        (14, "bad_row"),
        (16, "bad_number"),
    ]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidInput):
        RowParser("xml")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("0", 0), (" 12 ", 12), ("0001", 1), ("1000000", 1000000), ("1000001", None), ("", None)],
)
def test_parse_count(raw: str, value: int | None) -> None:
    assert parse_count(raw) == value


_CSV_LINE = st.one_of(
    st.tuples(
        st.sampled_from(["A", "B", "Ä", '"C,1"', ""]),
        st.sampled_from(["S1", "S2", ""]),
        st.sampled_from(["0", "7", "-1", "x", "1000001"]),
    ).map(",".join),
    st.just(""),
    st.just("garbage"),
)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(_CSV_LINE, max_size=30),
    chunk=st.integers(min_value=1, max_value=64),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_chunking_parses_the_same(lines: list[str], chunk: int, newline: str) -> None:
    data = newline.join(["sku,location,on_hand", *lines]).encode()
    whole = parse(data)
    pieces = parse(data, chunk=chunk)
    assert pieces.rows == whole.rows
    assert pieces.errors == whole.errors
    # Every non-blank line is either a row or an error, exactly once.
    assert len(whole) == sum(1 for line in lines if line.strip())


async def test_parse_stream_batches_in_file_order() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"sku,location,on_hand\n"
        for i in range(10):
            yield f"A{i},S1,{i}\nbad\n".encode()

    batches = [b async for b in parse_stream(chunks(), "csv", batch_rows=5)]
    assert all(len(b) >= 5 for b in batches[:-1])
    lines = [r[0] for b in batches for r in b.rows] + [e.line for b in batches for e in b.errors]
    assert sorted(lines) == list(range(2, 22))
    assert [r[0] for b in batches for r in b.rows] == list(range(2, 22, 2))
