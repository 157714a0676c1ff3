"""The demo's staff accounts for the associate app: one associate per demo store, and one
store manager for every store (who approves typed-in prices and hands over without a code).

Like the demo's API tokens, the passwords are made up afresh on every start and printed
once; only their Argon2id hashes are stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.auth.services.staff import create_user, set_password
from oms.db.models import Location, StaffUser
from oms.demo.catalogue_data import STORES
from oms.domain.access import Role

MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    stores: tuple[str, ...]
    password: str


def associate_name(store_code: str) -> str:
    """``MAN-CITY`` → ``city``: short enough to type on a tablet."""
    return store_code.split("-", 1)[-1].lower()


async def issue_demo_logins(session: AsyncSession) -> list[DemoLogin]:
    """Create the demo accounts that are missing and give every one a new password."""
    wanted = [store.code for store in STORES]
    present = list(
        await session.scalars(
            select(Location.code).where(Location.code.in_(wanted), Location.active.is_(True))
        )
    )
    stores = [code for code in wanted if code in present]
    plan: list[tuple[str, Role, tuple[str, ...]]] = [
        (associate_name(code), Role.ASSOCIATE, (code,)) for code in stores
    ]
    plan.append((MANAGER, Role.STORE_MANAGER, tuple(stores)))
    existing = set(
        await session.scalars(
            select(StaffUser.username).where(StaffUser.username.in_([p[0] for p in plan]))
        )
    )
    logins = []
    for username, role, codes in plan:
        if not codes:
            continue
        password = secrets.token_urlsafe(9)
        if username in existing:
            await set_password(session, username, password)
        else:
            display = "Store manager" if role == Role.STORE_MANAGER else username.title()
            await create_user(
                session,
                username=username,
                display_name=display,
                role=role,
                password=password,
                location_codes=codes,
            )
        logins.append(DemoLogin(username, role, codes, password))
    return logins


def logins_banner(logins: list[DemoLogin], base_url: str) -> str:
    """The banner's lines for the associate app."""
    if not logins:
        return ""
    width = max(len(login.username) for login in logins)
    lines = ["", f"  Associate app  {base_url.rstrip('/')}/app   (user name and password)"]
    for login in logins:
        where = login.stores[0] if len(login.stores) == 1 else "every store"
        lines.append(f"    {login.username:<{width}}  {login.password}   {login.role} · {where}")
    return "\n".join(lines)
