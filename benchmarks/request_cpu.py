"""Server CPU per request for ``POST /orders`` and ``POST /holds``: a fixed number of
requests from 4 keep-alive clients, then the API process's CPU time divided by them.

Run by ``bench_revisions`` as a file, from the root of the tree being measured with that
tree on ``PYTHONPATH``, so it drives whichever version of the service and of the
benchmark helpers it finds there (it uses only helpers that every version has). Prints
one JSON object per measurement.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import msgspec

from benchmarks import bench_orders, common, harness

CLIENTS = 4
WARMUP_PER_CLIENT = 30
Operation = Callable[[], Awaitable[bool]]


async def _measure(
    api: harness.ApiProcess, ops: Sequence[Operation], requests: int
) -> dict[str, float]:
    async def repeat(op: Operation, times: int) -> None:
        for _ in range(times):
            await op()

    await asyncio.gather(*(repeat(op, WARMUP_PER_CLIENT) for op in ops))
    per_client = requests // len(ops)
    cpu_before, started = api.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(repeat(op, per_client) for op in ops))
    elapsed, done = time.perf_counter() - started, per_client * len(ops)
    return {"cpu_ms": (api.cpu_seconds() - cpu_before) / done * 1000, "per_second": done / elapsed}


def _hold(client: harness.HttpClient, location: str, skus: Sequence[str]) -> Operation:
    async def reserve() -> bool:
        line = {"sku": random.choice(skus), "quantity": 1}
        body = msgspec.json.encode({"location": location, "lines": [line]})
        status, payload = await client.request("POST", "/holds", body)
        if status not in (201, 409):
            raise RuntimeError(f"HTTP {status}: {payload[:200]!r}")
        return status == 201

    return reserve


async def main(requests: int) -> None:
    random.seed(7)  # the same orders for every tree
    with tempfile.TemporaryDirectory(prefix="oms-request-cpu-") as tmp:
        async with common.bench_database(Path(tmp)) as url:
            world = await bench_orders.build_world(url)
            async with harness.ApiProcess(url, Path(tmp), 20) as api:
                headers = {"Authorization": f"Bearer {world.token}"}
                headers["Content-Type"] = "application/json"
                clients = [harness.HttpClient(api.port, headers) for _ in range(CLIENTS)]
                try:
                    for name in (bench_orders.SPREAD, bench_orders.HOT):
                        scenario = harness.Scenario(name, CLIENTS)
                        ops = [bench_orders.api_operation(c, world, scenario) for c in clients]
                        figures = await _measure(api, ops, requests)
                        print(json.dumps({"case": f"POST /orders, {name}", **figures}), flush=True)
                    skus = world.skus[bench_orders.SPREAD]
                    store = bench_orders.STORES[0][0]
                    ops = [_hold(c, store, skus) for c in clients]
                    figures = await _measure(api, ops, requests)
                    print(json.dumps({"case": "POST /holds, 10k SKUs", **figures}), flush=True)
                finally:
                    await asyncio.gather(*(c.close() for c in clients))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1600))
