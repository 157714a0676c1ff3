"""The leaky buckets Shopify meters an app with, for the fake (thread-safe by its caller).

GraphQL spends points per call (the calculated query cost); REST spends one per request.
Either bucket refills continuously at its restore rate up to its size. The clock is
``time.monotonic`` so a test that waits sees the bucket refill exactly as Shopify's would.
"""

from __future__ import annotations

import math
import time


class LeakyBucket:
    """A bucket of ``size`` points refilled at ``rate`` points per second."""

    def __init__(self, size: float, rate: float) -> None:
        self.size = size
        self.rate = rate
        self._level = size
        self._at = time.monotonic()

    def available(self) -> float:
        """Points available now."""
        now = time.monotonic()
        self._level = min(self.size, self._level + (now - self._at) * self.rate)
        self._at = now
        return self._level

    def take(self, cost: float) -> bool:
        """Spend ``cost`` points if there are that many; False (nothing spent) if not."""
        if self.available() < cost:
            return False
        self._level -= cost
        return True

    def drain(self) -> None:
        """Empty the bucket (a throttle storm: Shopify lowered our limit for a while)."""
        self.available()
        self._level = 0.0

    def seconds_until(self, cost: float) -> int:
        """Whole seconds until ``cost`` points are available (at least 1), for Retry-After."""
        missing = cost - self.available()
        return max(1, math.ceil(missing / self.rate)) if self.rate > 0 else 60
