"""Shopify order webhooks: the HMAC check on the raw bytes, and the sample orders read
into our order API's body (checked against the API's own strict schema)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from integrations.shopify.inbound import INBOUND
from integrations.shopify.money import minor_units
from oms.domain.channel_sync import Delivery, InvalidDelivery, PartnerOrder, PayloadError
from oms.orders.schemas import OrderIn
from tests.support.shopify import OLD_SECRET, SECRET, delivery_headers, sample, sample_bytes

STORES = {"gid://shopify/Location/61000000007": "MAN-01", "61000000099": "LDN-01"}

SHIPPED_TO_ADA = {
    "method": "ship",
    "address": {
        "line1": "12 Marylebone Road",
        "line2": "Flat 3",
        "city": "London",
        "region": "England",
        "postcode": "NW1 5LR",
        "country": "GB",
    },
}
ADA = {"name": "Ada Lovelace", "email": "ada.lovelace@example.org", "phone": "+44 20 7946 0018"}


def read(topic: str, order: dict[str, Any], stores: dict[str, str] | None = None) -> PartnerOrder:
    result = INBOUND.read_order(
        topic, json.dumps(order).encode(), STORES if stores is None else stores
    )
    assert result is not None
    return result


def as_order_in(partner: PartnerOrder) -> OrderIn:
    """The body as the orders API would decode it (strict: unknown fields refused)."""
    return msgspec.convert({"channel": "shopify-uk", **partner.order}, OrderIn)


# --- verify ---------------------------------------------------------------------------


def test_a_signed_delivery_is_verified_with_its_id_topic_and_kept_headers() -> None:
    body = sample_bytes("orders_create")
    delivery = INBOUND.verify(body, delivery_headers(body, webhook_id="wh-abc"), [SECRET])
    assert delivery == Delivery(
        delivery_id="wh-abc",
        topic="orders/create",
        headers={
            "x-shopify-triggered-at": "2026-11-20T10:14:33.000000000Z",
            "x-shopify-event-id": "ev-wh-abc",
            "x-shopify-api-version": "2026-04",
            "x-shopify-shop-domain": "example-shop.myshopify.com",
        },
    )
    assert "x-shopify-hmac-sha256" not in delivery.headers


def test_header_names_are_case_insensitive() -> None:
    body = sample_bytes("orders_create")
    headers = {name.lower(): value for name, value in delivery_headers(body).items()}
    assert INBOUND.verify(body, headers, [SECRET]).delivery_id == "wh-1"
    upper = {name.upper(): value for name, value in delivery_headers(body).items()}
    assert INBOUND.verify(body, upper, [SECRET]).topic == "orders/create"


def test_a_tampered_body_is_refused() -> None:
    body = sample_bytes("orders_create")
    headers = delivery_headers(body)
    tampered = body.replace(b'"quantity": 2', b'"quantity": 20', 1)
    assert tampered != body
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(tampered, headers, [SECRET])


def test_a_wrong_secret_is_refused() -> None:
    body = sample_bytes("orders_create")
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, delivery_headers(body, "someone else's secret"), [SECRET])


def test_a_hex_signature_is_not_the_base64_one() -> None:
    body = sample_bytes("orders_create")
    headers = delivery_headers(body)
    headers["X-Shopify-Hmac-Sha256"] = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


@pytest.mark.parametrize("missing", ["X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id"])
def test_a_missing_header_is_refused(missing: str) -> None:
    body = sample_bytes("orders_create")
    headers = delivery_headers(body)
    del headers[missing]
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


def test_no_secret_configured_refuses_everything() -> None:
    body = sample_bytes("orders_create")
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, delivery_headers(body), [])
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, delivery_headers(body, ""), [""])


def test_during_a_rotation_either_secret_is_accepted() -> None:
    body = sample_bytes("orders_create")
    for signer in (SECRET, OLD_SECRET):
        delivery = INBOUND.verify(body, delivery_headers(body, signer), [SECRET, OLD_SECRET])
        assert delivery.delivery_id == "wh-1"
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, delivery_headers(body, OLD_SECRET), [SECRET])


def test_a_non_ascii_signature_is_refused_not_a_crash() -> None:
    body = sample_bytes("orders_create")
    headers = delivery_headers(body)
    headers["X-Shopify-Hmac-Sha256"] = "é" * 44
    with pytest.raises(InvalidDelivery):
        INBOUND.verify(body, headers, [SECRET])


# --- read_order: the samples -------------------------------------------------------------


def test_orders_create_with_shipping_reads_as_our_order_body() -> None:
    partner = read("orders/create", sample("orders_create"))
    assert partner.external_id == "5208830460001"
    assert partner.updated_at == datetime(2026, 11, 20, 10, 14, 33, tzinfo=UTC)
    assert partner.cancelled is False
    assert partner.order == {
        "external_id": "5208830460001",
        "customer": ADA,
        "lines": [
            {"sku": "SCARF-RED", "quantity": 2, "unit_price": 1999, "currency": "GBP"},
            {"sku": "BEANIE-GREY", "quantity": 1, "unit_price": 3499, "currency": "GBP"},
        ],
        "deliveries": [SHIPPED_TO_ADA],
        "total": {"amount": 7497, "currency": "GBP"},
        "language": "en-GB",
    }
    assert as_order_in(partner).lines[0].unit_price == 1999


def test_a_local_pickup_order_is_a_pickup_at_our_store() -> None:
    partner = read("orders/create", sample("orders_create_pickup"))
    assert partner.order == {
        "external_id": "5208830460002",
        "customer": {"name": "Grace Hopper", "phone": "+44 7700 900123"},
        "lines": [{"sku": "BEANIE-GREY", "quantity": 1, "unit_price": 3499, "currency": "GBP"}],
        "deliveries": [{"method": "pickup", "location": "MAN-01"}],
        "total": {"amount": 3499, "currency": "GBP"},
        "language": "en-GB",
    }
    as_order_in(partner)


def test_a_pickup_location_may_be_mapped_by_number_or_gid() -> None:
    order = sample("orders_create_pickup")
    by_number = read("orders/create", order, {"61000000007": "MAN-01"})
    by_gid = read("orders/create", order, {"gid://shopify/Location/61000000007": "MAN-01"})
    assert by_number.order["deliveries"] == by_gid.order["deliveries"]


def test_a_pickup_location_from_the_shipping_line_code() -> None:
    order = sample("orders_create_pickup")
    order["location_id"] = None
    order["shipping_lines"][0]["code"] = "gid://shopify/Location/61000000099"
    assert read("orders/create", order).order["deliveries"] == [
        {"method": "pickup", "location": "LDN-01"}
    ]


def test_a_pickup_at_an_unknown_location_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="61000000007"):
        read("orders/create", sample("orders_create_pickup"), {"123": "LDN-01"})


def test_an_unmarked_pickup_without_an_address_is_a_payload_error_not_a_shipment() -> None:
    order = sample("orders_create_pickup")
    order["shipping_lines"][0]["delivery_category"] = None
    with pytest.raises(PayloadError, match="neither a shipping_address nor a local pickup"):
        read("orders/create", order)


def test_orders_updated_skips_lines_removed_by_an_edit() -> None:
    partner = read("orders/updated", sample("orders_updated"))
    assert partner.updated_at == datetime(2026, 11, 20, 12, 40, 5, tzinfo=UTC)
    assert partner.cancelled is False
    assert partner.order["lines"] == [
        {"sku": "SCARF-RED", "quantity": 3, "unit_price": 1999, "currency": "GBP"}
    ]
    assert partner.order["total"] == {"amount": 5997, "currency": "GBP"}
    as_order_in(partner)


def test_orders_cancelled_is_cancelled_and_keeps_what_was_ordered() -> None:
    partner = read("orders/cancelled", sample("orders_cancelled"))
    assert partner.cancelled is True
    assert partner.updated_at == datetime(2026, 11, 20, 15, 20, 44, tzinfo=UTC)
    assert [(line["sku"], line["quantity"]) for line in partner.order["lines"]] == [
        ("SCARF-RED", 2),
        ("BEANIE-GREY", 1),
    ]
    assert partner.order["total"] == {"amount": 7497, "currency": "GBP"}
    as_order_in(partner)


def test_cancelled_at_marks_an_order_cancelled_whatever_the_topic() -> None:
    assert read("orders/updated", sample("orders_cancelled")).cancelled is True


def test_other_topics_carry_no_order() -> None:
    body = sample_bytes("orders_create")
    assert INBOUND.read_order("orders/paid", body, STORES) is None
    assert INBOUND.read_order("products/update", b"{}", STORES) is None


def test_unknown_fields_are_ignored() -> None:
    order = sample("orders_create")
    order["brand_new_field"] = {"nested": [1, 2, 3]}
    order["line_items"][0]["another_new_field"] = "x"
    assert (
        read("orders/create", order).order == read("orders/create", sample("orders_create")).order
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en", "en"), ("fr-CA", "fr-CA"), ("ro", "ro"), ("zh-Hant-TW", "zh-Hant-TW"), (" ka ", "ka")],
)
def test_the_customers_locale_is_the_orders_language(locale: str, language: str) -> None:
    order = sample("orders_create")
    order["customer_locale"] = locale
    partner = read("orders/create", order)
    assert partner.order["language"] == language
    assert as_order_in(partner).language == language


_ABSENT = object()


@pytest.mark.parametrize(
    "locale",
    [_ABSENT, None, "", "  ", "English", "en_GB", "e", "en-", "x" * 36, "en-GB\nro", 42, ["en"]],
)
def test_a_locale_that_is_no_language_tag_is_left_out_and_the_order_still_reads(
    locale: object,
) -> None:
    order = sample("orders_create")
    if locale is _ABSENT:
        del order["customer_locale"]
    else:
        order["customer_locale"] = locale
    partner = read("orders/create", order)
    assert "language" not in partner.order
    assert as_order_in(partner).language is None
    assert partner.order["lines"] == read("orders/create", sample("orders_create")).order["lines"]


# --- read_order: what is missing or odd ---------------------------------------------------


def test_a_line_without_a_sku_is_a_payload_error_naming_it() -> None:
    order = sample("orders_create")
    order["line_items"][1]["sku"] = ""
    with pytest.raises(PayloadError, match=r"line_items\[1\] \(Wool Beanie\) has no sku"):
        read("orders/create", order)


@pytest.mark.parametrize("field", ["id", "updated_at", "currency", "line_items"])
def test_a_missing_needed_field_is_a_payload_error(field: str) -> None:
    order = sample("orders_create")
    del order[field]
    with pytest.raises(PayloadError, match=field):
        read("orders/create", order)


def test_a_missing_line_price_is_a_payload_error() -> None:
    order = sample("orders_create")
    del order["line_items"][0]["price"]
    with pytest.raises(PayloadError, match="price"):
        read("orders/create", order)


def test_a_body_that_is_not_json_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        INBOUND.read_order("orders/create", b"<html>", STORES)


def test_a_shipping_address_without_a_postcode_is_a_payload_error() -> None:
    order = sample("orders_create")
    order["shipping_address"]["zip"] = None
    with pytest.raises(PayloadError, match="postcode"):
        read("orders/create", order)


def test_a_customer_without_email_or_phone_is_a_payload_error() -> None:
    order = sample("orders_create_pickup")
    order["phone"] = "not a phone"
    with pytest.raises(PayloadError, match="neither an email nor a phone"):
        read("orders/create", order)


def test_the_customer_name_falls_back_to_a_placeholder() -> None:
    order = sample("orders_create_pickup")
    order["billing_address"] = None
    assert read("orders/create", order).order["customer"]["name"] == "Shopify customer"


def test_with_discounts_the_total_is_left_out() -> None:
    order = sample("orders_create")
    order["current_total_discounts"] = "5.00"
    assert "total" not in read("orders/create", order).order


def test_without_current_quantity_the_quantity_is_used() -> None:
    order = sample("orders_create")
    for line in order["line_items"]:
        del line["current_quantity"]
    assert [line["quantity"] for line in read("orders/create", order).order["lines"]] == [2, 1]


# --- money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("19.99", "GBP", 1999),
        ("19.9", "EUR", 1990),
        ("20", "USD", 2000),
        ("1500", "JPY", 1500),
        ("1500.00", "KRW", 1500),
        ("1.234", "BHD", 1234),
        ("0.5", "KWD", 500),
        ("0.1", "USD", 10),
    ],
)
def test_amounts_become_exact_minor_units(amount: str, currency: str, expected: int) -> None:
    assert minor_units(amount, currency, "price") == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("19.999", "GBP"), ("15.5", "JPY"), ("-1.00", "GBP"), ("abc", "GBP"), ("NaN", "GBP")],
)
def test_amounts_we_cannot_hold_exactly_are_payload_errors(amount: str, currency: str) -> None:
    with pytest.raises(PayloadError):
        minor_units(amount, currency, "price")
