"""Staff accounts: people who sign in to the associate app with a name and a password.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); a hash made with older parameters is upgraded at the next successful sign-in.
An unknown name costs the same as a wrong password, so timing does not tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Location, StaffUser, StaffUserLocation
from oms.domain.access import STAFF_ROLES, Role, check_token_scope
from oms.domain.errors import AlreadyExists, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a miss takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password anybody has")


@dataclass(frozen=True, slots=True)
class StaffAccount:
    id: int
    username: str
    display_name: str
    role: Role
    # The stores a store manager or associate works at: (id, code, name), by code.
    stores: tuple[tuple[int, str, str], ...]


def normalise_username(username: str) -> str:
    """Sign-in names compare without case or surrounding spaces."""
    return username.strip().lower()


def hash_password(password: str) -> str:
    """A new Argon2id hash; InvalidInput for a password too short to be one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    location_codes: Sequence[str] = (),
) -> StaffAccount:
    """A new account; AlreadyExists for a taken name, NotFound for an unknown store,
    InvalidInput for a role or store list that does not fit (as for API tokens)."""
    if role not in STAFF_ROLES:
        raise InvalidInput(f"a staff account cannot have role {role.value!r}")
    check_token_scope(role, has_locations=bool(location_codes), has_channel=False)
    name = normalise_username(username)
    if not name:
        raise InvalidInput("a user name is needed")
    if await session.scalar(select(StaffUser.id).where(StaffUser.username == name)):
        raise AlreadyExists(f"user {name!r} already exists")
    locations = list(
        await session.scalars(select(Location).where(Location.code.in_(location_codes)))
    )
    missing = sorted(set(location_codes) - {loc.code for loc in locations})
    if missing:
        raise NotFound(f"unknown location(s): {', '.join(missing)}", locations=missing)
    user = StaffUser(
        username=name,
        display_name=display_name.strip() or name,
        role=role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    await session.flush()
    session.add_all(StaffUserLocation(user_id=user.id, location_id=loc.id) for loc in locations)
    await session.flush()
    stores = tuple(sorted(((loc.id, loc.code, loc.name) for loc in locations), key=_by_code))
    return StaffAccount(user.id, name, user.display_name, role, stores)


def _by_code(store: tuple[int, str, str]) -> str:
    return store[1]


async def authenticate(session: AsyncSession, username: str, password: str) -> StaffAccount | None:
    """The active account with this name and password, or None (unknown, disabled or
    wrong password alike). Upgrades an outdated hash in ``session``'s transaction."""
    user = await session.scalar(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    )
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return await load_account(session, user.id)


async def load_account(session: AsyncSession, user_id: int) -> StaffAccount:
    """An account with its stores; NotFound if it does not exist."""
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("user not found")
    rows = await session.execute(
        select(Location.id, Location.code, Location.name)
        .join(StaffUserLocation, StaffUserLocation.location_id == Location.id)
        .where(StaffUserLocation.user_id == user_id)
        .order_by(Location.code)
    )
    stores = tuple((r.id, r.code, r.name) for r in rows)
    return StaffAccount(user.id, user.username, user.display_name, Role(user.role), stores)


async def set_password(session: AsyncSession, username: str, password: str) -> None:
    """Replace an account's password; NotFound for an unknown name."""
    user = await session.scalar(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    )
    if user is None:
        raise NotFound(f"user {normalise_username(username)!r} not found")
    user.password_hash = hash_password(password)
