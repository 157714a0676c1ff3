"""The generic webhook channel: quantities out and orders in, signed per Standard Webhooks.

For partners without an adapter of their own; README.md in this package is the contract
they build against.
"""

from __future__ import annotations

from integrations.webhook.adapter import WebhookAdapter, connect
from integrations.webhook.inbound import StandardWebhooksInbound
from oms.domain.channel_sync import Partner

PARTNER = Partner(name="webhook", connect=connect, inbound=StandardWebhooksInbound())

__all__ = ["PARTNER", "StandardWebhooksInbound", "WebhookAdapter", "connect"]
