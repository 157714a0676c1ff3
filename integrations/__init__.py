"""Channel adapters (Shopify, Amazon, eBay, Walmart, generic webhooks).

Each adapter is a package here with its httpx client, msgspec schemas, pure mapping,
signature check and a fake server for tests. Adapters depend on ``oms.channels.ports``;
the core never imports an adapter directly, only through ``registry``.
"""
