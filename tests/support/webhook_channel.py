"""Builders for the generic webhook channel's tests: its sample events, a channel
connection, and a small inbound endpoint that verifies deliveries as the service does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from integrations.webhook.inbound import StandardWebhooksInbound
from oms.domain.channel_sync import Connection, Delivery, InvalidDelivery

SAMPLES = Path(__file__).parents[2] / "integrations" / "webhook" / "samples"
CHANNEL = "partner-web"


def sample(name: str) -> dict[str, Any]:
    """A sample event from ``integrations/webhook/samples`` (a fresh copy each time)."""
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return event


def connection_to(url: str, secret: str | None, timeout_seconds: float = 5.0) -> Connection:
    """The channel's connection to ``url``, signing with ``secret``."""
    return Connection(
        channel=CHANNEL,
        partner_url=url,
        api_version=None,
        credentials=secret,
        timeout_seconds=timeout_seconds,
    )


@dataclass
class InboundEndpoint:
    """``POST /webhooks/partner-web``: verified with ``secrets`` (change them to rotate)."""

    secrets: list[str]
    url: str = ""
    accepted: list[tuple[Delivery, bytes]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def receive(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The status the endpoint answers: 202 verified, 401 not."""
        try:
            if path != f"/webhooks/{CHANNEL}":
                raise InvalidDelivery(f"no channel at {path}")
            delivery = StandardWebhooksInbound().verify(body, headers, self.secrets)
        except InvalidDelivery as exc:
            self.refused.append(str(exc))
            return 401
        self.accepted.append((delivery, body))
        return 202


@contextmanager
def inbound_endpoint(secrets: list[str]) -> Iterator[InboundEndpoint]:
    """Serve an InboundEndpoint on 127.0.0.1 for the duration of the block."""
    endpoint = InboundEndpoint(secrets=secrets)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(endpoint.receive(self.path, body, dict(self.headers.items())))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the endpoint keeps what it received."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
