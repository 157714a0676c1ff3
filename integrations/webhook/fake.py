"""A fake webhook receiver: a real HTTP server on 127.0.0.1 for tests and the demo.

It behaves as README.md asks a receiver to: every call must carry a valid Standard
Webhooks signature (401 otherwise, checked with the library itself, not our signing
code), a message of more than 100 quantities is refused with 413, a webhook-id seen
within the dedup window is answered again without being applied, and each quantity is
stored as the latest for its (sku, location). Knobs make it fail, throttle, answer slowly
or refuse single SKUs. ``GET /orders?updated_since=`` answers from the orders it was
told about; ``GET /`` shows the quantities it holds.

    with FakeReceiver(secret) as receiver:
        connection = Connection(channel="web", partner_url=receiver.url, ...)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook, WebhookVerificationError

from integrations.webhook.sender import send_order
from integrations.webhook.wire import BATCH_SIZE, QUANTITIES_TYPE

__all__ = ["Call", "FakeReceiver", "Stored", "send_order"]

MAX_BODY_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Call:
    """One request the receiver answered."""

    at: datetime
    method: str
    path: str
    count: int  # quantities in the message (0 for other calls)
    status: int
    webhook_id: str | None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Stored:
    """One quantity the receiver applied."""

    sku: str
    location: str | None
    quantity: int
    previous: int | None
    webhook_id: str


# An answer's body: JSON data, or bytes sent as they are (to play a broken receiver).
Body = dict[str, Any] | list[Any] | bytes | None


@dataclass
class _Answer:
    status: int
    body: Body = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeReceiver:
    """The fake receiver; ``start``/``stop`` or use it as a context manager."""

    def __init__(
        self,
        secrets: str | Sequence[str],
        *,
        max_batch: int = BATCH_SIZE,
        dedup_seconds: float = 600.0,
        serve_orders: bool = True,
    ) -> None:
        self.secrets = [secrets] if isinstance(secrets, str) else list(secrets)
        for secret in self.secrets:
            Webhook(secret)  # a malformed secret fails here, not in the serving thread
        self.max_batch = max_batch
        self.dedup_seconds = dedup_seconds
        self.serve_orders = serve_orders  # False: GET /orders is 404, as a plain receiver
        # Knobs (set them directly, or through the helpers below).
        self.delay_seconds = 0.0
        self.reject_skus: dict[str, str] = {}  # sku -> the error message given for it
        self.partial_status = HTTPStatus.MULTI_STATUS.value  # or 200: both carry "errors"
        # What it holds.
        self.quantities: dict[tuple[str, str | None], int] = {}
        self.history: list[Stored] = []
        self.calls: list[Call] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self._failures: list[_Answer] = []
        self._throttles = 0
        self._retry_after: str | None = None
        self._seen: dict[str, tuple[float, _Answer]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life ---------------------------------------------------------------------------

    def start(self) -> FakeReceiver:
        """Listen on a free port of 127.0.0.1 and serve in a background thread."""
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.receiver = self  # type: ignore[attr-defined]  # read by _Handler
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (a slow answer in progress is cut short)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The receiver's address (a channel's partner URL)."""
        assert self._server is not None, "start the receiver first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- knobs --------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500, body: Body = None) -> None:
        """Answer the next ``count`` calls with ``status`` (500, 503, ...) and ``body``
        (default: a short JSON error), whatever they carry."""
        answer = _Answer(status, {"error": "unavailable"} if body is None else body)
        with self._lock:
            self._failures.extend([answer] * count)

    def throttle_next(self, count: int, retry_after: str | None = "1") -> None:
        """Answer the next ``count`` calls 429, with this Retry-After (None: without)."""
        with self._lock:
            self._throttles = count
            self._retry_after = retry_after

    def remember_order(self, data: dict[str, Any]) -> None:
        """Keep an order (an order event's ``data``) for ``GET /orders``; the newest wins."""
        with self._lock:
            known = self.orders.get(str(data["id"]))
            if known is None or _time(known["updated_at"]) <= _time(data["updated_at"]):
                self.orders[str(data["id"])] = data

    def send_order(
        self, oms_url: str, channel_code: str, event_type: str, data: dict[str, Any], **options: Any
    ) -> int:
        """Remember the order and send it to the service signed with the first secret, as
        the partner would; the service's status code."""
        self.remember_order(data)
        return send_order(
            oms_url, channel_code, self.secrets[0], event_type, data, **options
        ).status_code

    def pushes(self) -> list[Call]:
        """The quantity messages received, in order (duplicates and refusals included)."""
        with self._lock:
            return [call for call in self.calls if call.method == "POST"]

    # --- serving (called from the handler's thread) -----------------------------------------

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Answer:
        url = urlsplit(target)
        if method == "GET" and url.path == "/":
            return _Answer(HTTPStatus.OK, self._view())
        if self.delay_seconds:
            self._stopping.wait(self.delay_seconds)
        webhook_id = headers.get("webhook-id")
        items = _quantities(body) if method == "POST" else None
        answer, duplicate = self._route(method, url.path, url.query, headers, body)
        count = len(items) if items is not None else 0
        with self._lock:
            self.calls.append(
                Call(
                    datetime.now(UTC), method, url.path, count, answer.status, webhook_id, duplicate
                )
            )
        return answer

    def _route(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[_Answer, bool]:
        """The answer, and whether it replays an earlier message's."""
        if (method, path) not in (("POST", "/"), ("GET", "/orders")):
            return _Answer(HTTPStatus.NOT_FOUND, {"error": "no such resource"}), False
        forced = self._forced()
        if forced is not None:
            return forced, False
        if not self._verified(headers, body):
            return _Answer(HTTPStatus.UNAUTHORIZED, {"error": "bad signature"}), False
        if method == "GET":
            return self._orders(query), False
        return self._push(headers["webhook-id"], body)

    def _forced(self) -> _Answer | None:
        with self._lock:
            if self._throttles > 0:
                self._throttles -= 1
                extra = {"retry-after": self._retry_after} if self._retry_after else {}
                return _Answer(HTTPStatus.TOO_MANY_REQUESTS, {"error": "slow down"}, extra)
            if self._failures:
                return self._failures.pop(0)
        return None

    def _verified(self, headers: dict[str, str], body: bytes) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
            except WebhookVerificationError:
                continue
            return True
        return False

    def _push(self, webhook_id: str, body: bytes) -> tuple[_Answer, bool]:
        items = _quantities(body)
        if items is None:
            return _Answer(HTTPStatus.BAD_REQUEST, {"error": "not a quantities message"}), False
        if len(items) > self.max_batch:
            return _Answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too many"}), False
        with self._lock:
            now = time.monotonic()
            seen = self._seen.get(webhook_id)
            if seen is not None and now - seen[0] < self.dedup_seconds:
                return seen[1], True
            answer = self._apply(webhook_id, items)
            self._seen[webhook_id] = (now, answer)
        return answer, False

    def _apply(self, webhook_id: str, items: list[dict[str, Any]]) -> _Answer:
        errors = []
        for index, item in enumerate(items):
            sku, location = item["sku"], item["location"]
            if sku in self.reject_skus:
                errors.append({"index": index, "message": self.reject_skus[sku]})
                continue
            self.quantities[(sku, location)] = item["quantity"]
            self.history.append(
                Stored(sku, location, item["quantity"], item["previous"], webhook_id)
            )
        if errors:
            return _Answer(self.partial_status, {"errors": errors})
        return _Answer(HTTPStatus.OK, {"applied": len(items)})

    def _orders(self, query: str) -> _Answer:
        if not self.serve_orders:
            return _Answer(HTTPStatus.NOT_FOUND, {"error": "no order look-up here"})
        try:
            since = _time(parse_qs(query)["updated_since"][0])
        except (KeyError, ValueError):
            since = None
        if since is None or since.tzinfo is None:
            return _Answer(HTTPStatus.BAD_REQUEST, {"error": "updated_since: ISO-8601 with a zone"})
        with self._lock:
            orders = list(self.orders.values())
        newer = [order for order in orders if _time(order["updated_at"]) >= since]
        return _Answer(HTTPStatus.OK, sorted(newer, key=lambda order: _time(order["updated_at"])))

    def _view(self) -> dict[str, Any]:
        with self._lock:
            return {
                "quantities": [
                    {"sku": sku, "location": location, "quantity": quantity}
                    for (sku, location), quantity in sorted(
                        self.quantities.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
                    )
                ],
                "pushes": sum(call.method == "POST" for call in self.calls),
            }


def _quantities(body: bytes) -> list[dict[str, Any]] | None:
    """The items of a well-formed quantities message, else None."""
    try:
        event = json.loads(body)
        items = event["data"]["quantities"] if event["type"] == QUANTITIES_TYPE else None
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(items, list):
        return None
    fields: dict[str, type | tuple[type, ...]] = {
        "sku": str,
        "location": (str, type(None)),
        "quantity": int,
        "previous": (int, type(None)),
    }
    for item in items:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(name), kind) for name, kind in fields.items()
        ):
            return None
    return items


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


class _Handler(BaseHTTPRequestHandler):
    """Reads the request, lets the receiver answer, writes JSON back."""

    def do_GET(self) -> None:  # the name http.server dispatches to
        self._handle(b"")

    def do_POST(self) -> None:  # the name http.server dispatches to
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            self._write(_Answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"}))
            return
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        receiver: FakeReceiver = self.server.receiver  # type: ignore[attr-defined]
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._write(receiver._answer(self.command, self.path, headers, body))

    def _write(self, answer: _Answer) -> None:
        if isinstance(answer.body, bytes):
            payload = answer.body
        else:
            payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver keeps its own call log."""
