"""Reading a listings import (CSV or JSON lines) into rows, every bad line reported at once.

Pure code: the whole body is read first (it is capped in size), every line is checked, and
the caller writes nothing unless every line is good. A listing import is a catalogue
decision (what the partner sells), so a half-applied file would be worse than none.
Lines are numbered as an editor shows them: a CSV header is line 1.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

import msgspec

from oms.domain.errors import DomainError
from oms.domain.patterns import whole

Format = Literal["csv", "jsonl"]
MAX_ROWS = 50_000
# The most row problems one answer lists; the count says how many there were in all.
MAX_REPORTED = 1_000
COLUMNS = ("sku", "partner_sku", "partner_item_id", "location")
_CODE = whole(r"[A-Za-z0-9._\-]+")


class ListingLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One line of the file: the same fields as a single listing's body."""

    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=_CODE)]
    partner_sku: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")] | None
    ) = None
    partner_item_id: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")] | None
    ) = None
    location: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=_CODE)] | None = None


class LineProblem(msgspec.Struct, frozen=True):
    line: int
    reason: str


class InvalidRows(DomainError):
    """Some lines of an import are not valid; every one is listed in ``extra.rows`` (line
    and reason) and nothing was written."""

    code = "invalid_rows"
    title = "Some rows are not valid"

    def __init__(self, problems: list[LineProblem]) -> None:
        shown = sorted(problems, key=lambda p: p.line)[:MAX_REPORTED]
        super().__init__(
            f"{len(problems)} row(s) are not valid; nothing was imported",
            rows=[{"line": p.line, "reason": p.reason} for p in shown],
            invalid=len(problems),
        )
        self.problems = problems


def parse(body: bytes, fmt: Format) -> tuple[list[tuple[int, ListingLine]], list[LineProblem]]:
    """(line number, line) for every good line of the file, and a problem for every bad
    one (the caller adds what it finds out from the database, then refuses them all).
    InvalidRows at once for a file that cannot be read as rows at all."""
    try:
        text = body.decode("utf-8-sig")  # a byte order mark, as spreadsheets write
    except UnicodeDecodeError as exc:
        raise InvalidRows([LineProblem(1, f"the file is not valid UTF-8 ({exc.reason})")]) from None
    problems: list[LineProblem] = []
    rows = _csv(text, problems) if fmt == "csv" else _jsonl(text, problems)
    if len(rows) + len(problems) > MAX_ROWS:
        raise InvalidRows([LineProblem(1, f"the file has more than {MAX_ROWS} rows; split it")])
    return rows, problems


def _csv(text: str, problems: list[LineProblem]) -> list[tuple[int, ListingLine]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, ListingLine]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if not any(field.strip() for field in fields):
                continue  # blank lines are not rows
            if header is None:
                header = [name.strip() for name in fields]
                _check_header(header, line)
                continue
            if len(fields) != len(header):
                problems.append(
                    LineProblem(line, f"expected {len(header)} fields, got {len(fields)}")
                )
                continue
            values = {
                name: value.strip()
                for name, value in zip(header, fields, strict=True)
                if value.strip()  # an empty cell is a field not given
            }
            _row(line, values, rows, problems)
    except csv.Error as exc:
        problems.append(LineProblem(reader.line_num, f"not readable as CSV: {exc}"))
    if header is None:
        raise InvalidRows([LineProblem(1, "the file is empty: it starts with a header line")])
    return rows


def _check_header(header: list[str], line: int) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or "sku" not in header or len(set(header)) != len(header):
        raise InvalidRows(
            [
                LineProblem(
                    line,
                    f"the header must be sku[,partner_sku][,partner_item_id][,location], each"
                    f" once; got {','.join(header)[:200]!r}",
                )
            ]
        )


def _jsonl(text: str, problems: list[LineProblem]) -> list[tuple[int, ListingLine]]:
    rows: list[tuple[int, ListingLine]] = []
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = msgspec.json.decode(raw, strict=True)
        except msgspec.DecodeError as exc:
            problems.append(LineProblem(line, f"not valid JSON: {exc}"))
            continue
        if not isinstance(value, dict):
            problems.append(LineProblem(line, "each line is one JSON object"))
            continue
        _row(line, value, rows, problems)
    return rows


def _row(
    line: int,
    values: dict[str, Any],
    rows: list[tuple[int, ListingLine]],
    problems: list[LineProblem],
) -> None:
    try:
        rows.append((line, msgspec.convert(values, ListingLine, strict=True)))
    except msgspec.ValidationError as exc:
        problems.append(LineProblem(line, str(exc).replace("`$.", "`")))
