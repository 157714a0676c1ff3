"""Connecting the webhook channel: a missing or malformed secret, or an address that is
not http(s), is a configuration error before any call is made."""

from __future__ import annotations

import base64

import pytest

from integrations.webhook import PARTNER, WebhookAdapter, connect, signing
from integrations.webhook.inbound import StandardWebhooksInbound
from oms.domain.channel_sync import PartnerConfigError
from tests.support.webhook_channel import connection_to

SHORT_KEY = "whsec_" + base64.b64encode(b"too short").decode()


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "no webhook secret"),
        ("", "no webhook secret"),
        ("c2VjcmV0LXdpdGhvdXQtcHJlZml4LTAxMjM0NTY3", "must start with"),
        ("whsec_not base64!", "not base64"),
        (SHORT_KEY, "at least 16 bytes"),
    ],
)
def test_a_missing_or_malformed_secret_is_a_configuration_error(
    secret: str | None, reason: str
) -> None:
    with pytest.raises(PartnerConfigError, match=reason) as caught:
        connect(connection_to("http://127.0.0.1:9", secret))
    if secret:
        assert secret not in str(caught.value)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "127.0.0.1:8000", "http://"])
def test_an_address_that_is_not_http_is_a_configuration_error(url: str) -> None:
    with pytest.raises(PartnerConfigError, match="partner URL"):
        connect(connection_to(url, signing.new_secret()))


async def test_a_secret_without_padding_is_accepted() -> None:
    secret = signing.new_secret().rstrip("=")
    adapter = connect(connection_to("https://partner.example/hooks", secret))
    try:
        assert isinstance(adapter, WebhookAdapter)
    finally:
        await adapter.aclose()


def test_the_partner_is_plugged_in_as_webhook() -> None:
    assert PARTNER.name == "webhook"
    assert PARTNER.connect is connect
    assert isinstance(PARTNER.inbound, StandardWebhooksInbound)
