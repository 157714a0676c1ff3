"""The Shopify channel: order webhooks in (HMAC-signed REST orders), quantities out
(GraphQL ``inventorySetQuantities`` with compare-and-swap). See README.md."""

from __future__ import annotations

from integrations.shopify.adapter import ShopifyAdapter, connect
from integrations.shopify.inbound import INBOUND, ShopifyInbound
from oms.domain.channel_sync import Partner

__all__ = ["PARTNER", "ShopifyAdapter", "ShopifyInbound", "connect"]

PARTNER = Partner(name="shopify", connect=connect, inbound=INBOUND)
