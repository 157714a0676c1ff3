"""The Prometheus scraper's own credential: ``OMS_METRICS_TOKEN`` opens ``GET /metrics`` only.

It is authentication (who is calling), so it lives here; the metrics route in ``system``
checks the principal this module hands out.
"""

from __future__ import annotations

import hmac

from oms.domain.access import Principal, Role

METRICS_PATH = "/metrics"
# Who is calling when the metrics token was sent: good for the metrics route only.
SCRAPER = Principal(token_id=0, name="metrics-token", role=Role.METRICS)


def is_metrics_token(secret: str, configured: str | None) -> bool:
    """Whether ``secret`` is the configured metrics token (compared in constant time)."""
    return configured is not None and hmac.compare_digest(secret.encode(), configured.encode())
