"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from oms import __version__
from oms.db.migrate import head_revision

_CURRENT_MIGRATION = text("SELECT version_num FROM alembic_version")


class Health(msgspec.Struct):
    status: str
    version: str


class Readiness(msgspec.Struct):
    status: str
    database: str
    migration: str | None
    expected_migration: str | None


class SystemController(Controller):
    tags = ["system"]

    @get("/health", summary="Liveness: the process is up", exclude_from_auth=True)
    async def health(self) -> Health:
        return Health(status="ok", version=__version__)

    @get(
        "/ready",
        summary="Readiness: database reachable and migrated to head",
        exclude_from_auth=True,
    )
    async def ready(self, state: State) -> Response[Readiness]:
        expected = head_revision()
        try:
            async with state.engine.connect() as conn:
                current = await conn.scalar(_CURRENT_MIGRATION)
        except Exception as exc:  # any failure to reach or read the database means not ready
            body = Readiness("unavailable", f"unreachable: {type(exc).__name__}", None, expected)
            return Response(body, status_code=503)
        ok = current == expected
        body = Readiness("ready" if ok else "migrating", "ok", current, expected)
        return Response(body, status_code=200 if ok else 503)
