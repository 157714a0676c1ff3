"""The maintenance job ends app sessions nobody signed out of once they can no longer be
used, and revokes their tokens; live ones are left alone."""

from __future__ import annotations

from sqlalchemy import text

from oms.auth.services.sessions import end_stale_sessions
from tests.support.web import sign_in
from tests.support.world import World

_STATE = text(
    "SELECT s.ended_at IS NOT NULL AS ended, s.end_reason, t.revoked_at IS NOT NULL AS revoked"
    " FROM staff_session s JOIN api_token t ON t.id = s.token_id WHERE t.name = :name"
)


async def test_idle_and_expired_sessions_end_and_live_ones_stay(world: World) -> None:
    store = await world.location()
    idle, old, live = [await sign_in(world, "associate", (store,)) for _ in range(3)]
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE staff_session s SET last_seen_at = now() - interval '1 hour'"
                " FROM api_token t WHERE t.id = s.token_id AND t.name = :name"
            ),
            {"name": idle.username},
        )
        await session.execute(
            text(
                "UPDATE staff_session s SET created_at = now() - interval '13 hours'"
                " FROM api_token t WHERE t.id = s.token_id AND t.name = :name"
            ),
            {"name": old.username},
        )
        ended = await end_stale_sessions(session, idle_seconds=900, lifetime_seconds=12 * 3600)
    assert ended >= 2
    async with world.sessionmaker() as session:
        states = {
            who.username: (await session.execute(_STATE, {"name": who.username})).one()
            for who in (idle, old, live)
        }
    assert tuple(states[idle.username]) == (True, "idle", True)
    assert tuple(states[old.username]) == (True, "expired", True)
    assert tuple(states[live.username]) == (False, None, False)
    world.client.app.state.staff_sessions._cache.clear()
    assert (await live.client.get("/app")).status_code == 200
    assert (await idle.client.get("/app")).status_code == 303
