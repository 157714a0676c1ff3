"""Every feature's controllers, in one list the app factory mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from oms.auth.controllers import TokenController
from oms.catalogue.controllers import LocationController, SkuController
from oms.channels.controllers import ChannelController
from oms.customers.controllers import CustomerController
from oms.fulfilment.controllers import FulfilmentController
from oms.fulfilment.returns_controller import ReturnController
from oms.inventory.controllers import InventoryController
from oms.inventory.holds_controller import HoldController
from oms.inventory.import_controller import ImportController
from oms.inventory.lookup_controller import StockLookupController
from oms.inventory.transfers_controller import TransferController
from oms.orders.controllers import OrderController
from oms.system.admin_controller import AdminController
from oms.system.controllers import SystemController
from oms.system.problem_types_controller import ProblemTypeController
from oms.tracking.controllers import TrackingController

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    SystemController,
    ProblemTypeController,
    TokenController,
    LocationController,
    SkuController,
    ChannelController,
    OrderController,
    CustomerController,
    TrackingController,
    FulfilmentController,
    ReturnController,
    InventoryController,
    StockLookupController,
    HoldController,
    TransferController,
    ImportController,
    AdminController,
]
