"""The fake Shopify's REST ``orders.json``: filters and Link-header pages.

Filters: ``status`` (open by default, as Shopify's; closed, cancelled, any),
``updated_at_min``, ``since_id``; ``order=updated_at asc`` sorts by last change (else newest
created first, Shopify's default; ``since_id`` alone sorts by id). A page's ``Link`` names
the next one with an opaque ``page_info`` that carries the filters and the position
reached; as on Shopify, a request with ``page_info`` may add only ``limit``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

LIMIT_MAX = 250
STATUSES = frozenset({"open", "closed", "cancelled", "any"})


def orders_page(
    orders: list[dict[str, Any]], query: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], str | None]:
    """One page and the query string of the next page (None on the last); ValueError for a
    request Shopify would answer 400."""
    single = {name: values[-1] for name, values in query.items()}
    try:
        limit = int(single.get("limit", "50"))
    except ValueError:
        raise ValueError("limit must be a number") from None
    if not 1 <= limit <= LIMIT_MAX:
        raise ValueError(f"limit must be between 1 and {LIMIT_MAX}")
    if "page_info" in single:
        if set(single) - {"page_info", "limit"}:
            raise ValueError("page_info cannot be combined with other filters")
        try:
            filters = json.loads(base64.urlsafe_b64decode(single["page_info"]))
            offset = int(filters.pop("offset"))
        except (ValueError, KeyError, TypeError):
            raise ValueError("page_info is not valid") from None
    else:
        names = ("updated_at_min", "status", "order", "since_id")
        filters = {name: single[name] for name in names if name in single}
        offset = 0
    chosen = _filtered(orders, filters)
    page = chosen[offset : offset + limit]
    if offset + limit >= len(chosen):
        return page, None
    cursor = base64.urlsafe_b64encode(json.dumps(filters | {"offset": offset + limit}).encode())
    return page, urlencode({"limit": limit, "page_info": cursor.decode()})


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (naive ones read as UTC); ValueError naming it."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _filtered(orders: list[dict[str, Any]], filters: dict[str, str]) -> list[dict[str, Any]]:
    status = filters.get("status", "open")
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {sorted(STATUSES)}")
    since = parse_time(filters["updated_at_min"]) if "updated_at_min" in filters else None
    since_id = int(filters.get("since_id", "0"))
    chosen = [
        order
        for order in orders
        if _has_status(order, status)
        and (since is None or parse_time(order["updated_at"]) >= since)
        and order["id"] > since_id
    ]
    if filters.get("order", "").lower() == "updated_at asc":
        return sorted(chosen, key=lambda order: (parse_time(order["updated_at"]), order["id"]))
    if "since_id" in filters:
        return sorted(chosen, key=lambda order: order["id"])
    return sorted(chosen, key=lambda order: (order["created_at"], order["id"]), reverse=True)


def _has_status(order: dict[str, Any], status: str) -> bool:
    is_cancelled = order["cancelled_at"] is not None
    is_closed = order["closed_at"] is not None
    if status == "open":
        return not (is_cancelled or is_closed)
    if status == "cancelled":
        return is_cancelled
    if status == "closed":
        return is_closed
    return True
