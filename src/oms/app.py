"""The application factory: ``create_app(settings)`` builds the whole HTTP service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig

from oms import __version__
from oms.auth.middleware import PUBLIC_OPT, TokenAuthMiddleware
from oms.auth.services.resolver import TokenResolver
from oms.auth.services.sessions import SessionStore
from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker, resolve_database_url
from oms.fulfilment.services.transfer_link import on_transfer_received
from oms.http.body import check_request
from oms.http.deps import provide_principal, provide_session
from oms.http.idempotent import provide_creation
from oms.http.middleware import request_id_middleware_factory
from oms.http.problem_docs import document_problems
from oms.http.problems import EXCEPTION_HANDLERS
from oms.routes import ROUTE_HANDLERS
from oms.system.controllers.metrics import MetricsController
from oms.web.router import web_routers
from oms.web.templating import template_config
from oms.worker.runtime import JobRuntime

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Litestar:
    """The application for ``settings``. Nothing starts here: the database (the embedded one
    when no URL is set), the engine and the job runtime start with its lifespan."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        # Starting the embedded server blocks for a moment; keep the loop free meanwhile.
        url = await asyncio.to_thread(resolve_database_url, settings)
        engine = make_engine(url, settings)
        sessionmaker = make_sessionmaker(engine)
        state = app.state
        state.settings = settings
        state.engine = engine
        state.sessionmaker = sessionmaker
        state.token_resolver = TokenResolver(sessionmaker, settings.token_cache_seconds)
        state.staff_sessions = SessionStore(sessionmaker, settings.token_cache_seconds)
        runtime = JobRuntime(settings, engine, sessionmaker)
        state.outbox_relay = runtime.relay
        await runtime.start()
        log.info("service started", extra={"jobs_in_process": settings.in_process_jobs})
        try:
            yield
        finally:
            await runtime.stop()
            await engine.dispose()

    prometheus = PrometheusConfig(
        app_name="oms", prefix="oms", group_path=True, exclude=["/metrics", "/health"]
    )
    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, MetricsController, *web_routers()],
        lifespan=[lifespan],
        # transfer_arrivals: inventory's port for "a transfer arrived", answered by
        # fulfilment, a layer above it.
        state=State({"settings": settings, "transfer_arrivals": on_transfer_received}),
        dependencies={
            "db_session": Provide(provide_session),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "creation": Provide(provide_creation),
        },
        middleware=[
            request_id_middleware_factory(settings.log_requests),
            prometheus.middleware,
            # Public routes are marked on their handlers (``exclude_from_auth=True``).
            DefineMiddleware(TokenAuthMiddleware, exclude_from_auth_key=PUBLIC_OPT),
        ],
        before_request=check_request,
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_json_body_bytes,
        openapi_config=OpenAPIConfig(
            title="OMS — unified order and inventory service",
            version=__version__,
            path="/schema",
            # The API reference is public, like the problem pages it links to.
            openapi_router=Router(
                "/schema",
                route_handlers=[],
                include_in_schema=False,
                dto=None,
                return_dto=None,
                opt={PUBLIC_OPT: True},
            ),
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        response_cache_config=ResponseCacheConfig(),
        template_config=template_config(),
        # Logging is configured once by the process (oms.logs), as JSON lines.
        logging_config=None,
        debug=False,
    )
    document_problems(app)
    return app


def app_factory() -> Any:
    """For ``uvicorn --factory oms.app:app_factory``: settings from the environment."""
    return create_app(Settings.from_env())
