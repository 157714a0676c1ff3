"""Locations: create, read, change and (while nothing refers to them) delete.

Deleting is only for mistakes: once a location has stock, a ledger, holds or transfers
its history must stay readable, so it is deactivated instead.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import any_, delete, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.schemas import (
    Address,
    Capability,
    LocationIn,
    LocationKind,
    LocationList,
    LocationOut,
    LocationPatch,
    OpeningHours,
)
from oms.catalogue.services.refs import location_by_code
from oms.db.models import Location
from oms.db.savepoints import savepoint
from oms.domain.access import Action, Principal, require
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import AlreadyExists, InvalidState, NotFound

# Anything recorded at the location keeps it from being deleted. Stock movements and hold
# lines hang off inventory_level rows, so a level row stands for them too.
_HAS_HISTORY = text(
    """
    SELECT EXISTS (SELECT 1 FROM inventory_level WHERE location_id = :id)
        OR EXISTS (SELECT 1 FROM stock_movement WHERE location_id = :id)
        OR EXISTS (SELECT 1 FROM hold WHERE location_id = :id)
        OR EXISTS (SELECT 1 FROM transfer WHERE from_location_id = :id OR to_location_id = :id)
    """
)


def _stored(data: LocationIn | LocationPatch) -> dict[str, Any]:
    """The columns a body sets, with nested structs as plain JSON for the JSONB columns."""
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(data):
        value = getattr(data, field.name)
        if value is msgspec.UNSET:
            continue
        if isinstance(value, Address | OpeningHours):
            value = msgspec.to_builtins(value)
        elif field.name == "capabilities":
            value = list(value)
        values[field.name] = value
    return values


def location_out(location: Location) -> LocationOut:
    """The API view of a stored location."""
    return LocationOut(
        code=location.code,
        name=location.name,
        kind=location.kind,  # type: ignore[arg-type]
        address=msgspec.convert(location.address, Address),
        lat=location.lat,
        lon=location.lon,
        timezone=location.timezone,
        opening_hours=msgspec.convert(location.opening_hours, OpeningHours),
        capabilities=list(location.capabilities),  # type: ignore[arg-type]
        daily_capacity=location.daily_capacity,
        priority=location.priority,
        active=location.active,
        created_at=location.created_at,
        updated_at=location.updated_at,
    )


async def create_location(
    session: AsyncSession, principal: Principal, data: LocationIn
) -> LocationOut:
    """Insert a location (admins only); AlreadyExists if its code is taken, also by a race."""
    require(principal, Action.MANAGE_CATALOGUE)
    # ON CONFLICT: a concurrent create of the same code waits, then yields nothing here.
    created = await session.scalar(
        insert(Location)
        .values(**_stored(data))
        .on_conflict_do_nothing(index_elements=[Location.code])
        .returning(Location)
    )
    if created is None:
        raise AlreadyExists(f"location {data.code!r} already exists", location=data.code)
    return location_out(created)


async def list_locations(
    session: AsyncSession,
    *,
    kind: LocationKind | None = None,
    active: bool | None = None,
    capability: Capability | None = None,
    limit: int,
    cursor: str | None,
) -> LocationList:
    """Locations, inactive ones too unless filtered, ordered by code."""
    query = select(Location).order_by(Location.code).limit(limit + 1)
    if cursor is not None:
        query = query.where(Location.code > decode_cursor(cursor, str)[0])
    if kind is not None:
        query = query.where(Location.kind == kind)
    if active is not None:
        query = query.where(Location.active.is_(active))
    if capability is not None:
        query = query.where(literal(capability) == any_(Location.capabilities))
    found = list(await session.scalars(query))
    items, more = [location_out(row) for row in found[:limit]], len(found) > limit
    return LocationList(items=items, next_cursor=encode_cursor(items[-1].code) if more else None)


async def get_location(session: AsyncSession, code: str) -> LocationOut:
    """The location with this code, active or not; NotFound if none."""
    return location_out(await location_by_code(session, code, active_only=False))


async def update_location(
    session: AsyncSession, principal: Principal, code: str, data: LocationPatch
) -> LocationOut:
    """Change only the fields given (admins only); NotFound if no such code."""
    require(principal, Action.MANAGE_CATALOGUE)
    changes = _stored(data)
    if not changes:
        return await get_location(session, code)
    updated = await session.scalar(
        update(Location)
        .where(Location.code == code)
        .values(**changes)
        .returning(Location)
        .execution_options(populate_existing=True)
    )
    if updated is None:
        raise NotFound(f"location {code!r} not found", location=code)
    return location_out(updated)


async def delete_location(session: AsyncSession, principal: Principal, code: str) -> None:
    """Delete a location that never held stock (admins); InvalidState if it did; NotFound."""
    require(principal, Action.MANAGE_CATALOGUE)
    # FOR UPDATE conflicts with the key-share lock every referencing insert takes, so no
    # stock can be recorded here between the check and the delete.
    location_id = await session.scalar(
        select(Location.id).where(Location.code == code).with_for_update()
    )
    if location_id is None:
        raise NotFound(f"location {code!r} not found", location=code)
    if await session.scalar(_HAS_HISTORY, {"id": location_id}):
        raise _in_use(code)
    try:
        # A savepoint, so a reference from a table added later is a clear 409, not a 500.
        async with savepoint(await session.connection(), "delete_location"):
            await session.execute(
                delete(Location)
                .where(Location.id == location_id)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as exc:
        raise _in_use(code) from exc


def _in_use(code: str) -> InvalidState:
    return InvalidState(
        f"location {code!r} has stock history and cannot be deleted;"
        f' deactivate it instead with PATCH /locations/{code} {{"active": false}}',
        location=code,
    )
