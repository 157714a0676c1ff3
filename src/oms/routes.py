"""Every feature's controllers, in one list the app factory mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from oms.auth.controllers import TokenController
from oms.catalogue.controllers import LocationController, SkuController
from oms.channels.controllers import ChannelController
from oms.channels.controllers_prices import PriceController
from oms.customers.controllers import CustomerController
from oms.fulfilment.controllers.fulfilments import FulfilmentController
from oms.fulfilment.controllers.returns import ReturnController
from oms.inventory.controllers.holds import HoldController
from oms.inventory.controllers.imports import ImportController
from oms.inventory.controllers.lookup import StockLookupController
from oms.inventory.controllers.stock import InventoryController
from oms.inventory.controllers.transfers import TransferController
from oms.orders.controllers import OrderController
from oms.sync.controllers.events import ChannelEventController
from oms.sync.controllers.listings import ListingController
from oms.sync.controllers.settings import SyncSettingsController
from oms.sync.controllers.status import SyncStatusController
from oms.sync.controllers.webhooks import WebhookController
from oms.system.controllers.admin import AdminController
from oms.system.controllers.health import SystemController
from oms.system.controllers.problem_types import ProblemTypeController
from oms.tracking.controllers import TrackingController

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    SystemController,
    ProblemTypeController,
    TokenController,
    LocationController,
    SkuController,
    ChannelController,
    PriceController,
    SyncStatusController,
    SyncSettingsController,
    ListingController,
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
    WebhookController,
    ChannelEventController,
]
