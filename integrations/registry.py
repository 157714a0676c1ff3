"""Which partner adapter serves which channel (``channel_sync.adapter``)."""

from __future__ import annotations

from oms.domain.channel_sync import Partner

# Filled by each adapter package's import below; the names match ``channel_sync.adapter``.
PARTNERS: dict[str, Partner] = {}


def partner_for(adapter: str) -> Partner:
    """The partner plugged in under ``adapter``; LookupError if there is none."""
    _load()
    try:
        return PARTNERS[adapter]
    except KeyError:
        raise LookupError(f"no channel adapter registered for {adapter!r}") from None


def _load() -> None:
    if PARTNERS:
        return
    from integrations import shopify, webhook

    for partner in (shopify.PARTNER, webhook.PARTNER):
        PARTNERS[partner.name] = partner
