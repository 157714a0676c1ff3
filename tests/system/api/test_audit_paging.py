"""The audit's two lists of mismatches page together with one cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from oms.db.models import Location
from tests.support.world import World

_SHIFT_LEVEL = text(
    "UPDATE inventory_level SET on_hand = on_hand + :on_hand, reserved = reserved + :reserved"
    " WHERE sku_id = :sku_id AND location_id = :location_id"
)
_SET_HOLD_STATUS = text("UPDATE hold SET status = :status WHERE id = :id")


@pytest.fixture
async def disagreeing(world: World) -> AsyncIterator[Location]:
    """A location whose levels disagree four times with the ledger and four times with the
    holds, two levels in both lists; put right afterwards, so the suite's audits stay clean."""
    store = await world.location()
    admin = await world.token("admin")
    # (on_hand, reserved) written past the ledger, or None: a hold the shelf still counts
    # as reserved but that says it was released.
    shifts: list[tuple[int, int] | None] = [(0, 1), (1, 0), (2, 1), None, (3, 0), None]
    shifted: list[dict[str, Any]] = []
    released: list[str] = []
    for shift in shifts:
        sku = await world.sku()
        await world.stock(sku, store, 5)
        if shift is None:
            body = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]}
            hold = await world.client.post("/holds", json=body, headers=admin)
            assert hold.status_code == 201, hold.text
            released.append(hold.json()["id"])
        else:
            on_hand, reserved = shift
            shifted.append(
                {
                    "on_hand": on_hand,
                    "reserved": reserved,
                    "sku_id": sku.id,
                    "location_id": store.id,
                }
            )
    async with world.sessionmaker() as session, session.begin():
        for change in shifted:
            await session.execute(_SHIFT_LEVEL, change)
        for hold_id in released:
            await session.execute(_SET_HOLD_STATUS, {"status": "released", "id": hold_id})
    yield store
    async with world.sessionmaker() as session, session.begin():
        for change in shifted:
            undo = {**change, "on_hand": -change["on_hand"], "reserved": -change["reserved"]}
            await session.execute(_SHIFT_LEVEL, undo)
        for hold_id in released:
            await session.execute(_SET_HOLD_STATUS, {"status": "active", "id": hold_id})
    await world.assert_audit_clean()


async def test_the_audit_pages_both_lists_without_losing_a_mismatch(
    world: World, disagreeing: Location
) -> None:
    admin = await world.token("admin")

    def here(rows: list[dict[str, Any]]) -> list[str]:
        return [row["sku"] for row in rows if row["location"] == disagreeing.code]

    whole = (await world.client.get("/admin/audit", params={"limit": 500}, headers=admin)).json()
    assert (whole["ok"], whole["next_cursor"]) == (False, None)
    ledger_skus, hold_skus = here(whole["ledger_mismatches"]), here(whole["hold_mismatches"])
    assert (len(ledger_skus), len(hold_skus), len(set(ledger_skus) & set(hold_skus))) == (4, 4, 2)

    ledger: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await world.client.get("/admin/audit", params=params, headers=admin)).json()
        assert page["ok"] is False  # the whole ledger's verdict, on every page
        assert len(page["ledger_mismatches"]) <= 2
        assert len(page["hold_mismatches"]) <= 2
        ledger += page["ledger_mismatches"]
        held += page["hold_mismatches"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert here(ledger) == ledger_skus
    assert here(held) == hold_skus
