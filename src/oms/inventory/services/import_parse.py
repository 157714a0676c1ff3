"""Parse a stock import (CSV or JSON lines) incrementally, byte chunk by byte chunk.

Pure code, no I/O: the caller feeds whatever chunks the transport delivers and takes
batches of clean rows plus per-line errors. Memory stays bounded by one batch and one
line, however large the file. A bad line is reported with its line number and never
stops the lines after it; only a bad CSV header refuses the whole file.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from oms.domain.errors import InvalidInput
from oms.domain.stock import MAX_QUANTITY

ErrorCode = Literal["unknown_sku", "unknown_location", "bad_number", "missing_field", "bad_row"]
# (line, sku code, location code, on_hand, safety_stock or None when not given)
Row = tuple[int, str, str, int, int | None]

FORMATS = ("csv", "jsonl")
COLUMNS = ("sku", "location", "on_hand", "safety_stock")
REQUIRED = ("sku", "location", "on_hand")
# Codes are at most 64 characters, so a real line is short; anything longer is garbage
# and must not grow the buffer without bound.
MAX_LINE_BYTES = 16_384
_SHOWN = 80  # longest piece of user input repeated in an error message


class RowError(msgspec.Struct, frozen=True):
    line: int
    code: ErrorCode
    message: str


@dataclass(slots=True)
class Batch:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows) + len(self.errors)


def shown(value: object) -> str:
    """``repr(value)`` cut to ``_SHOWN`` characters, for quoting a bad value in a row error."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def parse_count(raw: str) -> int | None:
    """A whole number 0..MAX_QUANTITY in plain ASCII digits, else None.

    Stricter than ``int()``, which also takes "1_000", "+5" and non-ASCII digits.
    """
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    value = int(text)
    return value if value <= MAX_QUANTITY else None


def _bad_number(line: int, name: str, raw: object) -> RowError:
    return RowError(
        line, "bad_number", f"{name} must be a whole number from 0 to {MAX_QUANTITY}, got {raw}"
    )


class RowParser:
    """Feed bytes, take batches. One parser per file."""

    def __init__(self, fmt: str) -> None:
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown import format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.line = 0  # number of the last complete line handed to the parser
        self._tail = b""
        self._skipping = False  # inside an over-long line: drop bytes until its newline
        self._columns: dict[str, int] | None = None  # CSV: column name -> field index
        self._batch = Batch()

    @property
    def pending(self) -> int:
        """Rows and row errors parsed since the last ``take``."""
        return len(self._batch)

    def take(self) -> Batch:
        """The rows and errors parsed so far; the parser starts a new batch."""
        batch, self._batch = self._batch, Batch()
        return batch

    def feed(self, data: bytes) -> None:
        """Parse every complete line in ``data``; keep a partial last line for the next feed."""
        if not data:
            return
        if self._skipping:
            cut = data.find(b"\n")
            if cut < 0:
                return
            self._skipping = False
            self.line += 1
            data = data[cut + 1 :]
        buffer = self._tail + data if self._tail else data
        cut = buffer.rfind(b"\n")
        if cut < 0:
            self._tail = buffer
        else:
            self._tail = buffer[cut + 1 :]
            self._lines(buffer[:cut])
        if len(self._tail) > MAX_LINE_BYTES:
            self._batch.errors.append(
                RowError(self.line + 1, "bad_row", f"line is longer than {MAX_LINE_BYTES} bytes")
            )
            self._tail = b""
            self._skipping = True

    def finish(self) -> None:
        """Parse the last unterminated line; InvalidInput for a CSV without even a header."""
        if self._skipping:
            self._skipping = False
            self.line += 1
        elif self._tail:
            tail, self._tail = self._tail, b""
            self._lines(tail)
        if self.fmt == "csv" and self._columns is None:
            raise InvalidInput("the file is empty: a CSV import starts with a header line")

    def _lines(self, block: bytes) -> None:
        """Parse complete lines (without the final newline)."""
        try:
            text = block.decode()
        except UnicodeDecodeError:
            for raw in block.split(b"\n"):
                try:
                    self._parse_lines(raw.decode())
                except UnicodeDecodeError:
                    self.line += 1
                    self._batch.errors.append(RowError(self.line, "bad_row", "not valid UTF-8"))
            return
        self._parse_lines(text)

    def _parse_lines(self, text: str) -> None:
        if self.line == 0 and text.startswith("\ufeff"):
            text = text[1:]  # a byte order mark, as spreadsheet exports like to write
        if self.fmt == "csv":
            self._csv_lines(text.split("\n"))
        else:
            self._json_lines(text.split("\n"))

    # ---- CSV -----------------------------------------------------------------------------

    def _csv_lines(self, lines: list[str]) -> None:
        start = 0
        while self._columns is None and start < len(lines):
            self.line += 1
            if lines[start].strip():
                self._columns = _csv_header(lines[start])
            start += 1
        if self._columns is None:
            return
        columns = self._columns
        width = len(columns)
        i_sku, i_location, i_on_hand = (columns[n] for n in REQUIRED)
        i_safety = columns.get("safety_stock")
        rows = self._batch.rows
        errors = self._batch.errors
        line = self.line
        for text in lines[start:]:
            line += 1
            fields = text.split(",") if '"' not in text else _quoted_fields(text)
            if len(fields) != width:
                if text.strip():  # blank lines are not rows
                    errors.append(
                        RowError(line, "bad_row", f"expected {width} fields, got {len(fields)}")
                    )
                continue
            sku = fields[i_sku].strip()
            location = fields[i_location].strip()
            raw_on_hand = fields[i_on_hand]
            on_hand = parse_count(raw_on_hand)
            if not sku or not location or on_hand is None:
                errors.append(_csv_field_error(line, sku, location, raw_on_hand))
                continue
            safety: int | None = None
            if i_safety is not None:
                raw_safety = fields[i_safety].strip()
                if raw_safety:  # an empty cell keeps the current safety stock
                    safety = parse_count(raw_safety)
                    if safety is None:
                        errors.append(_bad_number(line, "safety_stock", shown(raw_safety)))
                        continue
            rows.append((line, sku, location, on_hand, safety))
        self.line = line

    # ---- JSON lines ----------------------------------------------------------------------

    def _json_lines(self, lines: list[str]) -> None:
        for text in lines:
            self.line += 1
            if not text.strip():
                continue
            try:
                value = _decode_json(text)
            except msgspec.DecodeError:
                self._batch.errors.append(RowError(self.line, "bad_row", "not valid JSON"))
                continue
            self._json_row(self.line, value)

    def _json_row(self, line: int, value: object) -> None:
        errors = self._batch.errors
        if not isinstance(value, dict):
            errors.append(RowError(line, "bad_row", "each line must be a JSON object"))
            return
        unknown = sorted(str(k) for k in value if k not in COLUMNS)
        if unknown:
            errors.append(RowError(line, "bad_row", f"unknown field(s): {', '.join(unknown)}"))
            return
        missing = [n for n in REQUIRED if value.get(n) in (None, "")]
        if missing:
            errors.append(RowError(line, "missing_field", f"missing {', '.join(missing)}"))
            return
        sku, location = value["sku"], value["location"]
        if not isinstance(sku, str) or not isinstance(location, str):
            errors.append(RowError(line, "bad_row", "sku and location must be strings"))
            return
        on_hand = _json_count(value["on_hand"])
        if on_hand is None:
            errors.append(_bad_number(line, "on_hand", shown(value["on_hand"])))
            return
        safety: int | None = None
        if value.get("safety_stock") is not None:
            safety = _json_count(value["safety_stock"])
            if safety is None:
                errors.append(_bad_number(line, "safety_stock", shown(value["safety_stock"])))
                return
        self._batch.rows.append((line, sku.strip(), location.strip(), on_hand, safety))


_decode_json = msgspec.json.Decoder().decode


def _json_count(value: object) -> int | None:
    # bool is an int subclass in Python; `true` is not a count.
    if type(value) is int and 0 <= value <= MAX_QUANTITY:
        return value
    return None


def _quoted_fields(text: str) -> list[str]:
    try:
        return next(csv.reader([text.rstrip("\r")]), [])
    except csv.Error:
        return []


def _csv_field_error(line: int, sku: str, location: str, raw_on_hand: str) -> RowError:
    empty = [
        n for n, v in zip(REQUIRED, (sku, location, raw_on_hand.strip()), strict=True) if not v
    ]
    if empty:
        return RowError(line, "missing_field", f"empty {', '.join(empty)}")
    return _bad_number(line, "on_hand", shown(raw_on_hand.strip()))


def _csv_header(text: str) -> dict[str, int]:
    names = [n.strip().strip('"').strip().lower() for n in text.split(",")]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise InvalidInput(
            "the CSV header must name the columns sku, location, on_hand and optionally"
            f" safety_stock, each once (got {shown(text.strip())})",
            line=1,
        )
    return {name: index for index, name in enumerate(names)}


async def parse_stream(
    chunks: AsyncIterator[bytes], fmt: str, batch_rows: int
) -> AsyncIterator[Batch]:
    """Batches of about ``batch_rows`` lines (rows and errors together), in file order."""
    parser = RowParser(fmt)
    async for chunk in chunks:
        parser.feed(chunk)
        if parser.pending >= batch_rows:
            yield parser.take()
    parser.finish()
    if parser.pending:
        yield parser.take()
