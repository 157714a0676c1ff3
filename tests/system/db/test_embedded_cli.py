"""The zero-configuration path: `oms serve` with no database URL, restarted, keeps its data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

OMS = [sys.executable, "-m", "oms.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(OMS_DATA_DIR=str(data_dir), OMS_PORT=str(port), OMS_LOG_LEVEL="WARNING")
    return env


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early with {proc.returncode}")
        try:
            response = httpx.get(f"{base}/ready", timeout=2.0)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("server never became ready")


@pytest.fixture
def data_root() -> Iterator[Path]:
    # Not under pytest's own temporary root: run as root, the embedded server works as an
    # unprivileged user and opens the folders on the way to its data, and another pytest
    # run on the machine closes pytest's root (0700) again while this one is running.
    with tempfile.TemporaryDirectory(prefix="oms-embedded-") as tmp:
        yield Path(tmp)


@pytest.fixture
def serve() -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([*OMS, "serve"], env=_env(data_dir, port))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0


def test_embedded_database_survives_restart(data_root: Path, serve: object) -> None:
    data_dir = data_root / "data"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"

    first = serve(data_dir, port)  # type: ignore[operator]
    ready = _wait_ready(base, first)
    assert ready["status"] == "ready"
    assert (data_dir / "pg" / "PG_VERSION").exists()

    # A second process (the CLI) attaches to the same embedded server while it runs.
    secret = (
        subprocess.run(
            [*OMS, "create-token", "--name", "restart-probe"],
            env=_env(data_dir, port),
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {secret}"}
    before = httpx.get(f"{base}/tokens", headers=headers, timeout=5)
    assert before.status_code == 200
    _stop(first)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/health", timeout=1)

    second = serve(data_dir, port)  # type: ignore[operator]
    _wait_ready(base, second)
    after = httpx.get(f"{base}/tokens", headers=headers, timeout=5)
    assert after.status_code == 200
    assert [t["name"] for t in after.json()["items"]] == ["restart-probe"]
    _stop(second)
