"""Shared benchmark plumbing: a throwaway database, the API in its own process, a small
keep-alive HTTP client, a timed pool of workers, latency statistics and bulk test data.

Everything stays on 127.0.0.1 (or a Unix socket) and every run is bounded twice: by a
duration and by a request cap, with a hard time-out on top so nothing can hang.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import psutil
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler

from oms.auth.tokens import create_token
from oms.config import Settings
from oms.db import migrate
from oms.db.embedded import start_embedded
from oms.db.engine import make_sessionmaker, to_asyncpg_url
from oms.inventory.services.audit import AuditReport, run_audit

DATABASE_ENV = "OMS_BENCH_DATABASE_URL"
HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[1]


# ---- command line --------------------------------------------------------------------------


def bench_arguments(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="cap per run")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--api-pool-size",
        type=int,
        default=None,
        help="database pool of the API process (default: the service's own default)",
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=1,
        help="uvicorn worker processes for the API (like `oms serve --workers N`)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the API process with py-spy (first run of each scenario) into DIR",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.repeat = 1.0, 0.3, 1
    return args


# ---- database ------------------------------------------------------------------------------


def connect_kwargs(url: str) -> dict[str, Any]:
    """asyncpg keyword arguments for a SQLAlchemy URL (the socket dir goes in ``host``)."""
    base, _, query = url.replace("postgresql+asyncpg://", "postgresql://").partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    kwargs: dict[str, Any] = {"dsn": base}
    if "host" in params:
        kwargs["host"] = params["host"]
    return kwargs


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def bench_database(tmp: Path) -> AsyncIterator[str]:
    """A fresh migrated database (SQLAlchemy URL), dropped afterwards.

    On the server named by ``OMS_BENCH_DATABASE_URL``, else on an embedded PostgreSQL
    in ``tmp`` that is deleted when done.
    """
    given = os.environ.get(DATABASE_ENV)
    server = None
    if given:
        server_url = to_asyncpg_url(given)
    else:
        server, server_url = await asyncio.to_thread(start_embedded, tmp, delete_on_exit=True)
    name = f"oms_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**connect_kwargs(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(server_url, name)
        engine = create_async_engine(url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            await asyncio.to_thread(server.cleanup)


@contextlib.asynccontextmanager
async def orm_session(url: str) -> AsyncIterator[AsyncSession]:
    """One committed transaction through the service's own session setup."""
    engine = create_async_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def admin_token(url: str) -> str:
    async with orm_session(url) as session:
        _, secret, _ = await create_token(
            session, name=f"bench-{uuid.uuid4().hex[:6]}", role="admin"
        )
    return secret


async def audit(url: str) -> AuditReport:
    async with orm_session(url) as session:
        return await run_audit(session)


def compiled(statement: ClauseElement) -> tuple[str, list[str]]:
    """SQL text and parameter order exactly as the service's driver (SQLAlchemy's asyncpg
    dialect) sends them, so a direct-SQL baseline runs the very same statements."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    result = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(result, SQLCompiler)
    return result.string, list(result.positiontup or [])


# ---- bulk test data (levels and their ledger rows are written together) --------------------


async def seed_locations(conn: asyncpg.Connection, codes: Sequence[str]) -> dict[str, int]:
    """Stores on a line about 4 km apart, so the distance order is well defined."""
    rows = await conn.fetch(
        """
        INSERT INTO location (code, name, kind, address, lat, lon, timezone, opening_hours,
                              capabilities, daily_capacity, priority)
        SELECT code, 'Bench store ' || code, 'store', '{"city": "Bench"}'::jsonb,
               51.5 + 0.03 * (n - 1), -0.1 + 0.03 * (n - 1), 'Europe/London', '{}'::jsonb,
               ARRAY['pickup', 'ship_from', 'walk_in'], 1000, 100
          FROM unnest($1::text[]) WITH ORDINALITY AS t(code, n)
        RETURNING code, id
        """,
        list(codes),
    )
    return {row["code"]: row["id"] for row in rows}


async def seed_skus(conn: asyncpg.Connection, prefix: str, count: int) -> dict[str, int]:
    rows = await conn.fetch(
        """
        INSERT INTO sku (code, name, attributes)
        SELECT $1 || lpad(g::text, 6, '0'), 'Bench item ' || g, '{}'::jsonb
          FROM generate_series(1, $2::int) AS g
        RETURNING code, id
        """,
        prefix,
        count,
    )
    return {row["code"]: row["id"] for row in rows}


async def seed_stock(
    conn: asyncpg.Connection,
    sku_ids: Sequence[int],
    location_ids: Sequence[int],
    on_hand: int,
    safety_stock: int = 0,
) -> None:
    """Every SKU at every location, received through one ledger row per level."""
    await conn.execute(
        """
        WITH level AS (
            INSERT INTO inventory_level (sku_id, location_id, on_hand, safety_stock)
            SELECT s, l, $3, $4 FROM unnest($1::bigint[]) AS s CROSS JOIN unnest($2::bigint[]) AS l
            RETURNING sku_id, location_id, on_hand
        )
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'receipt', on_hand, 0, 'bench', 'setup', 'bench' FROM level
        """,
        list(sku_ids),
        list(location_ids),
        on_hand,
        safety_stock,
    )


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
            return sum(p.cpu_times().user + p.cpu_times().system for p in processes)
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


# ---- statistics and output ------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)), flush=True)


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
