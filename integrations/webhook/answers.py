"""What a receiver's HTTP answer means for the sync loop (README.md, "Answers").

Kept apart from the adapter so every call (pushes and the order look-up) reads status
codes the same way: wait on 429, retry later on 5xx and broken connections, stop and
fix the configuration on refused signatures and on addresses that take no messages.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx
import msgspec

from integrations.webhook.wire import PushAnswer
from oms.domain.channel_sync import PartnerConfigError, PartnerThrottled, PartnerUnavailable

# A receiver's error text is kept with the listing; more than this is noise.
MAX_MESSAGE_LENGTH = 500


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay seconds or an HTTP-date); None when
    absent or unreadable. A date in the past means "now": 0."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds else None  # NaN is unreadable
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": the date is in UTC
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def raise_for_unusable(response: httpx.Response) -> None:
    """Raise what the sync loop must see for an answer that applied nothing and cannot be
    read item by item: 429, 408, 5xx, 401/403, 3xx. Other answers return."""
    status = response.status_code
    if status == httpx.codes.TOO_MANY_REQUESTS:
        raise PartnerThrottled(
            retry_after(response.headers.get("retry-after")), "the receiver answered 429"
        )
    if status >= 500 or status == httpx.codes.REQUEST_TIMEOUT:
        raise PartnerUnavailable(f"the receiver answered {status}")
    if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        raise PartnerConfigError(
            f"the receiver refused our signature ({status}): check the channel's webhook secret"
        )
    if 300 <= status < 400:
        raise PartnerConfigError(
            f"the receiver answered {status} (moved?): check the channel's partner URL"
        )


def item_errors(response: httpx.Response, count: int) -> dict[int, str]:
    """The receiver's per-item refusals, by index into the ``count`` items sent.

    An answer without a readable ``errors`` list refuses nothing, except a 207, which
    promises one: an unreadable 207 is PartnerUnavailable (we cannot tell what was
    applied, and sending absolute quantities again is safe). Indexes outside the message
    are ignored.
    """
    if not response.content.strip():
        answer = PushAnswer()
    else:
        try:
            answer = msgspec.json.decode(response.content, type=PushAnswer)
        except (msgspec.DecodeError, msgspec.ValidationError):
            if response.status_code == httpx.codes.MULTI_STATUS:
                raise PartnerUnavailable("the receiver's 207 answer is unreadable") from None
            answer = PushAnswer()
    return {
        error.index: error.message[:MAX_MESSAGE_LENGTH]
        for error in answer.errors
        if 0 <= error.index < count
    }


def refusal(response: httpx.Response) -> str:
    """Why the receiver refused a whole message, from its answer (shortened)."""
    text = response.text.strip()[:MAX_MESSAGE_LENGTH]
    return f"the receiver refused the message ({response.status_code})" + (
        f": {text}" if text else ""
    )
