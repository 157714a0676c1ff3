"""Bulk stock import over HTTP (and the service directly): counts, ledger, errors, access."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from oms.app import create_app
from oms.config import Settings
from oms.db.models import Location, Sku
from oms.domain.stock import MovementKind
from oms.inventory.ledger.writers import Source, add_on_hand
from oms.inventory.services.bulk_import import MAX_ERRORS, import_stream
from tests.support.world import World

CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}


async def post_import(
    world: World, body: str, headers: dict[str, str], content_type: dict[str, str] = CSV
) -> httpx.Response:
    return await world.client.post(
        "/inventory/imports", content=body.encode(), headers={**headers, **content_type}
    )


async def movements(world: World, import_id: str) -> dict[tuple[int, int], list[int]]:
    """The import's ledger rows: (sku_id, location_id) -> deltas."""
    async with world.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT sku_id, location_id, kind, delta_on_hand, delta_reserved, actor"
                " FROM stock_movement WHERE ref_type = 'import' AND ref_id = :id ORDER BY id"
            ),
            {"id": import_id},
        )
        found: dict[tuple[int, int], list[int]] = {}
        for row in rows:
            assert row.kind == "import"
            assert row.delta_reserved == 0
            assert row.actor.startswith("admin:")
            found.setdefault((row.sku_id, row.location_id), []).append(row.delta_on_hand)
    return found


async def movement_count(world: World, skus: list[Sku], store: Location) -> int:
    async with world.sessionmaker() as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM stock_movement WHERE location_id = :l AND sku_id = ANY(:skus)"
            ),
            {"l": store.id, "skus": [s.id for s in skus]},
        )
    return int(count or 0)


async def test_csv_import_sets_counts_and_writes_the_ledger(world: World) -> None:
    store = await world.location()
    a, b, c = await world.sku(), await world.sku(), await world.sku()
    await world.stock(a, store, 10)
    headers = await world.token("admin")
    body = f"sku,location,on_hand\n{a.code},{store.code},7\n{b.code},{store.code},5\n"
    body += f"{c.code},{store.code},0\n"

    response = await post_import(world, body, headers)

    assert response.status_code == 201, response.text
    summary = response.json()
    assert summary["status"] == "completed"
    assert summary["format"] == "csv"
    assert (summary["total"], summary["changed"], summary["unchanged"], summary["failed"]) == (
        3,
        2,
        1,
        0,
    )
    assert summary["errors"] == []
    assert summary["finished_at"] is not None
    assert await world.level(a, store) == {"on_hand": 7, "reserved": 0, "safety_stock": 0}
    assert await world.level(b, store) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    assert (await world.level(c, store))["on_hand"] == 0
    assert await movements(world, summary["id"]) == {
        (a.id, store.id): [-3],
        (b.id, store.id): [5],
    }
    again = await world.client.get(f"/inventory/imports/{summary['id']}", headers=headers)
    assert again.status_code == 200
    assert again.json() == summary
    await world.assert_audit_clean()


async def test_jsonl_import_with_safety_stock(world: World) -> None:
    store, other = await world.location(), await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 4, safety_stock=1)
    headers = await world.token("admin")
    lines = [
        {"sku": a.code, "location": store.code, "on_hand": 9, "safety_stock": 3},
        {"sku": b.code, "location": other.code, "on_hand": 2},
        {"sku": a.code, "location": other.code, "on_hand": 0, "safety_stock": 2},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"

    response = await post_import(world, body, headers, JSONL)

    assert response.status_code == 201, response.text
    summary = response.json()
    assert summary["format"] == "jsonl"
    assert (summary["total"], summary["changed"], summary["unchanged"]) == (3, 3, 0)
    assert await world.level(a, store) == {"on_hand": 9, "reserved": 0, "safety_stock": 3}
    assert await world.level(b, other) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    assert await world.level(a, other) == {"on_hand": 0, "reserved": 0, "safety_stock": 2}
    # A safety stock change is a change, but only on_hand changes are ledger movements.
    assert await movements(world, summary["id"]) == {(a.id, store.id): [5], (b.id, other.id): [2]}
    await world.assert_audit_clean()


async def test_safety_stock_column_sets_or_keeps_safety_stock(world: World) -> None:
    store = await world.location()
    a, b, c = await world.sku(), await world.sku(), await world.sku()
    for sku in (a, b, c):
        await world.stock(sku, store, 6, safety_stock=2)
    headers = await world.token("admin")
    body = "sku,location,on_hand,safety_stock\n"
    body += f"{a.code},{store.code},6,4\n"  # safety only
    body += f"{b.code},{store.code},8,\n"  # empty cell keeps the safety stock
    body += f"{c.code},{store.code},6,2\n"  # nothing new

    summary = (await post_import(world, body, headers)).json()

    assert (summary["changed"], summary["unchanged"], summary["failed"]) == (2, 1, 0)
    assert await world.level(a, store) == {"on_hand": 6, "reserved": 0, "safety_stock": 4}
    assert await world.level(b, store) == {"on_hand": 8, "reserved": 0, "safety_stock": 2}
    assert await world.level(c, store) == {"on_hand": 6, "reserved": 0, "safety_stock": 2}
    assert await movements(world, summary["id"]) == {(b.id, store.id): [2]}


async def test_bad_rows_are_reported_by_line_and_good_rows_apply(world: World) -> None:
    store = await world.location()
    inactive = await world.location(active=False)
    a, b = await world.sku(), await world.sku()
    headers = await world.token("admin")
    rows = [
        f"{a.code},{store.code},3",  # 2: good
        f"NOPE-{uuid.uuid4().hex[:6]},{store.code},1",  # 3
        f"{a.code},NOWHERE-{uuid.uuid4().hex[:6]},1",  # 4
        f"{b.code},{store.code},-1",  # 5
        f"{b.code},{store.code},2.5",  # 6
        f"{b.code},{store.code},1000001",  # 7
        f"{b.code},,1",  # 8
        f"{b.code},{store.code}",  # 9
        f"{b.code},{inactive.code},1",  # 10
        f"{b.code},{store.code},4",  # 11: good
    ]
    body = "sku,location,on_hand\n" + "\n".join(rows)

    response = await post_import(world, body, headers)

    assert response.status_code == 201, response.text
    summary = response.json()
    assert (summary["total"], summary["changed"], summary["failed"]) == (10, 2, 8)
    assert [(e["line"], e["code"]) for e in summary["errors"]] == [
        (3, "unknown_sku"),
        (4, "unknown_location"),
        (5, "bad_number"),
        (6, "bad_number"),
        (7, "bad_number"),
        (8, "missing_field"),
        (9, "bad_row"),
        (10, "unknown_location"),
    ]
    assert "NOPE-" in summary["errors"][0]["message"]
    assert summary["errors_truncated"] is False
    assert (await world.level(a, store))["on_hand"] == 3
    assert (await world.level(b, store))["on_hand"] == 4
    await world.assert_audit_clean()


async def test_reimporting_the_same_file_changes_nothing(world: World) -> None:
    store = await world.location()
    skus = [await world.sku() for _ in range(3)]
    await world.stock(skus[0], store, 2)
    headers = await world.token("admin")
    body = "sku,location,on_hand\n" + "".join(
        f"{s.code},{store.code},{n}\n" for n, s in enumerate(skus, start=5)
    )
    first = (await post_import(world, body, headers)).json()
    assert first["changed"] == 3
    before = await movement_count(world, skus, store)

    second = (await post_import(world, body, headers)).json()

    assert (second["total"], second["changed"], second["unchanged"]) == (3, 0, 3)
    assert await movement_count(world, skus, store) == before
    assert await movements(world, second["id"]) == {}
    assert [(await world.level(s, store))["on_hand"] for s in skus] == [5, 6, 7]


async def test_duplicate_rows_for_one_level_last_wins(world: World) -> None:
    store = await world.location()
    a = await world.sku()
    await world.stock(a, store, 1)
    headers = await world.token("admin")
    body = f"sku,location,on_hand\n{a.code},{store.code},5\n{a.code},{store.code},8\n"

    summary = (await post_import(world, body, headers)).json()

    assert (summary["total"], summary["changed"], summary["unchanged"]) == (2, 1, 1)
    assert (await world.level(a, store))["on_hand"] == 8
    assert await movements(world, summary["id"]) == {(a.id, store.id): [7]}
    await world.assert_audit_clean()


async def test_import_keeps_reservations_of_active_holds(world: World) -> None:
    store = await world.location()
    a = await world.sku()
    await world.stock(a, store, 10)
    headers = await world.token("admin")
    hold = await world.client.post(
        "/holds",
        json={"location": store.code, "lines": [{"sku": a.code, "quantity": 4}]},
        headers=headers,
    )
    assert hold.status_code == 201, hold.text

    for counted in (6, 2):  # 2 is below what is held: the shelf is the truth
        body = f"sku,location,on_hand\n{a.code},{store.code},{counted}\n"
        assert (await post_import(world, body, headers)).json()["changed"] == 1
        assert await world.level(a, store) == {"on_hand": counted, "reserved": 4, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_concurrent_holds_and_import_keep_the_ledger_exact(world: World) -> None:
    store = await world.location()
    skus = [await world.sku() for _ in range(20)]
    for sku in skus:
        await world.stock(sku, store, 50)
    headers = await world.token("admin")
    lines = [f"{s.code},{store.code},{40 + i % 3}" for i, s in enumerate(skus)]

    async def file() -> AsyncIterator[bytes]:
        yield b"sku,location,on_hand\n"
        for _ in range(5):  # the same counts again and again, in small batches
            yield ("\n".join(lines) + "\n").encode()
            await asyncio.sleep(0)

    async def hold(i: int) -> int:
        body = {
            "location": store.code,
            "lines": [
                {"sku": skus[i % 20].code, "quantity": 1},
                {"sku": skus[(i * 7) % 20].code, "quantity": 1},
            ],
        }
        return (await world.client.post("/holds", json=body, headers=headers)).status_code

    summary, statuses = await asyncio.gather(
        import_stream(world.sessionmaker, file(), "csv", "admin:test", batch_rows=7),
        asyncio.gather(*(hold(i) for i in range(40))),
    )
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) > 0
    assert (summary.failed, summary.total) == (0, 100)
    assert summary.changed == 20  # only the first time each count is seen
    await world.assert_audit_clean()  # includes reserved == what active holds hold
    for i, sku in enumerate(skus):
        assert (await world.level(sku, store))["on_hand"] == 40 + i % 3


async def test_level_changed_while_the_import_waits_for_its_lock(world: World) -> None:
    """The rare path: the level moves between the import's comparison and its lock."""
    store = await world.location()
    a = await world.sku()
    await world.stock(a, store, 10)
    body = f"sku,location,on_hand\n{a.code},{store.code},7\n".encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    async with world.sessionmaker() as other:
        await other.begin()
        # A receipt holds the level's lock (10 -> 15) while the import compares and waits.
        await add_on_hand(
            other, a.id, store.id, 5, MovementKind.RECEIPT, Source("test", "race", "test")
        )
        task = asyncio.create_task(import_stream(world.sessionmaker, chunks(), "csv", "admin:t"))
        await wait_for_lock_waiters(world, 1)
        await other.commit()
    summary = await task

    assert (summary.changed, summary.unchanged) == (1, 0)
    assert (await world.level(a, store))["on_hand"] == 7
    assert await movements(world, str(summary.id)) == {(a.id, store.id): [-8]}
    await world.assert_audit_clean()


async def wait_for_lock_waiters(world: World, count: int) -> None:
    async with asyncio.timeout(10):
        while True:
            async with world.sessionmaker() as session:
                waiting = await session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            if (waiting or 0) >= count:
                return
            await asyncio.sleep(0.02)


async def test_errors_are_capped_but_all_counted(world: World) -> None:
    store = await world.location()
    a = await world.sku()
    body = "sku,location,on_hand\n" + "".join(f"{a.code},{store.code},x{i}\n" for i in range(1200))
    body += f"{a.code},{store.code},9\n"

    async def chunks() -> AsyncIterator[bytes]:
        data = body.encode()
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    summary = await import_stream(world.sessionmaker, chunks(), "csv", "admin:test", batch_rows=250)

    assert (summary.total, summary.failed, summary.changed) == (1201, 1200, 1)
    assert len(summary.errors) == MAX_ERRORS
    assert summary.errors_truncated is True
    assert [e.line for e in summary.errors] == list(range(2, MAX_ERRORS + 2))
    assert (await world.level(a, store))["on_hand"] == 9


async def test_wrong_content_type_is_415(world: World) -> None:
    headers = await world.token("admin")
    response = await world.client.post("/inventory/imports", json=[{"sku": "A"}], headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unsupported_media_type"


async def test_only_admins_import(world: World) -> None:
    store = await world.location()
    a = await world.sku()
    await world.stock(a, store, 3)
    body = f"sku,location,on_hand\n{a.code},{store.code},9\n"
    for role in ("associate", "store_manager"):
        headers = await world.token(role, (store,))
        response = await post_import(world, body, headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
    assert (await world.level(a, store))["on_hand"] == 3
    admin = await world.token("admin")
    summary = (await post_import(world, body, admin)).json()
    associate = await world.token("associate", (store,))
    read = await world.client.get(f"/inventory/imports/{summary['id']}", headers=associate)
    assert read.status_code == 403
    missing = await world.client.get(f"/inventory/imports/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404


async def test_bad_header_refuses_the_file_and_records_the_failure(world: World) -> None:
    headers = await world.token("admin")
    response = await post_import(world, "code,where,count\nA,B,1\n", headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    async with world.sessionmaker() as session:
        status = await session.scalar(
            text("SELECT status FROM stock_import ORDER BY created_at DESC LIMIT 1")
        )
    assert status == "failed"


async def test_body_over_the_import_limit_is_413(settings: Settings, world: World) -> None:
    small = msgspec.structs.replace(settings, max_import_body_bytes=64)
    headers = await world.token("admin")
    body = "sku,location,on_hand\n" + "A,S1,1\n" * 20

    async with AsyncTestClient(app=create_app(small), base_url="http://127.0.0.1") as client:
        # Refused up front on Content-Length, and by counting when the header understates.
        for length in (None, "20"):
            extra = {"Content-Length": length} if length else {}
            response: Any = await client.post(
                "/inventory/imports", content=body.encode(), headers={**headers, **CSV, **extra}
            )
            assert response.status_code == 413
            assert response.json()["code"] == "body_too_large"
