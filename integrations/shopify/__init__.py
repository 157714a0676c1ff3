"""The Shopify channel: order webhooks in (HMAC-signed REST orders), quantities out."""
