"""A manager's approval on the spot: the manager types their name and password on the
associate's tablet, and what they approve is done as if they had done it.

The password is checked exactly as at sign-in (Argon2, the same cost for an unknown name),
and the approver is a principal like any other, so the access rules decide what the
approval covers. Failed approvals are to be counted by the caller with the sign-in limits:
a tablet must not become a way to guess a manager's password.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from oms.auth.services.staff import authenticate
from oms.domain.access import Principal, may_approve_at

# Not an API token: an approval is one person's say-so for one action, never stored.
APPROVAL_TOKEN_ID = 0


async def manager_approval(
    session: AsyncSession, username: str, password: str, location_id: int
) -> Principal | None:
    """The approver, for an active admin or a store manager of ``location_id`` whose name
    and password match; None otherwise (unknown, disabled, wrong password, another role,
    a manager of other stores alike)."""
    account = await authenticate(session, username, password)
    if account is None:
        return None
    approver = Principal(
        APPROVAL_TOKEN_ID,
        account.username,
        account.role,
        frozenset(store_id for store_id, _, _ in account.stores),
    )
    return approver if may_approve_at(approver, location_id) else None
