"""All tables, imported here so that ``Base.metadata`` is complete for Alembic."""

from oms.db.models.catalogue import Barcode, Location, Sku
from oms.db.models.inventory import (
    MOVEMENT_KINDS,
    Hold,
    HoldLine,
    InventoryLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from oms.db.models.platform import (
    ROLES,
    ApiToken,
    ApiTokenLocation,
    IdempotencyKey,
    OutboxMessage,
    StockImport,
)

__all__ = [
    "MOVEMENT_KINDS",
    "ROLES",
    "ApiToken",
    "ApiTokenLocation",
    "Barcode",
    "Hold",
    "HoldLine",
    "IdempotencyKey",
    "InventoryLevel",
    "Location",
    "OutboxMessage",
    "Sku",
    "StockImport",
    "StockMovement",
    "Transfer",
    "TransferLine",
]
