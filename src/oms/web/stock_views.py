"""What the stock look-up page shows for a search: one SKU's figures, a short list of
matches by name to choose from, or nothing found.

A scanned barcode or a typed SKU code is answered by the network look-up service alone,
the same call the JSON route ``GET /stock/{ref}`` makes, so the page sees exactly what the
API sees. Only when that finds nothing is the text taken as a name and the catalogue
searched; a single match is then looked up as if its code had been typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.schemas import SkuOut
from oms.catalogue.services.skus import search_skus
from oms.domain.errors import NotFound
from oms.inventory.lookup_schemas import StockLookup
from oms.inventory.services.lookup import lookup_stock

# A name matching more SKUs than this asks the associate to type more of it.
MAX_CHOICES = 12


@dataclass(frozen=True, slots=True)
class StockSearch:
    query: str
    found: StockLookup | None = None
    choices: list[SkuOut] = field(default_factory=list)
    more_choices: bool = False


async def search_stock(session: AsyncSession, query: str, here_code: str | None) -> StockSearch:
    """The SKU ``query`` names (code, barcode or, failing those, a name) with its stock here,
    nearby and across the network."""
    query = query.strip()
    if not query:
        return StockSearch(query)
    try:
        return StockSearch(query, found=await lookup_stock(session, query, location=here_code))
    except NotFound:
        pass
    page = await search_skus(session, q=query, active=True, limit=MAX_CHOICES)
    if len(page.items) == 1:
        only = page.items[0].code
        return StockSearch(query, found=await lookup_stock(session, only, location=here_code))
    return StockSearch(query, choices=page.items, more_choices=page.next_cursor is not None)
