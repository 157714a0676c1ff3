"""The generic webhook channel: quantities out and orders in, signed per Standard Webhooks."""
