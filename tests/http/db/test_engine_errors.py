"""Database errors never carry bound values: they are logged, and values can be secrets."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_a_failed_statement_does_not_show_its_parameters(engine: AsyncEngine) -> None:
    secret = "tracking-token-that-must-not-be-logged"
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as failure:
            await conn.execute(text("SELECT CAST(:token AS text), 1 / 0"), {"token": secret})
    assert "division by zero" in str(failure.value)
    assert secret not in str(failure.value)
