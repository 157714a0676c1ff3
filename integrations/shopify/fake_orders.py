"""Orders in the fake Shopify: what a checkout records and what a cancellation changes.

An order is the REST Order resource (the shape the samples show, with fewer fields).
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from integrations.shopify.fake_state import Variant, now_iso


def new_order(
    order_id: int,
    variant: Variant,
    quantity: int,
    *,
    currency: str,
    pickup_location: str | None,
    customer: dict[str, Any],
    locale: str | None = "en",
) -> dict[str, Any]:
    """A REST order for one line of ``variant``; a pickup at ``pickup_location`` (a
    Location GID) when given, else shipped to the customer's address."""
    stamp = now_iso()
    total = str(Decimal(variant.price) * quantity)
    number = order_id % 100_000
    address = {
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "name": f"{customer['first_name']} {customer['last_name']}",
        "address1": "221B Baker Street",
        "address2": None,
        "city": "London",
        "province": "England",
        "province_code": "ENG",
        "zip": "NW1 6XE",
        "country": "United Kingdom",
        "country_code": "GB",
        "phone": customer.get("phone"),
    }
    shipping_line = {
        "id": order_id + 1,
        "code": "Standard",
        "title": "Standard delivery",
        "source": "shopify",
        "delivery_category": None,
        "price": "0.00",
    }
    if pickup_location is not None:
        shipping_line |= {
            "code": pickup_location,
            "title": "Pickup in store",
            "delivery_category": "pickup",
        }
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}",
        "order_number": number,
        "confirmation_number": uuid.uuid4().hex[:9].upper(),
        "created_at": stamp,
        "updated_at": stamp,
        "processed_at": stamp,
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "currency": currency,
        "presentment_currency": currency,
        "financial_status": "paid",
        "fulfillment_status": None,
        "source_name": "web",
        "customer_locale": locale,
        "test": False,
        "email": customer.get("email"),
        "contact_email": customer.get("email"),
        "phone": customer.get("phone"),
        "location_id": None,
        "subtotal_price": total,
        "current_subtotal_price": total,
        "total_price": total,
        "current_total_price": total,
        "total_discounts": "0.00",
        "current_total_discounts": "0.00",
        "customer": {
            "id": order_id + 2,
            "email": customer.get("email"),
            "first_name": customer["first_name"],
            "last_name": customer["last_name"],
            "phone": customer.get("phone"),
        },
        "billing_address": address,
        "shipping_address": None if pickup_location is not None else address,
        "shipping_lines": [shipping_line],
        "line_items": [
            {
                "id": order_id + 3,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id + 3}",
                "variant_id": variant.variant_id,
                "product_id": variant.product_id,
                "title": variant.title,
                "name": variant.title,
                "sku": variant.sku,
                "quantity": quantity,
                "current_quantity": quantity,
                "fulfillable_quantity": quantity,
                "price": variant.price,
                "price_set": {
                    "shop_money": {"amount": variant.price, "currency_code": currency},
                    "presentment_money": {"amount": variant.price, "currency_code": currency},
                },
                "requires_shipping": pickup_location is None,
                "fulfillment_status": None,
            }
        ],
    }


def cancelled(order: dict[str, Any], reason: str) -> dict[str, Any]:
    """``order`` cancelled now, its lines restocked (nothing left on them)."""
    stamp = later_than(order["updated_at"])
    changed = copy.deepcopy(order)
    changed |= {
        "cancelled_at": stamp,
        "cancel_reason": reason,
        "closed_at": stamp,
        "updated_at": stamp,
        "financial_status": "refunded",
        "current_subtotal_price": "0.00",
        "current_total_price": "0.00",
    }
    for line in changed["line_items"]:
        line["current_quantity"] = 0
        line["fulfillable_quantity"] = 0
    return changed


def later_than(stamp: str) -> str:
    """Now, or one second after ``stamp`` if that is later: Shopify's times have whole
    seconds, and each version of an order must read as newer than the one before."""
    previous = datetime.fromisoformat(stamp)
    now = datetime.now(UTC).replace(microsecond=0)
    return max(now, previous + timedelta(seconds=1)).isoformat()
