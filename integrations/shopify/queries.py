"""The GraphQL documents the adapter sends (Admin API), each with the variables it takes."""

from __future__ import annotations

# $input: InventorySetQuantitiesInput (name, reason, referenceDocumentUri, quantities with
# changeFromQuantity); $key: the idempotency key, the same for a retry of the same input.
SET_QUANTITIES = """
mutation OmsSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}
"""

# $query: a search such as "sku:'A' OR sku:'B'"; $first: at most 250.
VARIANTS_BY_SKU = """
query OmsVariantsBySku($query: String!, $first: Int!) {
  productVariants(first: $first, query: $query) {
    nodes { sku inventoryItem { id } }
  }
}
"""

# $ids: InventoryItem GIDs (at most 250); $locationId: one Location GID.
AVAILABLE_AT_LOCATION = """
query OmsAvailableAtLocation($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}
"""
