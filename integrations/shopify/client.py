"""Calls to one shop's Admin API, with Shopify's answers turned into the port's exceptions.

* Pacing: every GraphQL answer reports the cost bucket (``extensions.cost.throttleStatus``).
  Before a call whose cost the caller states, the client works out what the bucket holds
  now and, when it is short, waits for it to refill (up to ``MAX_PACE_SECONDS``) instead of
  being throttled: Shopify's own advice, and a throttled call is a wasted round trip.
* Throttling: GraphQL says ``THROTTLED`` in ``errors`` (HTTP 200, sometimes 429); REST
  answers 429. Either raises PartnerThrottled, waiting as long as ``Retry-After`` says,
  else as long as the bucket needs to refill for the call: ``(requestedQueryCost -
  currentlyAvailable) / restoreRate`` from ``extensions.cost.throttleStatus``.
* 401/403 (token refused or scope missing), 404 (no such shop or API version) and
  ``ACCESS_DENIED``: PartnerConfigError (retrying will not help).
* 5xx, time-outs, broken connections, answers that are not JSON and other GraphQL
  errors: PartnerUnavailable (nothing known to be applied; retry later).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from oms.domain.channel_sync import PartnerConfigError, PartnerThrottled, PartnerUnavailable

MIN_RETRY_SECONDS = 0.5
# A call that would wait longer than this for the bucket is not made: PartnerThrottled,
# so the pass gives its listings back and the channel pauses instead of holding them.
MAX_PACE_SECONDS = 5.0
CONFIG_STATUSES = frozenset({401, 402, 403, 404, 423})  # 402/423: the shop is frozen or locked


class GraphQLAnswer(msgspec.Struct, kw_only=True):
    """The envelope of every GraphQL answer (data, errors, extensions)."""

    data: Any = None
    errors: list[dict[str, Any]] | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    """The cost bucket as Shopify last reported it."""

    available: float
    maximum: float
    restore_rate: float
    at: float  # time.monotonic() when reported

    def holds(self, now: float) -> float:
        """Points in the bucket at ``now``, refilled since the report."""
        return min(self.maximum, self.available + (now - self.at) * self.restore_rate)


class ShopifyClient:
    """One shop's Admin API at one version, over an httpx client it owns."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_version: str) -> None:
        self.http = http
        self.base_url = base_url
        self.api_version = api_version
        self.bucket: Bucket | None = None  # unknown until the first answer

    async def _pace(self, cost: int | None) -> None:
        """Wait until the bucket should hold ``cost`` points; PartnerThrottled if that is
        more than MAX_PACE_SECONDS away (or the call could never fit)."""
        if cost is None or self.bucket is None or self.bucket.restore_rate <= 0:
            return
        short = cost - self.bucket.holds(time.monotonic())
        if short <= 0:
            return
        wait = short / self.bucket.restore_rate
        if wait > MAX_PACE_SECONDS or cost > self.bucket.maximum:
            raise PartnerThrottled(max(wait, MIN_RETRY_SECONDS), "Shopify cost bucket is low")
        await asyncio.sleep(wait)

    def _remember_bucket(self, extensions: dict[str, Any] | None) -> None:
        status = ((extensions or {}).get("cost") or {}).get("throttleStatus") or {}
        try:
            self.bucket = Bucket(
                available=float(status["currentlyAvailable"]),
                maximum=float(status["maximumAvailable"]),
                restore_rate=float(status["restoreRate"]),
                at=time.monotonic(),
            )
        except (KeyError, TypeError, ValueError):
            return

    def api_url(self, resource: str) -> str:
        """The URL of ``resource`` (``graphql.json``, ``orders.json``) at our version."""
        return f"{self.base_url}/admin/api/{self.api_version}/{resource}"

    async def graphql(
        self, query: str, variables: dict[str, Any], *, cost: int | None = None
    ) -> Any:
        """The ``data`` of one GraphQL call; the port's exceptions otherwise. ``cost``:
        what the call is expected to cost, to wait for the bucket rather than be throttled."""
        await self._pace(cost)
        response = await self._send(
            "POST", self.api_url("graphql.json"), json={"query": query, "variables": variables}
        )
        _raise_for_status(response, throttled_ok=True)
        try:
            answer = msgspec.json.decode(response.content, type=GraphQLAnswer)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise PartnerUnavailable(
                f"Shopify answered {response.status_code} without JSON"
            ) from None
        self._remember_bucket(answer.extensions)
        if answer.errors:
            _raise_for_errors(answer, response)
        if response.status_code != httpx.codes.OK or answer.data is None:
            raise PartnerUnavailable(f"Shopify answered {response.status_code} without data")
        return answer.data

    async def rest_get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """A REST GET that answered 200; the port's exceptions otherwise."""
        response = await self._send("GET", url, params=params)
        _raise_for_status(response, throttled_ok=False)
        if response.status_code != httpx.codes.OK:
            raise PartnerUnavailable(f"Shopify answered {response.status_code} to GET {url}")
        return response

    async def _send(self, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            return await self.http.request(method, url, **options)
        except httpx.TimeoutException as exc:
            raise PartnerUnavailable(
                f"Shopify did not answer in time ({type(exc).__name__})"
            ) from None
        except httpx.TransportError as exc:
            raise PartnerUnavailable(
                f"could not reach Shopify ({type(exc).__name__}: {exc})"
            ) from None


def _raise_for_status(response: httpx.Response, *, throttled_ok: bool) -> None:
    status = response.status_code
    if status in CONFIG_STATUSES:
        raise PartnerConfigError(
            f"Shopify refused the call ({status}): check the shop URL and token"
        )
    if status == httpx.codes.TOO_MANY_REQUESTS and not throttled_ok:
        raise PartnerThrottled(_retry_after_header(response), "Shopify REST rate limit")
    if status >= 500:
        raise PartnerUnavailable(f"Shopify answered {status}")


def _raise_for_errors(answer: GraphQLAnswer, response: httpx.Response) -> None:
    errors = answer.errors or []
    codes = {str((error.get("extensions") or {}).get("code", "")) for error in errors}
    if "THROTTLED" in codes:
        wait = _retry_after_header(response)
        if wait is None:
            wait = _retry_after_cost(answer.extensions)
        raise PartnerThrottled(wait, "Shopify GraphQL cost limit")
    messages = "; ".join(str(error.get("message", "")) for error in errors)
    if "ACCESS_DENIED" in codes:
        raise PartnerConfigError(f"Shopify denied access: {messages}")
    raise PartnerUnavailable(f"Shopify GraphQL error: {messages}")


def _retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(seconds, MIN_RETRY_SECONDS)


def _retry_after_cost(extensions: dict[str, Any] | None) -> float | None:
    """Seconds until the bucket holds the call's cost again, from ``extensions.cost``."""
    cost = (extensions or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    return max((requested - available) / rate, MIN_RETRY_SECONDS)
