"""The demo retailer's price list: what its tills and web shop charge for each product.

Every colour and size of a product costs the same, as in most outdoor shops. Prices are in
minor units of the channel's currency (pence for GBP). Seeding adds the prices that are
missing and leaves existing ones alone, so an operator's changes survive every restart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.demo.channels_data import CHANNELS

# Pence, by product code (demo/catalogue_data.py). A SKU's code starts with its product's.
PRICES_GBP: dict[str, int] = {
    # jackets
    "JKT-HVM": 14999,
    "JKT-HVW": 14999,
    "JKT-DWM": 17999,
    "JKT-DWW": 17999,
    "JKT-SFT": 8999,
    "JKT-KID": 4499,
    "GIL-DWN": 8999,
    "JKT-PKM": 5999,
    "JKT-PKW": 5999,
    # fleeces
    "FLC-BLM": 6499,
    "FLC-BLW": 6499,
    "FLC-MAM": 4999,
    "FLC-KID": 2499,
    # base layers and tops
    "TEE-MRM": 5499,
    "TEE-MRW": 5499,
    "TEE-TCM": 2499,
    "TEE-TCW": 2499,
    "SHR-FLN": 3999,
    "HOD-LOG": 4499,
    # trousers and shorts
    "TRS-EDM": 6999,
    "TRS-EDW": 6999,
    "TRS-OVR": 4999,
    "TRS-KID": 2999,
    "SHT-TRM": 3499,
    "SHT-TRW": 3499,
    "LEG-RNW": 3999,
    # footwear
    "BOT-RWM": 15999,
    "BOT-RWW": 15999,
    "SHO-FRM": 11999,
    "SHO-FRW": 11999,
    "BOT-KID": 4999,
    "SHO-SND": 3499,
    # socks, headwear, gloves
    "SCK-MER": 1999,
    "SCK-RUN": 1499,
    "SCK-LNR": 1299,
    "SCK-KID": 899,
    "HAT-BNE": 1999,
    "HAT-SUN": 1799,
    "HAT-NCK": 1299,
    "GLV-WPF": 3999,
    "GLV-LNR": 1499,
    # tents, sleeping, packs
    "TNT-1P": 17999,
    "TNT-2P": 22999,
    "TNT-3P": 29999,
    "TNT-4F": 39999,
    "TNT-6F": 59999,
    "BAG-3S": 8999,
    "BAG-SUM": 4499,
    "MAT-SIM": 5999,
    "PCK-20": 4499,
    "PCK-30": 6499,
    "PCK-45": 11999,
    "PCK-65": 16999,
    # cooking, fuel, bottles, lighting
    "STV-GAS": 3499,
    "CKW-POT": 4499,
    "GAS-230": 599,
    "GAS-450": 899,
    "BTL-1L": 2999,
    "BTL-500": 2299,
    "BTL-FLT": 3499,
    "TRC-400": 3999,
    "LTN-LED": 2999,
    # walking, safety, furniture, climbing
    "POL-TRK": 5999,
    "FAK-HIK": 2499,
    "NAV-CMP": 1999,
    "CHR-CMP": 3499,
    "HRN-ALP": 5499,
    "HLM-CLB": 6499,
    "SHO-CLB": 8999,
    "CHK-BAG": 1499,
}
PRICE_LISTS = {"GBP": PRICES_GBP}

# The channels store staff take orders on: only they need our prices (marketplaces send
# theirs with each order).
STAFF_ORDER_CHANNELS = tuple(c for c in CHANNELS if c.staff_orders)

_INSERT = text(
    """
    INSERT INTO channel_price (channel_id, sku_id, amount, updated_by)
    SELECT c.id, s.id, p.amount, 'system:demo'
      FROM unnest(CAST(:channels AS text[]), CAST(:skus AS text[]), CAST(:amounts AS bigint[]))
           AS p(channel, sku, amount)
      JOIN channel c ON c.code = p.channel
      JOIN sku s ON s.code = p.sku
    ON CONFLICT (channel_id, sku_id) DO NOTHING
    """
)


def demo_price(sku_code: str, currency: str) -> int:
    """A demo SKU's price in ``currency``: its product's (KeyError for a SKU or currency
    the demo does not price)."""
    prices = PRICE_LISTS[currency]
    product = max((p for p in prices if sku_code.startswith(f"{p}-")), key=len, default=None)
    if product is None:
        raise KeyError(sku_code)
    return prices[product]


async def seed_demo_prices(session: AsyncSession, sku_codes: Iterable[str]) -> None:
    """Price every demo SKU on every staff-order channel that lacks the price, in one
    statement (channels or SKUs an operator removed are skipped)."""
    rows = [
        (channel.code, sku, demo_price(sku, channel.currency))
        for channel in STAFF_ORDER_CHANNELS
        for sku in sku_codes
    ]
    if rows:
        await session.execute(
            _INSERT,
            {
                "channels": [channel for channel, _, _ in rows],
                "skus": [sku for _, sku, _ in rows],
                "amounts": [amount for _, _, amount in rows],
            },
        )
