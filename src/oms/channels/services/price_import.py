"""Importing a channel's prices from a file: CSV (``sku,amount``) or JSON lines.

Unlike a listings import, a price file is applied row by row in effect: a bad row (format,
unknown or inactive SKU, a SKU priced twice) is reported by its line number and the good
rows are written, so one typo in a price file of thousands does not hold back the rest.
The good rows go in one ``INSERT ... ON CONFLICT DO UPDATE`` statement. Admins only.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.channels.price_schemas import (
    MAX_REPORTED_ROWS,
    PriceAmount,
    PriceImportOut,
    PriceRowError,
)
from oms.channels.services.prices import priced_channel
from oms.domain.access import Action, Principal, require
from oms.domain.errors import InvalidInput
from oms.schemas import Code

Format = Literal["csv", "jsonl"]
MEDIA_TYPES: dict[str, Format] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = frozenset({"sku", "amount"})

_SKUS = text("SELECT code, id, active FROM sku WHERE code = ANY(:codes)")
_UPSERT = text(
    """
    INSERT INTO channel_price (channel_id, sku_id, amount, updated_by)
    SELECT :channel_id, r.sku_id, r.amount, :actor
      FROM unnest(CAST(:sku_ids AS bigint[]), CAST(:amounts AS bigint[])) AS r(sku_id, amount)
    ON CONFLICT (channel_id, sku_id) DO UPDATE
       SET amount = EXCLUDED.amount, updated_by = EXCLUDED.updated_by, updated_at = now()
    """
)


class PriceLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Code
    amount: PriceAmount


Problem = tuple[int, str]  # (line, reason)


def format_for(media_type: str) -> Format:
    """The file format of a Content-Type (parameters ignored); InvalidInput if none."""
    fmt = MEDIA_TYPES.get(media_type.split(";", 1)[0].strip().lower())
    if fmt is None:
        raise InvalidInput(
            f"no price import format for {media_type!r}; send text/csv or application/x-ndjson"
        )
    return fmt


def parse(body: bytes, fmt: Format) -> tuple[list[tuple[int, PriceLine]], list[Problem]]:
    """(line number, row) for every good line, and (line, reason) for every bad one.
    InvalidInput for a file that cannot be read as rows at all (encoding, header, size)."""
    try:
        content = body.decode("utf-8-sig")  # a byte order mark, as spreadsheets write
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not valid UTF-8 ({exc.reason})") from None
    problems: list[Problem] = []
    rows = _csv(content, problems) if fmt == "csv" else _jsonl(content, problems)
    if len(rows) + len(problems) > MAX_ROWS:
        raise InvalidInput(f"the file has more than {MAX_ROWS} rows; split it")
    return rows, problems


def _csv(content: str, problems: list[Problem]) -> list[tuple[int, PriceLine]]:
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    rows: list[tuple[int, PriceLine]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if not any(field.strip() for field in fields):
                continue  # blank lines are not rows
            if header is None:
                header = [name.strip().lower() for name in fields]
                if set(header) != COLUMNS or len(header) != len(COLUMNS):
                    raise InvalidInput(
                        f"the header must be sku,amount; got {','.join(header)[:200]!r}"
                    )
                continue
            if len(fields) != len(header):
                problems.append((line, f"expected {len(header)} fields, got {len(fields)}"))
                continue
            values = dict(zip(header, (value.strip() for value in fields), strict=True))
            amount = values["amount"]
            # Plain ASCII digits only: int() would also take "1_000", "+5" or "٣".
            if not (amount.isascii() and amount.isdigit()) or len(amount) > 12:
                problems.append((line, f"amount: a whole number of minor units, got {amount!r}"))
                continue
            _row(line, {"sku": values["sku"], "amount": int(amount)}, rows, problems)
    except csv.Error as exc:
        problems.append((reader.line_num, f"not readable as CSV: {exc}"))
    if header is None:
        raise InvalidInput("the file is empty: it starts with the header sku,amount")
    return rows


def _jsonl(content: str, problems: list[Problem]) -> list[tuple[int, PriceLine]]:
    rows: list[tuple[int, PriceLine]] = []
    for line, raw in enumerate(content.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = msgspec.json.decode(raw, strict=True)
        except msgspec.DecodeError as exc:
            problems.append((line, f"not valid JSON: {exc}"))
            continue
        if not isinstance(value, dict):
            problems.append((line, 'each line is one JSON object: {"sku": ..., "amount": ...}'))
            continue
        _row(line, value, rows, problems)
    return rows


def _row(
    line: int, values: dict[str, Any], rows: list[tuple[int, PriceLine]], problems: list[Problem]
) -> None:
    try:
        rows.append((line, msgspec.convert(values, PriceLine, strict=True)))
    except msgspec.ValidationError as exc:
        problems.append((line, str(exc).replace("`$.", "`")))


async def import_prices(
    session: AsyncSession, principal: Principal, code: str, body: bytes, media_type: str
) -> PriceImportOut:
    """Write the prices a file lists on the channel (admins only); every bad row is
    reported and skipped, the good ones applied in one statement."""
    require(principal, Action.MANAGE_PRICES)
    fmt = format_for(media_type)
    channel = await priced_channel(session, code)
    lines, problems = parse(body, fmt)
    sku_ids, amounts = await _resolve(session, lines, problems)
    if sku_ids:
        await session.execute(
            _UPSERT,
            {
                "channel_id": channel.id,
                "actor": principal.actor,
                "sku_ids": sku_ids,
                "amounts": amounts,
            },
        )
    shown = sorted(problems)[:MAX_REPORTED_ROWS]
    return PriceImportOut(
        currency=channel.currency,
        applied=len(sku_ids),
        rejected=len(problems),
        errors=[PriceRowError(line=line, reason=reason) for line, reason in shown],
    )


async def _resolve(
    session: AsyncSession, lines: list[tuple[int, PriceLine]], problems: list[Problem]
) -> tuple[list[int], list[int]]:
    """SKU ids and amounts of the good lines; a problem for each line naming an unknown or
    inactive SKU, or a SKU an earlier line priced (the earlier line's price is applied: one
    statement cannot set a price twice, and the report points at the second to check)."""
    codes = sorted({line.sku for _, line in lines})
    found = {row.code: row for row in await session.execute(_SKUS, {"codes": codes})}
    first_line: dict[str, int] = {}
    sku_ids: list[int] = []
    amounts: list[int] = []
    for number, line in lines:
        sku = found.get(line.sku)
        if sku is None:
            problems.append((number, f"sku: unknown SKU {line.sku!r}"))
        elif not sku.active:
            problems.append((number, f"sku: {line.sku!r} is inactive"))
        elif line.sku in first_line:
            problems.append((number, f"sku: {line.sku!r} is priced by line {first_line[line.sku]}"))
        else:
            first_line[line.sku] = number
            sku_ids.append(sku.id)
            amounts.append(line.amount)
    return sku_ids, amounts
