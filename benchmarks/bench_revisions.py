"""Before and after a change, in one run: server CPU per request and throughput of
``POST /orders`` and ``POST /holds`` for this tree and for an earlier revision.

    .venv/bin/python -m benchmarks.bench_revisions --base main~5 [--rounds 3] [--requests 1600]

The base revision is checked out into a temporary git worktree (removed afterwards); the
two trees are measured in turns, ``--rounds`` times each, by ``request_cpu.py`` from this
tree, so the machine's drift hits both alike. The table shows medians and this tree's
figures as a ratio of the base's. Loopback only, bounded by ``--requests``; uses
``OMS_BENCH_DATABASE_URL`` when set, else an embedded PostgreSQL per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import REPO_ROOT, median, print_table

MEASURE = Path(__file__).with_name("request_cpu.py")
# One measurement seeds 10,000 SKUs and sends 3 x --requests requests.
TIMEOUT_SECONDS = 900


def measure(tree: Path, requests: int) -> list[dict[str, float | str]]:
    """One measurement of ``tree`` (its service and its benchmark helpers)."""
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree}"}
    done = subprocess.run(
        [sys.executable, str(MEASURE), str(requests)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each tree")
    parser.add_argument("--requests", type=int, default=1600, help="requests per case")
    args = parser.parse_args(argv)

    figures: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with tempfile.TemporaryDirectory(prefix="oms-base-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
        )
        try:
            for round_ in range(1, args.rounds + 1):
                for label, tree in (("base", base), ("this", REPO_ROOT)):
                    print(f"round {round_}: {label}", flush=True)
                    for row in measure(tree, args.requests):
                        for key in ("cpu_ms", "per_second"):
                            figures[(str(row["case"]), label)][key].append(float(row[key]))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=REPO_ROOT, check=False
            )

    rows = []
    for case in sorted({case for case, _ in figures}):
        before, after = figures[(case, "base")], figures[(case, "this")]
        cpu_b, cpu_a = median(before["cpu_ms"]), median(after["cpu_ms"])
        rate_b, rate_a = median(before["per_second"]), median(after["per_second"])
        rows.append(
            [case, cpu_b, cpu_a, f"{cpu_a / cpu_b:.2f}", rate_b, rate_a, f"{rate_a / rate_b:.2f}"]
        )
    print_table(
        f"this tree vs {args.base} (medians of {args.rounds}; 4 clients, {args.requests} requests)",
        ["case", "base CPU ms/req", "this", "ratio", "base req/s", "this", "ratio"],
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
