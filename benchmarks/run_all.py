"""Every benchmark in sequence (``make bench``), each in its own process so one failing or
hanging cannot take the others down, and each stopped if it outlives its time limit.

    .venv/bin/python -m benchmarks.run_all [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

from benchmarks.common import REPO_ROOT

MODULES = (
    "benchmarks.bench_reserve",
    "benchmarks.bench_lookup",
    "benchmarks.bench_import",
    "benchmarks.bench_orders",
    "benchmarks.bench_sync",
    "benchmarks.bench_pages",
)


def accepts_quick(module: str) -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    return "--quick" in help_text


def run(module: str, args: Sequence[str], limit: float) -> int:
    """Run one benchmark; past ``limit`` seconds it is interrupted (so it cleans up its
    database and API process), then killed if it still does not stop."""
    child = subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO_ROOT)
    try:
        return child.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        print(f"{module}: over {limit:.0f} s, interrupting", file=sys.stderr, flush=True)
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 124


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark in sequence")
    parser.add_argument("--quick", action="store_true", help="short smoke run of each")
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds per benchmark (default 1800, quick 600)"
    )
    args = parser.parse_args(argv)
    limit = args.limit or (600.0 if args.quick else 1800.0)
    outcomes: list[tuple[str, str, float]] = []
    for module in MODULES:
        if importlib.util.find_spec(module) is None:
            outcomes.append((module, "not present", 0.0))
            continue
        extra: list[str] = []
        if args.quick:
            if not accepts_quick(module):
                outcomes.append((module, "skipped (no --quick)", 0.0))
                continue
            extra = ["--quick"]
        print(f"\n=== {module} {' '.join(extra)}".rstrip(), flush=True)
        started = time.monotonic()
        code = run(module, extra, limit)
        outcome = "ok" if code == 0 else f"FAILED (exit {code})"
        outcomes.append((module, outcome, time.monotonic() - started))
    print("\n=== summary")
    for module, outcome, seconds in outcomes:
        print(f"  {module:<28} {outcome:<22} {seconds:7.1f} s")
    return 1 if any(o.startswith("FAILED") for _, o, _ in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
