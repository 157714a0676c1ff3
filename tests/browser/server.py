"""The app as a real server process for the browser: ``uvicorn --factory oms.app:app_factory``
on a free loopback port, configured like the test run's in-process app and sharing its
database, so rows written by the test builders are what the browser sees."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx
import msgspec

from oms.config import Settings

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def settings_environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """``settings`` as the ``OMS_*`` variables ``Settings.from_env`` reads back; the parent's
    own ``OMS_*`` variables are left out so they cannot leak into the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    for name, value in msgspec.structs.asdict(settings).items():
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"OMS_{name.upper()}"] = text
    env.update(overrides)
    return env


class AppServer:
    """One server process for a whole test session; ``url`` is its base address."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = log_dir / f"app-{self.port}.log"
        self.env = settings_environment(
            settings,
            OMS_HOST=HOST,
            OMS_PORT=str(self.port),
            OMS_PUBLIC_URL=self.url,
            OMS_LOG_LEVEL="WARNING",
            OMS_LOG_REQUESTS="false",
            OMS_DB_POOL_SIZE="10",
            OMS_DB_MAX_OVERFLOW="10",
            # Every browser comes from 127.0.0.1, and the limits' counters live in the shared
            # database, where other tests' servers on 127.0.0.1 may have spent them; the
            # limits have tests of their own.
            OMS_TRACK_LOOKUPS_PER_MINUTE="100000",
            OMS_TRACK_LOOKUP_MISSES_PER_HOUR="100000",
            OMS_TRACK_MISSES_PER_MINUTE="100000",
            OMS_APP_SIGN_IN_FAILURES_PER_CLIENT="100000",
        )
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> AppServer:
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "oms.app:app_factory",
            "--host", HOST, "--port", str(self.port), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log
            )
        try:
            await self._wait_ready()
        except BaseException:
            await self.stop()  # never leave a half-started server behind
            raise
        return self

    async def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline and self.process.returncode is None:
                try:
                    if (await client.get("/ready")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass  # not listening yet
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the app did not become ready; its log:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
