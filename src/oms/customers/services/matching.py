"""Find the customer profile an order belongs to, or create it: one profile across channels.

Email is the strongest key: a matching email always wins. A phone is shared more often
(a household, a shop's landline), so it links an order to a profile only when the order
gives no email or the profile has none. A phone already owned by a profile is never
given to a second one (the unique key would refuse it); that profile stores no phone key.

Runs on the order placement path: one statement for a known customer, two for a new
one. Concurrent first orders of a new customer insert with ``ON CONFLICT DO NOTHING``;
the losers wait for the winner's commit and then read its row, so one profile is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.db.savepoints import savepoint
from oms.domain.contact import email_key, phone_key

# A lost insert race is settled by the next read; more rounds only follow further races
# on other keys of the same person, so a few are plenty.
MAX_ROUNDS = 4

# Order placement embeds this in its first statement (saving a round trip) and passes the
# rows in as ``known``.
MATCH_SQL = """
    SELECT id, email_key, phone_key FROM customer
     WHERE email_key = :ek OR phone_key = :pk
    """
_MATCH = text(MATCH_SQL)


class Known(NamedTuple):
    """A profile row as ``MATCH_SQL`` returns it."""

    id: uuid.UUID
    email_key: str | None
    phone_key: str | None


def match_params(email: str | None, phone: str | None) -> dict[str, str | None]:
    """``:ek`` and ``:pk``, the normalised email and phone keys (None where not given)."""
    return {"ek": email_key(email), "pk": phone_key(phone)}


_INSERT = text(
    """
    INSERT INTO customer (id, name, name_key, email, email_key, phone, phone_key)
    VALUES (:id, :name, :name_key, :email, :ek, :phone, :pk)
    ON CONFLICT DO NOTHING
    RETURNING id
    """
)
# Completing a profile with a key it lacks; the NOT EXISTS avoids the common conflict and
# the savepoint around it absorbs a concurrent one.
_ADD_EMAIL = text(
    """
    UPDATE customer SET email = :email, email_key = :ek
     WHERE id = :id AND email_key IS NULL
       AND NOT EXISTS (SELECT 1 FROM customer WHERE email_key = :ek)
    """
)
_ADD_PHONE = text(
    """
    UPDATE customer SET phone = :phone, phone_key = :pk
     WHERE id = :id AND phone_key IS NULL
       AND NOT EXISTS (SELECT 1 FROM customer WHERE phone_key = :pk)
    """
)


def name_key(name: str) -> str:
    """Lower-cased with single spaces: what name search compares prefixes against."""
    return " ".join(name.split()).lower()


async def match_or_create_customer(
    conn: AsyncConnection,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    known: Sequence[Known] | None = None,
) -> uuid.UUID:
    """The id of the profile this order's contact details belong to (created if none).

    ``known``: what ``MATCH_SQL`` returned moments ago in the caller's own statement.
    """
    ek, pk = email_key(email), phone_key(phone)
    if ek is None and pk is None:
        raise ValueError("a customer needs an email or a phone number")
    for round_no in range(MAX_ROUNDS):
        rows: Sequence[Row[Any] | Known]
        if round_no == 0 and known is not None:
            rows = known
        else:
            rows = (await conn.execute(_MATCH, {"ek": ek, "pk": pk})).all()
        found = _choose(rows, ek)
        if found is not None:
            await _complete(conn, found, rows, email=email, ek=ek, phone=phone, pk=pk)
            return found.id
        phone_taken = any(row.phone_key == pk for row in rows)
        given_phone = phone.strip() if phone is not None and pk is not None else None
        new_id = await conn.scalar(
            _INSERT,
            {
                "id": uuid.uuid4(),
                "name": name.strip(),
                "name_key": name_key(name),
                "email": email.strip() if email is not None and ek is not None else None,
                "ek": ek,
                "phone": None if phone_taken else given_phone,
                "pk": None if phone_taken else pk,
            },
        )
        if new_id is not None:
            return new_id  # type: ignore[no-any-return]
        # A concurrent order created the profile first (now committed): read it again.
    raise RuntimeError(f"customer matching did not settle after {MAX_ROUNDS} rounds")


def _choose(rows: Sequence[Row[Any] | Known], ek: str | None) -> Row[Any] | Known | None:
    by_email = next((row for row in rows if ek is not None and row.email_key == ek), None)
    if by_email is not None:
        return by_email
    # Only phone matches are left: one row at most (phone_key is unique).
    by_phone = rows[0] if rows else None
    if by_phone is not None and (ek is None or by_phone.email_key is None):
        return by_phone
    return None


async def _complete(
    conn: AsyncConnection,
    found: Row[Any] | Known,
    rows: Sequence[Row[Any] | Known],
    *,
    email: str | None,
    ek: str | None,
    phone: str | None,
    pk: str | None,
) -> None:
    """Give a matched profile the key it lacks, so later orders with only that key find it.

    Rare (once per profile and key), so the savepoint's extra round trips are cheap; a key
    another profile took meanwhile is simply not added.
    """
    statement, params = None, {}
    if ek is not None and found.email_key is None and email is not None:
        statement, params = _ADD_EMAIL, {"email": email.strip(), "ek": ek}
    elif (
        pk is not None
        and phone is not None
        and found.phone_key is None
        and not any(row.phone_key == pk for row in rows)
    ):
        statement, params = _ADD_PHONE, {"phone": phone.strip(), "pk": pk}
    if statement is None:
        return
    try:
        async with savepoint(conn, "add_contact"):
            await conn.execute(statement, {"id": found.id, **params})
    except IntegrityError:
        pass
