"""One customer profile across channels: matched by email, else phone; created once even
when the first orders of a new customer arrive together."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.customers.services.matching import match_or_create_customer
from tests.support.concurrency import (
    connection_share,
    dedicated_engine,
    pinned_connections,
    run_on_connections,
)


def fresh_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


def fresh_phone() -> str:
    """A UK mobile number nobody else in the run has (national form)."""
    return "07" + str(uuid.uuid4().int)[:9]


async def match(sm: async_sessionmaker[AsyncSession], **contact: Any) -> uuid.UUID:
    contact.setdefault("name", "Ann Example")
    contact.setdefault("email", None)
    contact.setdefault("phone", None)
    async with sm() as session, session.begin():
        conn = await session.connection()
        return await match_or_create_customer(conn, **contact)


async def profile(sm: async_sessionmaker[AsyncSession], customer_id: uuid.UUID) -> dict[str, Any]:
    async with sm() as session:
        row = (
            await session.execute(
                text(
                    "SELECT name, name_key, email, email_key, phone, phone_key FROM customer"
                    " WHERE id = :id"
                ),
                {"id": customer_id},
            )
        ).one()
    return dict(row._mapping)


async def test_email_matches_whatever_its_case_and_spaces(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    email = fresh_email()
    first = await match(sessionmaker, name="  Ann   Example ", email=email)
    again = await match(sessionmaker, name="A. Example", email=f"  {email.upper()} ")
    assert again == first
    assert await profile(sessionmaker, first) == {
        "name": "Ann   Example",
        "name_key": "ann example",
        "email": email,
        "email_key": email,
        "phone": None,
        "phone_key": None,
    }


async def test_phone_matches_an_order_without_email_in_any_notation(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    national = fresh_phone()
    first = await match(sessionmaker, phone=national)
    international = "+44 " + national[1:5] + " " + national[5:]
    assert await match(sessionmaker, phone=international) == first
    assert await match(sessionmaker, phone="0044" + national[1:]) == first
    assert (await profile(sessionmaker, first))["phone_key"] == "+44" + national[1:]


async def test_phone_profile_without_email_takes_the_orders_email(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    phone, email = fresh_phone(), fresh_email()
    by_phone = await match(sessionmaker, phone=phone)
    assert await match(sessionmaker, email=email, phone=phone) == by_phone
    assert (await profile(sessionmaker, by_phone))["email_key"] == email
    # Now the email alone finds it too.
    assert await match(sessionmaker, email=email) == by_phone


async def test_email_profile_without_phone_takes_the_orders_phone(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    phone, email = fresh_phone(), fresh_email()
    by_email = await match(sessionmaker, email=email)
    assert await match(sessionmaker, email=email, phone=phone) == by_email
    assert await match(sessionmaker, phone=phone) == by_email


async def test_a_shared_phone_does_not_merge_two_people_with_different_emails(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    phone = fresh_phone()
    ann = await match(sessionmaker, name="Ann", email=fresh_email(), phone=phone)
    bob_email = fresh_email()
    bob = await match(sessionmaker, name="Bob", email=bob_email, phone=phone)
    assert bob != ann
    bob_profile = await profile(sessionmaker, bob)
    # The phone stays Ann's: Bob's profile does not take a key another profile owns.
    assert (bob_profile["email_key"], bob_profile["phone"], bob_profile["phone_key"]) == (
        bob_email,
        None,
        None,
    )
    assert await match(sessionmaker, phone=phone) == ann
    assert await match(sessionmaker, email=bob_email, phone=phone) == bob


async def test_email_wins_over_a_phone_belonging_to_someone_else(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ann_phone, bob_email = fresh_phone(), fresh_email()
    ann = await match(sessionmaker, name="Ann", phone=ann_phone)
    bob = await match(sessionmaker, name="Bob", email=bob_email)
    assert ann != bob
    assert await match(sessionmaker, email=bob_email, phone=ann_phone) == bob
    # Ann keeps her phone; Bob does not take it.
    assert (await profile(sessionmaker, bob))["phone_key"] is None


async def count_customers(engine: AsyncEngine, column: str, key: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text(f"SELECT count(*) FROM customer WHERE {column} = :k"), {"k": key}
        )
    assert isinstance(found, int)
    return found


async def concurrent_first_orders(
    engine: AsyncEngine, database_url: str, settings: Settings, **contact: Any
) -> list[uuid.UUID | BaseException]:
    size = await connection_share(engine, wanted=20, minimum=5)
    assert size >= 5, "the server has too few spare connections for this test"
    async with (
        dedicated_engine(database_url, settings, size) as own,
        pinned_connections(own, size) as pinned,
    ):
        assert len({p.pid for p in pinned}) == size

        async def attempt(sm: async_sessionmaker[AsyncSession], n: int) -> uuid.UUID:
            return await match(sm, name=f"Ann {n}", **contact)

        return await run_on_connections(pinned, 20, attempt)


async def test_twenty_concurrent_first_orders_make_one_profile(
    engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    email = fresh_email()
    results = await concurrent_first_orders(engine, database_url, settings, email=email)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    assert await count_customers(engine, "email_key", email) == 1


async def test_twenty_concurrent_first_orders_by_phone_make_one_profile(
    engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    phone = fresh_phone()
    results = await concurrent_first_orders(engine, database_url, settings, phone=phone)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    assert await count_customers(engine, "phone_key", "+44" + phone[1:]) == 1


async def test_matching_a_known_customer_is_one_statement(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    email = fresh_email()
    await match(sessionmaker, email=email)
    statements: list[str] = []
    async with sessionmaker() as session, session.begin():
        conn = await session.connection()

        def record(*args: Any) -> None:
            statements.append(args[2])

        event.listen(conn.sync_connection, "before_cursor_execute", record)
        await match_or_create_customer(conn, name="Ann", email=email, phone=None)
        await match_or_create_customer(conn, name="New", email=fresh_email(), phone=None)
        event.remove(conn.sync_connection, "before_cursor_execute", record)
    # Known: the match. New: the match and the insert.
    assert len(statements) == 3, statements
