"""Send one stored notification: at most once when it succeeds, retried while it fails.

Delivery of the job is at least once, so the row is the guard: it is locked for the whole
send (``FOR UPDATE SKIP LOCKED``: a second delivery running at the same moment skips it)
and only a ``pending`` row is sent. A failure is counted on the row and raised, so the
broker retries with backoff; after ``MAX_ATTEMPTS`` (or an error no retry can fix) the row
is marked ``failed`` and left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.notifications.services.senders import (
    NotificationSender,
    OutgoingMessage,
    PermanentSendError,
)

log = logging.getLogger(__name__)

# The actor's first run and its retries (dramatiq: max_retries=5).
MAX_ATTEMPTS = 6
_ERROR_MAX_CHARS = 1000

_CLAIM = text(
    """
    SELECT id, kind, recipient, subject, body, attempts FROM notification
     WHERE id = :id AND status = 'pending'
       FOR UPDATE SKIP LOCKED
    """
)
_SENT = text(
    "UPDATE notification SET status = 'sent', sent_at = now(), attempts = attempts + 1,"
    " last_error = NULL WHERE id = :id"
)
_FAILED = text(
    "UPDATE notification SET status = :status, attempts = attempts + 1, last_error = :error"
    " WHERE id = :id"
)


class SendFailed(Exception):
    """Raised to the broker so that it retries the job later."""


async def send_notification(
    sessionmaker: Callable[[], Awaitable[async_sessionmaker[AsyncSession]]],
    sender: NotificationSender,
    notification_id: int,
) -> None:
    """The body of the ``send_notification`` actor (see the module docstring)."""
    factory = await sessionmaker()
    failure: Exception | None = None
    final = False
    async with factory() as session, session.begin():
        row = (await session.execute(_CLAIM, {"id": notification_id})).one_or_none()
        if row is None:
            # Sent or given up already, or another delivery of this job holds it right now.
            return
        message = OutgoingMessage(
            notification_id=row.id,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
        )
        try:
            await sender.send(message)
        except Exception as exc:
            failure = exc
            final = isinstance(exc, PermanentSendError) or row.attempts + 1 >= MAX_ATTEMPTS
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX_CHARS]
            await session.execute(
                _FAILED,
                {"id": row.id, "status": "failed" if final else "pending", "error": error},
            )
        else:
            await session.execute(_SENT, {"id": row.id})
    if failure is None:
        log.info("notification sent", extra={"notification_id": notification_id})
        return
    if final:
        log.error(
            "notification failed for good",
            extra={"notification_id": notification_id, "attempts": row.attempts + 1},
        )
        return
    raise SendFailed(f"notification {notification_id}: {failure}") from failure
