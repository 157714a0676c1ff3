"""Request-scoped dependencies: one database transaction per request, the caller.

Settings are not a dependency of services: a handler takes ``state: State`` and passes
``state.settings.<name>`` on as an argument (the rule is in ``oms.config``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import Dependency
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal


async def provide_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """Commit when the handler returns, roll back when it raises; then run after-commit work."""
    async with state.sessionmaker() as session:
        async with session.begin():
            yield session
        # Committed: hand jobs written to the outbox on to the relay without waiting for it.
        if session.info.get("outbox_written"):
            state.outbox_relay.nudge()


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    """The caller the token middleware authenticated; only for routes that require a token."""
    return request.user


# Handler parameters: ``db_session: DbSession`` and ``principal: Caller``.
DbSession: TypeAlias = Annotated[AsyncSession, Dependency()]
Caller: TypeAlias = Annotated[Principal, Dependency()]
