"""Webhook deliveries of the fake Shopify, posted the way Shopify posts them.

The order is the body, signed with ``X-Shopify-Hmac-Sha256``, with ``X-Shopify-Webhook-Id``
(repeated on every retry of a delivery: the receiver's dedup key), topic, shop domain,
API version, event id and trigger time. A non-2xx or no answer within 5 s is retried a few
times, sooner than Shopify's 4 hours so tests stay short. Deliveries run in background
threads (never inside the caller's request), at once, after a delay, or held until
released.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from integrations.shopify import signing

DELIVERY_TIMEOUT_SECONDS = 5.0  # Shopify counts a slower answer as a failure
API_VERSION = "2026-04"


@dataclass(frozen=True)
class Sent:
    """One attempt at one webhook delivery."""

    at: datetime
    webhook_id: str
    topic: str
    order_id: int
    status: int | None  # None: no answer (refused, timed out)
    signature_valid: bool


@dataclass(frozen=True)
class Pending:
    """A delivery to make: its body and the ids it keeps across retries."""

    topic: str
    body: bytes
    order_id: int
    webhook_id: str
    event_id: str
    bad_hmac: bool = False
    duplicate: bool = False


class Deliveries:
    """Where deliveries go, when, and what was sent; thread-safe."""

    def __init__(self, shop_domain: str, *, retries: int, retry_seconds: float) -> None:
        self.shop_domain = shop_domain
        self.retries = retries
        self.retry_seconds = retry_seconds
        self._lock = threading.Condition()
        self._url: str | None = None
        self._secret = ""
        self._when: str | float = "now"
        self._held: list[list[Pending]] = []
        self._timers: list[threading.Timer] = []
        self._sent: list[Sent] = []
        self._in_flight = 0
        self._stopped = False
        self._bad_hmac = 0
        self._duplicates = 0

    def target(self, url: str, secret: str, when: str | float) -> None:
        """Deliver to ``url`` signed with ``secret``; ``when``: "now", "hold" or seconds."""
        with self._lock:
            self._url, self._secret, self._when = url, secret, when

    def bad_hmac_next(self, deliveries: int) -> None:
        """Sign the next ``deliveries`` with the wrong secret."""
        with self._lock:
            self._bad_hmac += deliveries

    def duplicate_next(self, deliveries: int) -> None:
        """Deliver the next ``deliveries`` twice with the same Webhook-Id."""
        with self._lock:
            self._duplicates += deliveries

    def pending(self, topic: str, body: bytes, order_id: int) -> Pending:
        """A new delivery of ``body`` (with fresh ids), marked by the knobs in force."""
        with self._lock:
            pending = Pending(
                topic=topic,
                body=body,
                order_id=order_id,
                webhook_id=str(uuid.uuid4()),
                event_id=str(uuid.uuid4()),
                bad_hmac=self._bad_hmac > 0,
                duplicate=self._duplicates > 0,
            )
            self._bad_hmac = max(0, self._bad_hmac - 1)
            self._duplicates = max(0, self._duplicates - 1)
            return pending

    def schedule(self, batch: list[Pending]) -> None:
        """Deliver ``batch`` in order, as configured (nothing without a target)."""
        with self._lock:
            if self._url is None or self._stopped:
                return
            if self._when == "hold":
                self._held.append(batch)
                return
            delay = float(self._when) if isinstance(self._when, float | int) else 0.0
            self._start(batch, delay)

    def release_held(self) -> None:
        """Deliver every held batch now, in the order they were made."""
        with self._lock:
            held, self._held = self._held, []
            for batch in held:
                self._start(batch, 0.0)

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is in flight (held batches do not count); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    @property
    def sent(self) -> list[Sent]:
        """Every attempt, oldest first."""
        with self._lock:
            return list(self._sent)

    def stop(self) -> None:
        """Cancel delayed and drop held deliveries; attempts under way end on their own."""
        with self._lock:
            self._stopped = True
            for timer in self._timers:
                timer.cancel()
            self._held.clear()

    def _start(self, batch: list[Pending], delay: float) -> None:
        self._in_flight += 1
        timer = threading.Timer(delay, self._deliver, (batch,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _deliver(self, batch: list[Pending]) -> None:
        try:
            for pending in batch:
                self._deliver_one(pending)
                if pending.duplicate:
                    self._deliver_one(pending)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _deliver_one(self, pending: Pending) -> None:
        for attempt in range(1 + self.retries):
            if attempt:
                time.sleep(self.retry_seconds * 2 ** (attempt - 1))
            with self._lock:
                if self._url is None or self._stopped:
                    return
                url, secret = self._url, self._secret
            status = self._post(url, secret, pending)
            with self._lock:
                self._sent.append(
                    Sent(
                        at=datetime.now(UTC),
                        webhook_id=pending.webhook_id,
                        topic=pending.topic,
                        order_id=pending.order_id,
                        status=status,
                        signature_valid=not pending.bad_hmac,
                    )
                )
            if status is not None and 200 <= status < 300:
                return

    def _post(self, url: str, secret: str, pending: Pending) -> int | None:
        key = "not the app's secret" if pending.bad_hmac else secret
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": pending.topic,
            "X-Shopify-Hmac-Sha256": signing.signature(pending.body, key),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": pending.webhook_id,
            "X-Shopify-Event-Id": pending.event_id,
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        try:
            response = httpx.post(
                url, content=pending.body, headers=headers, timeout=DELIVERY_TIMEOUT_SECONDS
            )
        except httpx.HTTPError:
            return None
        return response.status_code
