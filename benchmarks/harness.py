"""Load harness for the benchmarks: the API in its own process, a small keep-alive HTTP
client, a timed pool of workers, and the API-against-direct-SQL comparison with its table.

Everything stays on 127.0.0.1 and every run is bounded twice: by a duration and by a
request cap, with a hard time-out on top so nothing can hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed (types-psutil)

from benchmarks.common import REPO_ROOT, median, percentile, print_table
from oms.config import Settings

HOST = "127.0.0.1"


# ---- the API in its own process -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class ApiProcess:
    """``uvicorn --factory oms.app:app_factory`` (uvloop + httptools) in a child process,
    so the load generator never shares the service's event loop or interpreter."""

    def __init__(self, url: str, data_dir: Path, pool_size: int, workers: int = 1) -> None:
        self.port = free_port()
        self.workers = workers
        self.log_path = data_dir / f"api-{self.port}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
        self.env.update(
            OMS_DATABASE_URL=url,
            OMS_DATA_DIR=str(data_dir),
            OMS_LOG_REQUESTS="false",
            OMS_LOG_LEVEL="WARNING",
            OMS_DB_POOL_SIZE=str(pool_size),
            OMS_DB_MAX_OVERFLOW="8",
            OMS_HOLD_SWEEP_SECONDS="3600",
        )
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its worker processes so far."""
        try:
            parent = psutil.Process(self.pid)
            processes = [parent, *parent.children(recursive=True)]
            return float(sum(p.cpu_times().user + p.cpu_times().system for p in processes))
        except psutil.Error:
            return float("nan")

    async def __aenter__(self) -> ApiProcess:
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "oms.app:app_factory",
            "--host", HOST, "--port", str(self.port), "--loop", "uvloop",
            "--http", "httptools", "--log-level", "warning", "--no-access-log",
            "--workers", str(self.workers),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log
            )
        try:
            await self._wait_ready(deadline=time.monotonic() + 90)
        except BaseException:
            await self.__aexit__()  # never leave a half-started server behind
            raise
        return self

    async def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                break
            client = HttpClient(self.port, {})
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, TimeoutError):
                status, _ = await client.request("GET", "/ready")
                if status == 200:
                    await client.close()
                    return
            await client.close()
            await asyncio.sleep(0.2)
        raise RuntimeError(f"API did not become ready; log:\n{self.log_path.read_text()[-3000:]}")

    async def __aexit__(self, *exc: object) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# ---- load generation ------------------------------------------------------------------------


class HttpClient:
    """One keep-alive HTTP/1.1 connection with fixed headers: far cheaper per request than a
    general client, so on a small machine the service, not the load generator, is measured."""

    def __init__(self, port: int, headers: dict[str, str], timeout: float = 15.0) -> None:
        self.port = port
        self.timeout = timeout
        fixed = {"Host": f"{HOST}:{port}", **headers}
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, path, body)
        except BaseException:
            await self.close()  # the connection state is unknown now
            raise

    async def _exchange(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        assert self._reader is not None
        head = f"{method} {path} HTTP/1.1\r\n{self._fixed}Content-Length: {len(body)}\r\n\r\n"
        self._writer.write(head.encode("latin-1") + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length, close = 0, False
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked responses are not expected from this service")
        payload = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


# One unit of work: True = done, False = refused (e.g. out of stock); raising = error.
Operation = Callable[[], Awaitable[bool]]


@dataclass
class Sample:
    """What one timed run measured (counts and latencies only after the warm-up)."""

    ok: int = 0
    refused: int = 0
    errors: int = 0
    window: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str | None = None
    # All completed operations (warm-up included) and, for API runs, the server's CPU time
    # over them: a cost per request, far less swayed by other load than throughput is.
    completed: int = 0
    server_cpu: float = float("nan")

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu / self.completed * 1000 if self.completed else float("nan")

    @property
    def rate(self) -> float:
        return self.ok / self.window if self.window else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


async def drive(
    operations: Sequence[Operation], seconds: float, warmup: float, max_requests: int
) -> Sample:
    """Run each operation in its own worker loop for ``warmup + seconds`` (or until
    ``max_requests`` have started), measuring only what completes after the warm-up."""
    sample = Sample()
    started = 0
    begin = time.perf_counter()
    measure_from, stop_at = begin + warmup, begin + warmup + seconds
    finished_at = stop_at

    async def worker(operation: Operation) -> None:
        nonlocal started, finished_at
        while (now := time.perf_counter()) < stop_at:
            if started >= max_requests:
                finished_at = min(finished_at, now)
                return
            started += 1
            try:
                done = await operation()
            except Exception as exc:  # counted and shown; the run goes on
                done = None
                sample.first_error = sample.first_error or f"{type(exc).__name__}: {exc}"[:300]
                await asyncio.sleep(0.01)
            end = time.perf_counter()
            sample.completed += 1
            if measure_from <= end <= stop_at:
                if done is None:
                    sample.errors += 1
                elif done:
                    sample.ok += 1
                    sample.latencies.append(end - now)
                else:
                    sample.refused += 1

    await asyncio.wait_for(
        asyncio.gather(*(worker(op) for op in operations)), warmup + seconds + 60
    )
    sample.window = max(finished_at - measure_from, 1e-9)
    return sample


# ---- profiling the API process -------------------------------------------------------------


@contextlib.asynccontextmanager
async def profiled(pid: int, out: Path | None, seconds: float) -> AsyncIterator[None]:
    """Sample ``pid`` with py-spy (collapsed stacks per thread, on-CPU only) while inside."""
    if out is None:
        yield
        return
    exe = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if exe is None:
        raise RuntimeError("--profile needs py-spy on PATH (pip install py-spy)")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        exe, "record", "--pid", str(pid), "--duration", str(math.ceil(seconds)), "--rate", "250",
        "--format", "raw", "--threads", "--output", str(out),
        *os.environ.get("OMS_BENCH_PY_SPY_ARGS", "--nonblocking").split(),
    ]  # fmt: skip
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        yield
    finally:
        await asyncio.wait_for(spy.wait(), seconds + 30)


# ---- API against direct SQL, several runs each -----------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int


ApiRun = Callable[[ApiProcess, Scenario], Awaitable[Sample]]
DirectRun = Callable[[Scenario], Awaitable[Sample]]
Results = dict[tuple[Scenario, str], list[Sample]]


async def compare(
    scenarios: Sequence[Scenario],
    api_run: ApiRun,
    direct_run: DirectRun,
    *,
    url: str,
    data_dir: Path,
    repeat: int,
    warmup_and_seconds: float,
    profile_dir: Path | None = None,
    pool_size: int | None = None,
    api_workers: int = 1,
) -> Results:
    """Every scenario through the API and straight to PostgreSQL, ``repeat`` times.

    Each repetition starts a fresh API process, runs all API scenarios, stops it, then runs
    the direct ones (the order flips every repetition). The two never run at once, so a
    server with ~100 connections is enough, and slow drift of a noisy machine hits both.
    """
    # The API runs with its shipped pool size unless told otherwise: that is what users get.
    pool_size = pool_size or Settings().db_pool_size
    results: Results = {}

    def record(scenario: Scenario, side: str, sample: Sample, rep: int) -> None:
        results.setdefault((scenario, side), []).append(sample)
        errors = f"  errors {sample.errors} ({sample.first_error})" if sample.errors else ""
        cpu = f"  server CPU {sample.cpu_ms:.2f} ms/req" if side == "api" else ""
        print(
            f"  run {rep + 1} {side:<6} {scenario.name:<14} x{scenario.clients:<3}"
            f" {sample.rate:9,.0f}/s  p50 {sample.ms(50):7.2f} ms  p99 {sample.ms(99):7.2f} ms"
            f"{cpu}{errors}",
            flush=True,
        )

    async def api_phase(rep: int) -> None:
        async with ApiProcess(url, data_dir, pool_size, workers=api_workers) as api:
            for scenario in scenarios:
                out = None
                if profile_dir is not None and rep == 0:
                    out = profile_dir / f"{scenario.name.replace(' ', '-')}-x{scenario.clients}.txt"
                cpu_before = api.cpu_seconds()
                async with profiled(api.pid, out, warmup_and_seconds):
                    sample = await api_run(api, scenario)
                sample.server_cpu = api.cpu_seconds() - cpu_before
                record(scenario, "api", sample, rep)

    async def direct_phase(rep: int) -> None:
        for scenario in scenarios:
            record(scenario, "direct", await direct_run(scenario), rep)

    for rep in range(repeat):
        phases = (api_phase, direct_phase) if rep % 2 == 0 else (direct_phase, api_phase)
        for phase in phases:
            await phase(rep)
    return results


def print_comparison(
    title: str,
    unit: str,
    scenarios: Sequence[Scenario],
    results: Results,
    baseline: str = "ceiling",
) -> None:
    """Medians over the runs; the ratio is API throughput over direct-SQL throughput."""
    rows = []
    for scenario in scenarios:
        api, direct = results[(scenario, "api")], results[(scenario, "direct")]
        api_rate = median([s.rate for s in api])
        direct_rate = median([s.rate for s in direct])
        rows.append(
            [
                scenario.name,
                scenario.clients,
                api_rate,
                median([s.ms(50) for s in api]),
                median([s.ms(99) for s in api]),
                direct_rate,
                median([s.ms(50) for s in direct]),
                median([s.ms(99) for s in direct]),
                f"{api_rate / direct_rate:.2f}" if direct_rate else "-",
                median([s.cpu_ms for s in api]),
                sum(s.errors for s in api) + sum(s.errors for s in direct),
            ]
        )
    runs = len(next(iter(results.values())))
    print_table(
        f"{title} (median of {runs} run(s))",
        ["scenario", "clients", f"API {unit}", "p50 ms", "p99 ms",
         f"{baseline} {unit}", "p50 ms", "p99 ms", f"API/{baseline}", "API CPU ms/req", "errors"],
        rows,
    )  # fmt: skip
