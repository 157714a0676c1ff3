"""What strict decoding at the edge costs per request body, next to what it replaces.

Baseline, measured in the same run: Litestar's own path for a JSON body (an untyped
``decode_json`` then a lenient ``msgspec.convert`` to the handler's type). Checked path:
the same, plus ``oms.http.body.decode_strictly`` (the depth scan, a strict typed decode and
the NUL check), as every JSON request now pays. CPU only, no I/O; medians of repeated runs.

    .venv/bin/python -m benchmarks.bench_decoding [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.serialization import decode_json

from oms.http.body import decode_strictly
from oms.inventory.schemas import HoldIn
from oms.orders.schemas import OrderIn


def _order(lines: int) -> bytes:
    return json.dumps(
        {
            "channel": "WEB",
            "external_id": "EXT-1234567890",
            "customer": {"name": "Ann Smith", "email": "ann@example.com"},
            "lines": [
                {"sku": f"SKU-{i:05d}", "quantity": 2, "unit_price": 1999, "currency": "GBP"}
                for i in range(lines)
            ],
            "deliveries": [
                {
                    "method": "ship",
                    "address": {
                        "line1": "1 High Street",
                        "city": "Leeds",
                        "postcode": "LS1 1AA",
                        "country": "GB",
                    },
                }
            ],
        }
    ).encode()


BODIES: dict[str, tuple[bytes, Any]] = {
    "hold, 1 line": (
        json.dumps({"location": "MAN-01", "lines": [{"sku": "SKU-00001", "quantity": 1}]}).encode(),
        HoldIn,
    ),
    "order, 3 lines": (_order(3), OrderIn),
    "order, 200 lines": (_order(200), OrderIn),
}


def _lenient(body: bytes, body_type: Any) -> Any:
    return msgspec.convert(decode_json(body), body_type, strict=False)


def _checked(body: bytes, body_type: Any) -> Any:
    decode_strictly(body, body_type)
    return _lenient(body, body_type)


def _median_us(fn: Callable[[bytes, Any], Any], body: bytes, body_type: Any, rounds: int) -> float:
    per_round = 2000 if len(body) < 2000 else 100
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(per_round):
            fn(body, body_type)
        samples.append((time.perf_counter() - started) / per_round * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 5 if parser.parse_args().quick else 21
    print(f"{'body':<18} {'bytes':>7} {'baseline µs':>12} {'checked µs':>11} {'added µs':>9}")
    for name, (body, body_type) in BODIES.items():
        base = _median_us(_lenient, body, body_type, rounds)
        checked = _median_us(_checked, body, body_type, rounds)
        print(f"{name:<18} {len(body):>7} {base:>12.1f} {checked:>11.1f} {checked - base:>9.1f}")


if __name__ == "__main__":
    main()
