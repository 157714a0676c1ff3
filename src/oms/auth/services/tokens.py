"""Token administration: create, list, revoke."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oms.auth.schemas import CreatedToken, TokenIn, TokenList, TokenOut
from oms.auth.services.resolver import create_token
from oms.db.models import ApiToken, ApiTokenLocation, Location
from oms.domain.access import Role
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import NotFound


async def issue_token(session: AsyncSession, data: TokenIn) -> CreatedToken:
    """Create a token; its secret is in this answer only (refusals as in ``create_token``)."""
    token, secret, codes = await create_token(
        session,
        name=data.name,
        role=Role(data.role),
        location_codes=data.locations,
        channel_code=data.channel,
    )
    await session.refresh(token)
    return CreatedToken(token=_out(token, codes), secret=secret)


async def list_tokens(session: AsyncSession, limit: int, cursor: str | None) -> TokenList:
    """API tokens, revoked ones too, oldest first, with their location codes; never a secret.
    Staff sign-ins (tokens of kind ``session``) are the staff accounts' business, not listed."""
    codes = (
        select(func.coalesce(func.array_agg(Location.code), []))
        .join(ApiTokenLocation, ApiTokenLocation.location_id == Location.id)
        .where(ApiTokenLocation.token_id == ApiToken.id)
        .scalar_subquery()
    )
    query = (
        select(ApiToken, codes).where(ApiToken.kind == "api").order_by(ApiToken.id).limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(ApiToken.id > decode_cursor(cursor, int)[0])
    found = (await session.execute(query)).all()
    rows, more = found[:limit], len(found) > limit
    return TokenList(
        items=[_out(token, sorted(c or [])) for token, c in rows],
        next_cursor=encode_cursor(rows[-1][0].id) if more else None,
    )


async def revoke_token(session: AsyncSession, token_id: int) -> None:
    """Revoke a live token (others stop accepting it within the cache time); NotFound if none."""
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("token not found or already revoked")


def _out(token: ApiToken, codes: list[str]) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        role=token.role,  # type: ignore[arg-type]
        locations=codes,
        channel=token.channel_code,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )
