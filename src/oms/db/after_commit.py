"""Work that must wait until the data it is about is committed (cache invalidation...)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` once the session's transaction commits; never if it rolls back.

    Sessions live for one request or job, so a listener left by a rollback dies with it.
    """
    event.listen(session.sync_session, "after_commit", lambda _session: callback(), once=True)
