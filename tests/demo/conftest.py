"""Fixtures shared by the integration modules that look at the demo retailer."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.demo.seed import seed_demo


@pytest.fixture(scope="session")
async def seeded(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """Seeds the demo once per run, whichever module asks first; True when this call made it."""
    async with sessionmaker() as session, session.begin():
        return await seed_demo(session)
