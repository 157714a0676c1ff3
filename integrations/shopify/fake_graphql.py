"""The GraphQL operations the fake Shopify answers, recognised from the query text.

* ``inventorySetQuantities`` (mutation, with ``@idempotent(key:)``): validated like
  Shopify's, atomic (any userError and nothing is applied), compare-and-swap on
  ``changeFromQuantity``; from version 2026-04 ``changeFromQuantity`` on every entry and
  the idempotency key are mandatory.
* ``productVariants(query: "sku:A OR sku:B", first: n)``: each variant's sku and
  inventory item.
* ``nodes(ids:)`` on InventoryItems with ``inventoryLevel(locationId:)`` and its
  ``quantities(names: ["available"])``.

Anything else is a GraphQL error. Costs (points from the leaky bucket): the mutation 10
plus 1 per quantity, productVariants 2 plus ``first``, nodes 1 plus one per id. The caller
holds the fake's lock.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from integrations.shopify.fake_bucket import LeakyBucket
from integrations.shopify.fake_state import QUANTITY_NAMES, ShopState

MAX_INPUT_SIZE = 250  # Shopify caps every input array (and `first`) at 250
STRICT_VERSION = "2026-04"  # changeFromQuantity and @idempotent become mandatory
REASONS = frozenset(
    {"correction", "cycle_count_available", "damaged", "movement_created", "movement_updated",
     "movement_received", "movement_canceled", "other", "promotion", "quality_control",
     "received", "reservation_created", "reservation_deleted", "reservation_updated",
     "restock", "safety_stock", "shrinkage"}
)  # fmt: skip
MUTATION_COST = 10

_IDEMPOTENT = re.compile(r"@idempotent\(\s*key:\s*(?:\"([^\"]*)\"|\$(\w+))\s*\)")
_SEARCH = re.compile(r"query:\s*(?:\"((?:[^\"\\]|\\.)*)\"|\$(\w+))")
_FIRST = re.compile(r"first:\s*(?:(\d+)|\$(\w+))")
_SKU_TERM = re.compile(r"sku:(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|([^\s)]+))")
_IDS = re.compile(r"nodes\(\s*ids:\s*\$(\w+)\s*\)")
_LOCATION = re.compile(r"inventoryLevel\(\s*locationId:\s*(?:\"([^\"]*)\"|\$(\w+))\s*\)")


class GraphQLError(Exception):
    """A top-level GraphQL error: the operation did not run."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Operation:
    """A recognised operation, its cost and how many quantities it carries."""

    name: str
    cost: int
    count: int = 0


@dataclass
class Executor:
    """Runs operations against the shop's state, remembering idempotency keys."""

    state: ShopState
    replies: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    _groups: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def recognise(self, query: str, variables: dict[str, Any]) -> Operation:
        """What ``query`` asks and what it costs; GraphQLError for anything unknown."""
        if "inventorySetQuantities" in query:
            quantities = _input(variables).get("quantities")
            count = len(quantities) if isinstance(quantities, list) else 0
            return Operation("inventorySetQuantities", MUTATION_COST + count, count)
        if "productVariants" in query:
            return Operation("productVariants", 2 + _first(query, variables))
        nodes = _IDS.search(query)
        if nodes is not None and "inventoryLevel" in query:
            ids = variables.get(nodes.group(1), [])
            return Operation("inventoryLevels", 1 + (len(ids) if isinstance(ids, list) else 0))
        raise GraphQLError("The fake shop does not know this operation", "undefinedField")

    def run(self, operation: Operation, query: str, variables: dict[str, Any], version: str) -> Any:
        """The operation's ``data``; GraphQLError when it cannot run at all."""
        if operation.name == "inventorySetQuantities":
            return {"inventorySetQuantities": self._set_quantities(query, variables, version)}
        if operation.name == "productVariants":
            return {"productVariants": self._variants(query, variables)}
        return {"nodes": self._levels(query, variables)}

    # --- inventorySetQuantities ----------------------------------------------------------

    def _set_quantities(self, query: str, variables: dict[str, Any], version: str) -> Any:
        payload = _input(variables)
        quantities = payload.get("quantities")
        if not isinstance(quantities, list):
            raise GraphQLError("Variable $input: quantities is required", "INVALID_VARIABLE")
        if len(quantities) > MAX_INPUT_SIZE:
            raise GraphQLError(
                f"The input array size of {len(quantities)} is greater than the maximum "
                f"allowed of {MAX_INPUT_SIZE}.",
                "MAX_INPUT_SIZE_EXCEEDED",
            )
        strict = version >= STRICT_VERSION
        key = _idempotency_key(query, variables)
        if key is None and strict:
            raise GraphQLError(
                "inventorySetQuantities requires the @idempotent directive", "BAD_REQUEST"
            )
        if strict and any(
            isinstance(entry, dict) and "changeFromQuantity" not in entry for entry in quantities
        ):
            raise GraphQLError(
                "changeFromQuantity is required on every quantity (null skips the check)",
                "INVALID_VARIABLE",
            )
        fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        if key is not None and key in self.replies:
            stored_fingerprint, reply = self.replies[key]
            if stored_fingerprint == fingerprint:
                return reply
            return _user_errors(
                [_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", None, "key reused with other input")]
            )
        reply = self._apply(payload, quantities)
        if key is not None:
            self.replies[key] = (fingerprint, reply)
        return reply

    def _apply(self, payload: dict[str, Any], quantities: list[Any]) -> dict[str, Any]:
        name = payload.get("name")
        errors = []
        if name not in QUANTITY_NAMES:
            errors.append(_error("INVALID_NAME", ["input", "name"], f"{name!r} cannot be set"))
        if payload.get("reason") not in REASONS:
            errors.append(_error("INVALID_REASON", ["input", "reason"], "unknown reason"))
        for index, entry in enumerate(quantities):
            errors.extend(self._entry_errors(index, entry, str(name)))
        if errors:
            return _user_errors(errors)
        changes = []
        for entry in quantities:
            level = self.state.level(entry["inventoryItemId"], entry["locationId"])
            delta = level.set(str(name), entry["quantity"])
            changes.append(
                {
                    "name": name,
                    "delta": delta,
                    "quantityAfterChange": level.value(str(name)),
                    "item": {"id": entry["inventoryItemId"]},
                    "location": {"id": entry["locationId"]},
                }
            )
        group = {
            "id": f"gid://shopify/InventoryAdjustmentGroup/{next(self._groups)}",
            "reason": payload.get("reason"),
            "referenceDocumentUri": payload.get("referenceDocumentUri"),
            "changes": changes,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    def _entry_errors(self, index: int, entry: Any, name: str) -> list[dict[str, Any]]:
        path = ["input", "quantities", str(index)]
        if not isinstance(entry, dict) or not isinstance(entry.get("quantity"), int):
            return [_error("INVALID_QUANTITY", [*path, "quantity"], "quantity must be an integer")]
        item, location = entry.get("inventoryItemId"), entry.get("locationId")
        if item not in self.state.items:
            return [_error("INVALID_INVENTORY_ITEM", [*path, "inventoryItemId"], "unknown item")]
        if location not in self.state.locations:
            return [_error("INVALID_LOCATION", [*path, "locationId"], "unknown location")]
        expected = entry.get("changeFromQuantity")
        if isinstance(expected, int) and name in QUANTITY_NAMES:
            current = self.state.level(item, location).value(name)
            if current != expected:
                return [
                    _error(
                        "CHANGE_FROM_QUANTITY_STALE",
                        [*path, "changeFromQuantity"],
                        f"The quantity is {current}, not {expected}",
                    )
                ]
        return []

    # --- reads -------------------------------------------------------------------------

    def _variants(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        first = _first(query, variables)
        if first > MAX_INPUT_SIZE:
            raise GraphQLError(f"first may be at most {MAX_INPUT_SIZE}", "MAX_INPUT_SIZE_EXCEEDED")
        match = _SEARCH.search(query)
        search = ""
        if match is not None:
            search = (
                match.group(1) if match.group(1) is not None else variables.get(match.group(2), "")
            )
        wanted = [
            _unescape(next(g for g in term.groups() if g is not None))
            for term in _SKU_TERM.finditer(str(search))
        ]
        nodes = [
            {
                "id": f"gid://shopify/ProductVariant/{variant.variant_id}",
                "sku": variant.sku,
                "inventoryItem": {"id": variant.item_gid},
            }
            for sku in dict.fromkeys(wanted)
            if (variant := self.state.variants.get(sku)) is not None
        ][:first]
        return {"nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}

    def _levels(self, query: str, variables: dict[str, Any]) -> list[Any]:
        ids_match = _IDS.search(query)
        location_match = _LOCATION.search(query)
        if ids_match is None or location_match is None:
            raise GraphQLError(
                "nodes needs ids and inventoryLevel(locationId:)", "INVALID_VARIABLE"
            )
        ids = variables.get(ids_match.group(1))
        location = location_match.group(1) or variables.get(location_match.group(2))
        if not isinstance(ids, list) or len(ids) > MAX_INPUT_SIZE:
            raise GraphQLError(
                f"ids must be a list of at most {MAX_INPUT_SIZE}", "INVALID_VARIABLE"
            )
        nodes: list[Any] = []
        for item in ids:
            if item not in self.state.items:
                nodes.append(None)
                continue
            level = self.state.levels.get((item, str(location)))
            quantities = [{"name": "available", "quantity": level.available}] if level else None
            nodes.append(
                {"id": item, "inventoryLevel": {"quantities": quantities} if level else None}
            )
        return nodes


def _input(variables: dict[str, Any]) -> dict[str, Any]:
    payload = variables.get("input")
    return payload if isinstance(payload, dict) else {}


def _first(query: str, variables: dict[str, Any]) -> int:
    match = _FIRST.search(query)
    if match is None:
        return 0
    value = match.group(1) if match.group(1) is not None else variables.get(match.group(2), 0)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def _idempotency_key(query: str, variables: dict[str, Any]) -> str | None:
    match = _IDEMPOTENT.search(query)
    if match is None:
        return None
    key = match.group(1) if match.group(1) is not None else variables.get(match.group(2))
    return str(key) if key else None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _error(code: str, path: list[str] | None, message: str) -> dict[str, Any]:
    return {"code": code, "field": path, "message": message}


def _user_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inventoryAdjustmentGroup": None, "userErrors": errors}


def cost_extension(bucket: LeakyBucket, requested: int, actual: int | None) -> dict[str, Any]:
    """``extensions`` of every answer: the call's cost and the bucket after it."""
    status = {
        "maximumAvailable": bucket.size,
        "currentlyAvailable": int(bucket.available()),
        "restoreRate": bucket.rate,
    }
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status,
        }
    }


def throttled_body(bucket: LeakyBucket, requested: int) -> dict[str, Any]:
    """A throttled answer: no data, ``actualQueryCost`` null."""
    return {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": cost_extension(bucket, requested, None),
    }


def error_body(bucket: LeakyBucket, exc: GraphQLError, cost: int) -> dict[str, Any]:
    """A top-level GraphQL error answer."""
    return {
        "errors": [{"message": str(exc), "extensions": {"code": exc.code}}],
        "extensions": cost_extension(bucket, cost, cost),
    }
