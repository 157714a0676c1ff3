"""``GET /metrics``: Prometheus text for admins and for the scraper's own token.

The metrics name every route and its traffic, so they are not public. Prometheus
authenticates with a bearer token of its own (``OMS_METRICS_TOKEN``), which opens this
route and nothing else; without it an admin API token is needed, as for any admin route.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController
from prometheus_client import CONTENT_TYPE_LATEST

from oms.auth.scraper import METRICS_PATH, SCRAPER
from oms.domain.access import Principal, Role
from oms.domain.errors import Forbidden
from oms.http.deps import DbSession
from oms.system.services.sync_metrics import refresh_sync_gauges


def admin_or_scraper(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: let an admin token or the metrics token through; Forbidden for anyone else."""
    user = connection.user
    if user is SCRAPER or (isinstance(user, Principal) and user.role == Role.ADMIN):
        return
    role = str(user.role) if isinstance(user, Principal) else "unknown"
    raise Forbidden(f"role {role!r} may not read metrics")


class MetricsController(PrometheusController):
    path = METRICS_PATH
    tags = ["system"]
    guards = [admin_or_scraper]
    # The token check answers 401, the guard 403 (see oms.http.problem_docs).
    opt = {"problems": (401, 403)}

    # Documented as what it is: Prometheus' text exposition format, not JSON.
    @get(media_type=CONTENT_TYPE_LATEST, summary="Prometheus metrics (text exposition format)")
    async def get(self, db_session: DbSession) -> Response:  # type: ignore[type-arg]
        await refresh_sync_gauges(db_session)
        return await PrometheusController.get.fn(self)  # type: ignore[no-any-return]
