"""The per-process channel policy cache forgets a change when it commits, not before."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.channels.schemas import ChannelIn, ChannelPatch
from oms.channels.services import channels
from oms.channels.services.policy_cache import cached_channel_policy
from oms.domain.access import Principal, Role
from tests.support.world import unique

ADMIN = Principal(token_id=0, name="test", role=Role.ADMIN)


async def test_a_read_during_the_change_does_not_keep_the_old_policy(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    code = unique("CH")
    async with sessionmaker() as session, session.begin():
        await channels.create_channel(
            session, ADMIN, ChannelIn(code=code, name="Web", kind="web", currency="GBP")
        )

    async with sessionmaker() as session, session.begin():
        await channels.update_channel(session, ADMIN, code, ChannelPatch(max_split=1))
        # Another request reads the channel before the change commits: it sees (and
        # caches) the committed policy, the old one.
        async with engine.connect() as other:
            before = await cached_channel_policy(other, code)
        assert before is not None
        assert before.max_split != 1
    # Committed now.

    async with engine.connect() as conn:
        after = await cached_channel_policy(conn, code)
    assert after is not None
    assert after.max_split == 1, "the cache kept the policy read while the change was open"


async def test_a_rolled_back_change_leaves_the_cache_alone(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    code = unique("CH")
    async with sessionmaker() as session, session.begin():
        await channels.create_channel(
            session, ADMIN, ChannelIn(code=code, name="Web", kind="web", currency="GBP")
        )
    async with engine.connect() as conn:
        cached = await cached_channel_policy(conn, code)

    async with sessionmaker() as session:
        transaction = await session.begin()
        await channels.update_channel(session, ADMIN, code, ChannelPatch(max_split=1))
        await transaction.rollback()

    async with engine.connect() as conn:
        assert await cached_channel_policy(conn, code) is cached  # still the cached object
