"""Shopify's decimal strings as integer minor units, exactly (never through a float)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from oms.domain.channel_sync import PayloadError

# ISO 4217 currencies whose minor unit is not the usual hundredth.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
     "VND", "VUV", "XAF", "XOF", "XPF"}
)  # fmt: skip
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (0, 2 or 3)."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def minor_units(amount: str, currency: str, where: str) -> int:
    """``amount`` ("19.99") in minor units of ``currency`` (1999); PayloadError naming
    ``where`` when it is not a non-negative number or has a fraction finer than the
    currency's minor unit (rounding would invent money)."""
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise PayloadError(f"{where}: {amount!r} is not a decimal amount") from None
    if not value.is_finite() or value < 0:
        raise PayloadError(f"{where}: {amount!r} is not a non-negative amount")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise PayloadError(f"{where}: {amount!r} has more decimals than {currency} allows")
    return int(scaled)
