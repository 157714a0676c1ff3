"""Every operation in the OpenAPI document has a stable, readable ``operationId``: the method
name a generated client gives it. Renaming one breaks those clients, so the whole list is
pinned here; change it on purpose only (and say so in the release notes)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from oms.app import create_app
from oms.config import Settings

READABLE = re.compile(r"[a-z]+(?:[A-Z][a-z]+)*")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# operationId -> the operation it names.
EXPECTED = {
    "adjustStock": "POST /inventory/adjustments",
    "auditLedger": "GET /admin/audit",
    "cancelOrder": "POST /orders/{order_id}/cancel",
    "createChannel": "POST /channels",
    "createHold": "POST /holds",
    "createImport": "POST /inventory/imports",
    "createLocation": "POST /locations",
    "createReturn": "POST /orders/{order_id}/returns",
    "createSku": "POST /skus",
    "createToken": "POST /tokens",
    "createTransfer": "POST /transfers",
    "deactivateChannel": "DELETE /channels/{code}",
    "deleteLocation": "DELETE /locations/{code}",
    "deleteSku": "DELETE /skus/{code}",
    "editOrder": "POST /orders/{order_id}/edit",
    "getChannel": "GET /channels/{code}",
    "channelSyncStatus": "GET /channels/{code}/sync/status",
    "resyncChannel": "POST /channels/{code}/sync/resync",
    "putSyncSettings": "PUT /channels/{code}/sync",
    "getSyncSettings": "GET /channels/{code}/sync",
    "disableChannelSync": "DELETE /channels/{code}/sync",
    "createListing": "POST /channels/{code}/listings",
    "importListings": "POST /channels/{code}/listings/import",
    "listAllActiveSkus": "POST /channels/{code}/listings/all-active-skus",
    "listListings": "GET /channels/{code}/listings",
    "getListing": "GET /channels/{code}/listings/{listing_id}",
    "deleteListing": "DELETE /channels/{code}/listings/{listing_id}",
    "setChannelPrice": "PUT /channels/{code}/prices/{sku}",
    "importChannelPrices": "POST /channels/{code}/prices/import",
    "listChannelPrices": "GET /channels/{code}/prices",
    "getChannelPrice": "GET /channels/{code}/prices/{sku}",
    "deleteChannelPrice": "DELETE /channels/{code}/prices/{sku}",
    "receiveWebhook": "POST /webhooks/{channel}",
    "listChannelEvents": "GET /channels/{code}/events",
    "retryChannelEvent": "POST /channels/{code}/events/{event_id}/retry",
    "dismissChannelEvent": "POST /channels/{code}/events/{event_id}/dismiss",
    "getCustomer": "GET /customers/{customer_id}",
    "getFulfilment": "GET /fulfilments/{fulfilment_id}",
    "getHealth": "GET /health",
    "getHold": "GET /holds/{hold_id}",
    "getImport": "GET /inventory/imports/{import_id}",
    "getLocation": "GET /locations/{code}",
    "getMetrics": "GET /metrics",
    "getOrder": "GET /orders/{order_id}",
    "getOrderEvents": "GET /orders/{order_id}/events",
    "getOrderRouting": "GET /orders/{order_id}/routing",
    "getPickList": "GET /fulfilments/{fulfilment_id}/pick-list",
    "getProblemType": "GET /problems/{code}",
    "getReadiness": "GET /ready",
    "getSku": "GET /skus/{code}",
    "getTracking": "GET /track/{token}",
    "getTransfer": "GET /transfers/{transfer_id}",
    "handOverFulfilment": "POST /fulfilments/{fulfilment_id}/hand-over",
    "listChannels": "GET /channels",
    "listFulfilments": "GET /fulfilments",
    "listLevels": "GET /inventory/levels",
    "listLocations": "GET /locations",
    "listMovements": "GET /inventory/movements",
    "listOrders": "GET /orders",
    "listProblemTypes": "GET /problems",
    "listReturns": "GET /orders/{order_id}/returns",
    "listTokens": "GET /tokens",
    "listTransfers": "GET /transfers",
    "lookUpStock": "GET /stock/{ref}",
    "lookUpTracking": "POST /track/lookup",
    "markReadyForPickup": "POST /fulfilments/{fulfilment_id}/ready-for-pickup",
    "packFulfilment": "POST /fulfilments/{fulfilment_id}/pack",
    "placeOrder": "POST /orders",
    "receiveStock": "POST /inventory/receipts",
    "receiveTransfer": "POST /transfers/{transfer_id}/receive",
    "recordCount": "POST /inventory/counts",
    "recordDamage": "POST /inventory/damages",
    "recordPick": "POST /fulfilments/{fulfilment_id}/picks",
    "recordSale": "POST /inventory/sales",
    "rejectFulfilment": "POST /fulfilments/{fulfilment_id}/reject",
    "releaseHold": "POST /holds/{hold_id}/release",
    "reportShortPick": "POST /fulfilments/{fulfilment_id}/short-pick",
    "revokeToken": "DELETE /tokens/{token_id}",
    "searchCustomers": "GET /customers",
    "searchSkus": "GET /skus",
    "setSafetyStock": "PUT /inventory/levels/{location}/{sku}/safety-stock",
    "shipFulfilment": "POST /fulfilments/{fulfilment_id}/ship",
    "startPicking": "POST /fulfilments/{fulfilment_id}/start-picking",
    "unlockPickupCode": "POST /fulfilments/{fulfilment_id}/unlock-pickup-code",
    "updateChannel": "PATCH /channels/{code}",
    "updateLocation": "PATCH /locations/{code}",
    "updateSku": "PATCH /skus/{code}",
}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    spec = create_app(Settings()).openapi_schema.to_schema()
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_has_a_readable_operation_id(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    missing = [f"{method} {path}" for method, path, op in operations if not op.get("operationId")]
    assert missing == []
    unreadable = [
        op["operationId"] for _, _, op in operations if not READABLE.fullmatch(op["operationId"])
    ]
    assert unreadable == [], "operationIds are lowerCamelCase words"


def test_operation_ids_are_unique(operations: list[tuple[str, str, dict[str, Any]]]) -> None:
    counts = Counter(op["operationId"] for _, _, op in operations)
    assert [name for name, n in counts.items() if n > 1] == []


def test_operation_ids_do_not_change_silently(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert {op["operationId"]: f"{method} {path}" for method, path, op in operations} == EXPECTED
