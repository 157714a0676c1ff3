"""A sign-in attempt: rate limits, the password check, the new session.

Failed attempts are limited per client address (5 minutes) and per account (15 minutes).
Each attempt is counted up front in its own transaction, so a burst of parallel guesses
cannot slip under the limit, and handed back when the password was right: only failures
use the budget, and the account's owner is never locked out by their own successes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import State
from sqlalchemy import select

from oms.auth.services import sessions, staff
from oms.config import Settings
from oms.db.models import Location
from oms.domain.errors import RateLimited
from oms.http.client_address import client_address
from oms.tracking.services import ratelimit
from oms.web.staff import Staff

CLIENT_WINDOW, ACCOUNT_WINDOW = 300, 900
WRONG = "That name and password do not match an active account."


@dataclass(frozen=True, slots=True)
class Outcome:
    signed_in: sessions.SignIn | None = None
    store_picked: bool = False
    error: str | None = None
    status: int = 200
    headers: dict[str, str] | None = None


def account_limit(settings: Settings, username: str) -> ratelimit.Limit:
    """The failed-password budget of one account: sign-ins and a manager's approvals on a
    tablet draw on the same one, so neither is a way round the other."""
    return ratelimit.Limit(
        f"sign-in:account:{staff.normalise_username(username)[:100]}",
        settings.app_sign_in_failures_per_account,
        ACCOUNT_WINDOW,
    )


async def attempt(
    state: State, request: Request[Any, Any, Any], username: str, password: str
) -> Outcome:
    """Sign in, or say why not (wrong name or password, too many failures)."""
    settings = state.settings
    limits = [
        ratelimit.Limit(
            f"sign-in:client:{client_address(request)}",
            settings.app_sign_in_failures_per_client,
            CLIENT_WINDOW,
        ),
        account_limit(settings, username),
    ]
    try:
        counted = await ratelimit.hit(state.sessionmaker, limits)
    except RateLimited as exc:
        minutes = max(1, round(exc.retry_after / 60))
        return Outcome(
            error=f"Too many failed sign-ins. Try again in about {minutes} minute(s).",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    async with state.sessionmaker() as session, session.begin():
        account = await staff.authenticate(session, username, password)
        if account is None:
            return Outcome(error=WRONG, status=401)
        await ratelimit.refund(session, counted)
        # One store: that is where they stand. Several: they pick. An admin picks any.
        store_id = account.stores[0][0] if len(account.stores) == 1 else None
        signed_in = await sessions.start(session, account, store_id)
    return Outcome(signed_in=signed_in, store_picked=store_id is not None)


async def stores_to_pick(state: State, who: Staff) -> list[tuple[int, str, str]]:
    """(id, code, name) of the stores this person may stand in: their own, or for an
    unscoped role every active location."""
    principal = who.principal
    query = select(Location.id, Location.code, Location.name).where(Location.active)
    if principal.is_scoped:
        query = query.where(Location.id.in_(principal.location_ids))
    async with state.sessionmaker() as session:
        rows = await session.execute(query.order_by(Location.code))
    return [(r.id, r.code, r.name) for r in rows]
