"""Picking by scan: which line a scanned item counts on, and whether a pick is complete.
Pure, no I/O: the service keeps the counts (``fulfilment_line.quantity_picked``).

A code on no line is the wrong item; more units than a line still needs would leave
extra goods in the tote. Both are refused in words an associate can act on, and nothing
is counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oms.domain.errors import InvalidInput

MAX_SCAN_UNITS = 999  # one scan may count a whole case: "12" typed beside the scan


class PickLineFacts(Protocol):
    """A line of the pick list as it stands: what to pick and what is picked."""

    @property
    def line_no(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def barcodes(self) -> Sequence[str]: ...
    @property
    def quantity(self) -> int: ...  # to pick: the line's units less those short
    @property
    def picked(self) -> int: ...


def count_on_lines(
    lines: Sequence[PickLineFacts], code: str, units: int
) -> list[tuple[PickLineFacts, int]]:
    """Where ``units`` scanned units of ``code`` (SKU code, any case, or barcode) count:
    (line, units) pairs, in pick-list order. One SKU on two lines (two order lines of it)
    fills the first before the next, so a case of six may count on both. InvalidInput for
    a code on no line or more units than its lines still need."""
    wanted = code.strip()
    if not wanted:
        raise InvalidInput("scan an item's barcode or type its SKU code")
    if not 1 <= units <= MAX_SCAN_UNITS:
        raise InvalidInput(f"a scan counts 1 to {MAX_SCAN_UNITS} units")
    matching = [
        line
        for line in lines
        if line.sku.casefold() == wanted.casefold() or wanted in line.barcodes
    ]
    if not matching:
        raise InvalidInput(
            f"{wanted} is not on this pick list. Put it back and scan an item from the list."
        )
    left = sum(line.quantity - line.picked for line in matching)
    if units > left:
        line = matching[0]
        needed = "is already complete" if left == 0 else f"needs only {left} more"
        raise InvalidInput(
            f"{line.sku} ({line.name}) {needed}: {units} scanned. Put the extra units back.",
            sku=line.sku,
            left=left,
        )
    counted: list[tuple[PickLineFacts, int]] = []
    for line in matching:
        here = min(units, line.quantity - line.picked)
        if here > 0:
            counted.append((line, here))
            units -= here
    return counted


def missing_picks(lines: Sequence[PickLineFacts]) -> str | None:
    """Why the pick cannot be finished yet, in plain words; None when it can."""
    short = [line for line in lines if line.picked < line.quantity]
    if not short:
        return None
    described = "; ".join(f"{line.sku} {line.picked} of {line.quantity} picked" for line in short)
    return f"Not everything is picked yet ({described}). Scan the rest or report a short pick."
