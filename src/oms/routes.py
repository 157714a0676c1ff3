"""Every feature's controllers, in one list the app factory mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from oms.auth.controllers import TokenController
from oms.catalogue.controllers import LocationController, SkuController
from oms.channels.controllers import ChannelController
from oms.inventory.controllers import InventoryController
from oms.inventory.holds_controller import HoldController
from oms.inventory.import_controller import ImportController
from oms.inventory.lookup_controller import StockLookupController
from oms.inventory.transfers_controller import TransferController
from oms.orders.controllers import OrderController
from oms.system.admin_controller import AdminController
from oms.system.controllers import SystemController

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    SystemController,
    TokenController,
    LocationController,
    SkuController,
    ChannelController,
    OrderController,
    InventoryController,
    StockLookupController,
    HoldController,
    TransferController,
    ImportController,
    AdminController,
]
