"""Read a placed order back: what placement answered must be what it stored.

``POST /orders`` builds its answer from what it meant to write, without reading the rows
back. These checks read the order, its timeline and its routing decision afterwards, so a
statement that writes something else (two arrays swapped, a column missed) fails a test.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from tests.support.pages import read_whole_list

# Fields that may differ between the placement's answer and a later read, by design:
# none. Only the order of ``fulfilments`` may: the answer lists them in plan order, a read
# by creation time then id (one statement creates them all), so they are matched by id.
UNORDERED = "fulfilments"

# What one placement writes into the timeline; nothing else may be there yet.
PLACED, BACKORDERED, FULFILMENT_CREATED = "order.placed", "order.backordered", "fulfilment.created"


async def place_and_read_back(
    client: httpx.AsyncClient, headers: Mapping[str, str], body: Mapping[str, Any]
) -> dict[str, Any]:
    """Place a new order (201) and read it back; the order as placement answered it."""
    response = await client.post("/orders", json=dict(body), headers=dict(headers))
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    await assert_placed_as_read_back(client, headers, order)
    return order


async def assert_placed_as_read_back(
    client: httpx.AsyncClient,
    headers: Mapping[str, str],
    posted: Mapping[str, Any],
    *,
    since: Mapping[str, int] | None = None,
) -> None:
    """``posted`` (a 201 or 200 answer to ``POST /orders``) equals ``GET /orders/{id}``, and
    the order's events and routing decision say what the order says.

    ``since``: events written after the placement, by kind (e.g. a resend's), which the
    timeline must hold too, exactly so many of each.
    """
    order_id = posted["id"]
    read = await _get(client, f"/orders/{order_id}", headers)
    events = await read_whole_list(client, f"/orders/{order_id}/events", headers)
    decisions = await read_whole_list(client, f"/orders/{order_id}/routing", headers)
    assert_same_order(posted, read)
    assert_consistent(read)
    assert_events_match(read, events, since=since)
    assert_routing_matches(read, decisions)


async def _get(client: httpx.AsyncClient, url: str, headers: Mapping[str, str]) -> Any:
    response = await client.get(url, headers=dict(headers))
    assert response.status_code == 200, (url, response.text)
    return response.json()


def assert_same_order(posted: Mapping[str, Any], read: Mapping[str, Any]) -> None:
    """Field by field; the message lists every path that differs."""
    differences = list(_diff(_comparable(posted), _comparable(read), ""))
    assert not differences, "the placement answered what it did not store:\n" + "\n".join(
        differences
    )


def _comparable(order: Mapping[str, Any]) -> dict[str, Any]:
    return {**order, UNORDERED: {f["id"]: f for f in order[UNORDERED]}}


def _diff(posted: Any, read: Any, path: str) -> Iterator[str]:
    if isinstance(posted, Mapping) and isinstance(read, Mapping):
        for key in sorted(posted.keys() | read.keys(), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in read:
                yield f"  {where}: answered {posted[key]!r}, not stored"
            elif key not in posted:
                yield f"  {where}: stored {read[key]!r}, not answered"
            else:
                yield from _diff(posted[key], read[key], where)
    elif isinstance(posted, list) and isinstance(read, list) and len(posted) == len(read):
        for index, (p, r) in enumerate(zip(posted, read, strict=True)):
            yield from _diff(p, r, f"{path}[{index}]")
    elif posted != read or type(posted) is not type(read):
        yield f"  {path}: answered {posted!r}, stored {read!r}"


def assert_consistent(order: Mapping[str, Any]) -> None:
    """Every unit of every line is allocated, backordered or cancelled, and the status
    says whether any is backordered."""
    lines = order["lines"]
    for line in lines:
        accounted = line["allocated"] + line["backordered"] + line["cancelled"]
        assert line["quantity"] == accounted, line
        assert line["line_total"] == line["quantity"] * line["unit_price"], line
    assert order["total"] == sum(line["line_total"] for line in lines), order
    waiting = {line["line_no"]: line["backordered"] for line in lines if line["backordered"]}
    assert order["status"] == ("backordered" if waiting else "open"), (
        f"status {order['status']!r} with backordered units per line {waiting}"
    )


def assert_events_match(
    order: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    *,
    since: Mapping[str, int] | None = None,
) -> None:
    """A new order's timeline: placed, one event per fulfilment, and the backorder, if any,
    with the lines and units the order says are waiting; plus ``since``, by kind."""
    kinds = Counter(e["kind"] for e in events)
    expected = Counter({PLACED: 1, FULFILMENT_CREATED: len(order["fulfilments"]), **(since or {})})
    backordered = {
        str(line["line_no"]): line["backordered"] for line in order["lines"] if line["backordered"]
    }
    if backordered:
        expected[BACKORDERED] = 1
    assert kinds == expected, (kinds, order)
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        by_kind[event["kind"]].append(event)
    [placed] = by_kind[PLACED]
    assert placed["fulfilment_id"] is None
    assert placed["detail"] == {
        "channel": order["channel"],
        "total": order["total"],
        "currency": order["currency"],
    }
    for event in by_kind[BACKORDERED]:
        assert event["fulfilment_id"] is None
        assert event["detail"] == {"lines": backordered}, (event, order["lines"])
    created = {e["fulfilment_id"]: e["detail"] for e in by_kind[FULFILMENT_CREATED]}
    assert created == {
        f["id"]: {
            "location": f["location"],
            "method": f["method"],
            "destination": f["destination"],
            "units": sum(line["quantity"] for line in f["lines"]),
        }
        for f in order["fulfilments"]
    }
    placement = [e for e in events if e["kind"] in (PLACED, BACKORDERED, FULFILMENT_CREATED)]
    assert len({e["actor"] for e in placement}) == 1, placement  # one placement, one actor


def assert_routing_matches(
    order: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]
) -> None:
    """One placement decision; its allocations are the order's fulfilments, and what it
    could not allocate is what the order has on backorder."""
    [decision] = decisions
    assert decision["trigger"] == "placement"
    assert 1 <= decision["attempts"] <= 3  # a lost race re-plans, at most twice
    groups = decision["explanation"]["groups"]
    planned = Counter(
        (g["delivery"], a["location"], a["method"], a["destination"])
        for g in groups
        for a in g["allocations"]
    )
    made = Counter(
        (f["delivery"], f["location"], f["method"], f["destination"]) for f in order["fulfilments"]
    )
    assert planned == made, (planned, made)
    allocated: Counter[int] = Counter()
    short: Counter[int] = Counter()
    for group in groups:
        for allocation in group["allocations"]:
            for line in allocation["lines"]:
                allocated[line["line"]] += line["quantity"]
        for line in group["unallocated"]:
            short[line["line"]] += line["quantity"]
    # Transferred units are counted once: in the pickup store's fulfilment they feed.
    assert +allocated == +Counter({ln["line_no"]: ln["allocated"] for ln in order["lines"]})
    assert +short == +Counter({ln["line_no"]: ln["backordered"] for ln in order["lines"]})
