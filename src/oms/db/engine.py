"""Engine and session factory; the database URL is resolved once per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from oms.config import Settings
from oms.db.embedded import start_embedded

# Handle of the embedded server, kept referenced so it is not stopped while in use.
_embedded_server: Any = None


def to_asyncpg_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings for asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def resolve_database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started on first use)."""
    global _embedded_server
    if settings.database_url:
        return to_asyncpg_url(settings.database_url)
    server, url = start_embedded(settings.data_path)
    _embedded_server = server
    return url


def make_engine(url: str, settings: Settings) -> AsyncEngine:
    """The pooled engine for ``url``: a 5 s lock timeout on every connection, and no bound
    values in error messages (they can be tokens, pickup codes or customers' details)."""
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        # Error messages must not carry bound values into logs: they can be tracking
        # tokens, pickup codes or customers' details.
        hide_parameters=True,
        # Stock levels are hot rows; keep transactions short and never wait forever.
        connect_args={"server_settings": {"lock_timeout": "5s", "application_name": "oms"}},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions carry no settings: a service that needs one is passed it (``oms.config``)."""
    return async_sessionmaker(engine, expire_on_commit=False)
