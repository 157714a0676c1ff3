"""The fake Shopify's HTTP side: a ThreadingHTTPServer on 127.0.0.1 that routes requests
to the shop and writes its JSON answers."""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

GRAPHQL_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
ORDERS_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/orders\.json$")
MAX_BODY_BYTES = 2 * 1024 * 1024
NEWEST_VERSION = "9999-99"  # "unstable" is newer than every dated version


@dataclass(frozen=True)
class Request:
    """One API request: ``kind`` is graphql, orders or view."""

    kind: str
    version: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lowered
    body: bytes


@dataclass(frozen=True)
class Answer:
    """A JSON answer."""

    status: int
    body: Any
    headers: dict[str, str] | None = None


class Shop(Protocol):
    """What the server asks the shop."""

    def answer(self, request: Request) -> Answer:
        """The answer to ``request``."""
        ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a time-out test) is no error of the fake's; others are."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve(shop: Shop) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server on a free port of 127.0.0.1 answering for ``shop``, already running."""
    server = _Server(("127.0.0.1", 0), _handler_for(shop))
    # A short poll so stop() returns quickly (shutdown waits for the loop to notice).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


def _handler_for(shop: Shop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # the name http.server calls
            path = urlsplit(self.path).path
            if path == "/":
                self._send(shop.answer(self._request("view", NEWEST_VERSION, b"")))
                return
            match = ORDERS_PATH.match(path)
            if match is None:
                self._send(Answer(404, {"errors": "Not Found"}))
                return
            self._send(shop.answer(self._request("orders", match.group(1), b"")))

        def do_POST(self) -> None:  # the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                self._send(Answer(413, {"errors": "Request Entity Too Large"}))
                return
            body = self.rfile.read(length)
            match = GRAPHQL_PATH.match(urlsplit(self.path).path)
            if match is None:
                self._send(Answer(404, {"errors": "Not Found"}))
                return
            self._send(shop.answer(self._request("graphql", match.group(1), body)))

        def _request(self, kind: str, version: str, body: bytes) -> Request:
            parts = urlsplit(self.path)
            return Request(
                kind=kind,
                version=NEWEST_VERSION if version == "unstable" else version,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )

        def _send(self, answer: Answer) -> None:
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the shop keeps its own call log."""

    return Handler
