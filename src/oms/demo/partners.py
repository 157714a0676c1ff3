"""The demo's partners: a fake Shopify and a generic webhook receiver, on this machine.

``make run`` starts both on 127.0.0.1 next to the service, so a newcomer sees channel sync
end to end with no account anywhere: a sale in a store reaches both (Shopify per store,
the receiver as one network quantity), and an order made on each arrives here by a signed
webhook. The fakes keep their state in memory, so every start connects the demo channels
to the new ones again: their address, their locations and, through the settings change,
a full re-publish.

Secrets are made per start and handed over the way production does it: in environment
variables of this process, which the channels' settings name.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import msgspec
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.shopify.fake import FakeShopify
from integrations.webhook.fake import FakeReceiver
from integrations.webhook.signing import new_secret
from oms.db.models import Location, Sku
from oms.demo.catalogue_data import FEATURED_SKU, STORES
from oms.domain.access import Principal, Role
from oms.sync.schemas import FeedLocationIn, QuantityPolicyIn, SyncSettingsIn
from oms.sync.services.listing_bulk import list_all_active_skus
from oms.sync.services.settings import put_settings

log = logging.getLogger(__name__)

SHOPIFY_CHANNEL, PARTNER_CHANNEL = "SHOPIFY", "PARTNER"
# Names of environment variables, not secrets (and not OMS_*: those are our settings).
SHOPIFY_TOKEN_ENV = "DEMO_SHOPIFY_ACCESS_TOKEN"  # noqa: S105
SHOPIFY_SECRET_ENV = "DEMO_SHOPIFY_WEBHOOK_SECRET"  # noqa: S105
PARTNER_SECRET_ENV = "DEMO_PARTNER_WEBHOOK_SECRET"  # noqa: S105
# Acting for the console operator who starts the demo.
_OPERATOR = Principal(token_id=0, name="demo", role=Role.ADMIN)


@dataclass
class DemoPartners:
    """Both fakes, started, and what connects the demo channels to them."""

    shop: FakeShopify
    receiver: FakeReceiver
    shop_secret: str
    # Our store code -> the fake Shopify location that shows its quantity.
    shop_locations: dict[str, str] = field(default_factory=dict)
    # Our SKU code -> the fake Shopify's inventory item for it.
    shop_items: dict[str, str] = field(default_factory=dict)
    # The store with the most of the featured SKU to sell: where the banner's sale and the
    # Shopify checkout happen, so both show on the fakes.
    showcase_store: str = STORES[0].code

    def stop(self) -> None:
        """Stop both fakes (the process is ending)."""
        self.shop.stop()
        self.receiver.stop()


def start_demo_partners() -> DemoPartners:
    """Start both fakes on 127.0.0.1, put their secrets in this process's environment, and
    give the fake Shopify a location per demo store and a variant per demo SKU."""
    shop_secret = "shpss_demo_" + secrets.token_hex(16)
    partner_secret = new_secret()
    # A Shopify Plus shop's limits (1,000 points a second), so the first publish of every
    # store's quantities takes seconds, not minutes.
    shop = FakeShopify(
        access_token="shpat_demo_" + secrets.token_hex(16), bucket_size=10_000, restore_rate=1_000
    ).start()
    receiver = FakeReceiver(partner_secret).start()
    os.environ[SHOPIFY_TOKEN_ENV] = shop.access_token
    os.environ[SHOPIFY_SECRET_ENV] = shop_secret
    os.environ[PARTNER_SECRET_ENV] = partner_secret
    partners = DemoPartners(shop=shop, receiver=receiver, shop_secret=shop_secret)
    for store in STORES:
        partners.shop_locations[store.code] = shop.add_location(store.name)
    return partners


async def connect_demo_channels(session: AsyncSession, partners: DemoPartners) -> None:
    """Point the demo channels at the fakes just started and list every active SKU (in the
    caller's transaction). The partner's address changes every start, so their listings
    are resolved and published again."""
    for code in await session.scalars(select(Sku.code).where(Sku.active.is_(True))):
        partners.shop_items[code] = partners.shop.add_variant(code)
    present = set(await session.scalars(select(Location.code)))
    feeds = [
        FeedLocationIn(location=code, partner_location_id=where)
        for code, where in partners.shop_locations.items()
        if code in present
    ]
    feeds_codes = [feed.location for feed in feeds]
    await put_settings(
        session,
        _OPERATOR,
        SHOPIFY_CHANNEL,
        SyncSettingsIn(
            adapter="shopify",
            partner_url=partners.shop.url,
            api_version="2026-04",
            credentials_env=SHOPIFY_TOKEN_ENV,
            webhook_secret_env=SHOPIFY_SECRET_ENV,
            per_location=True,
            feed_locations=feeds,
            # Keep the last unit of each store for walk-in customers.
            policy=QuantityPolicyIn(zero_at_or_below=1),
        ),
    )
    await put_settings(
        session,
        _OPERATOR,
        PARTNER_CHANNEL,
        SyncSettingsIn(
            adapter="webhook",
            partner_url=partners.receiver.url,
            credentials_env=PARTNER_SECRET_ENV,
            webhook_secret_env=PARTNER_SECRET_ENV,
            # A marketplace gets a share of the network, never more than 50 of anything.
            policy=QuantityPolicyIn(buffer=2, percent=80, max_quantity=50),
        ),
    )
    for code in (SHOPIFY_CHANNEL, PARTNER_CHANNEL):
        await list_all_active_skus(session, _OPERATOR, code)
    best = await session.scalar(_SHOWCASE, {"sku": FEATURED_SKU, "stores": list(feeds_codes)})
    if best is not None:
        partners.showcase_store = best


_SHOWCASE = text(
    """
    SELECT loc.code FROM inventory_level l
      JOIN location loc ON loc.id = l.location_id
      JOIN sku s ON s.id = l.sku_id
     WHERE s.code = :sku AND loc.code = ANY(:stores)
     ORDER BY l.on_hand - l.reserved - l.safety_stock DESC, loc.code
     LIMIT 1
    """
)


def send_demo_orders_when_ready(partners: DemoPartners, base_url: str) -> threading.Thread:
    """Once the service answers and the fake Shopify shows stock: one checkout on the fake
    Shopify (its webhook comes here) and one order from the generic partner (signed per
    Standard Webhooks). Runs in a daemon thread and gives up quietly after a minute."""
    thread = threading.Thread(
        target=_send_demo_orders, args=(partners, base_url), name="demo-orders", daemon=True
    )
    thread.start()
    return thread


def _send_demo_orders(partners: DemoPartners, base_url: str) -> None:
    if not _wait_for(lambda: _ready(base_url)):
        log.warning("demo orders not sent: the service did not start in time")
        return
    _send_partner_order(partners, base_url)
    where = partners.shop_locations[partners.showcase_store]
    if not _wait_for(lambda: _shows_stock(partners, FEATURED_SKU, where)):
        log.warning("demo Shopify order not sent: the first publish took too long")
        return
    partners.shop.send_webhooks_to(
        f"{base_url}/webhooks/{SHOPIFY_CHANNEL}", partners.shop_secret, when="now"
    )
    partners.shop.sell(FEATURED_SKU, 1, where, pickup=True, email="shopify.buyer@example.org")


def _wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _send_partner_order(partners: DemoPartners, base_url: str) -> None:
    now = datetime.now(UTC).isoformat()
    partners.receiver.send_order(
        base_url,
        PARTNER_CHANNEL,
        "order.created",
        {
            "id": f"PARTNER-{uuid.uuid4().hex[:8].upper()}",
            "updated_at": now,
            "currency": "GBP",
            "customer": {"name": "Marketplace Buyer", "email": "partner.buyer@example.org"},
            "lines": [{"sku": FEATURED_SKU, "quantity": 1, "unit_price": 24999}],
            "delivery": {
                "method": "ship",
                "address": {
                    "line1": "1 Deansgate",
                    "city": "Manchester",
                    "postcode": "M3 1AZ",
                    "country": "GB",
                },
            },
        },
    )


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _shows_stock(partners: DemoPartners, sku: str, where: str) -> bool:
    item = partners.shop_items.get(sku)
    return item is not None and partners.shop.quantity(item, where) > 0


def partners_banner(partners: DemoPartners, base_url: str, admin_token: str | None) -> str:
    """The console lines saying where to look: what each fake shows, what we publish."""
    auth = f'-H "Authorization: Bearer {admin_token}" ' if admin_token else ""
    store = next(s for s in STORES if s.code == partners.showcase_store)
    sale = msgspec.json.encode(
        {"location": store.code, "lines": [{"sku": FEATURED_SKU, "quantity": 1}]}
    ).decode()
    return "\n".join(
        [
            "",
            "  Channel sync, with fake partners on this machine (no account anywhere):",
            f"    Shopify store (per store)    the fake shows  {partners.shop.url}/",
            f"    Partner webhook (network)    the fake shows  {partners.receiver.url}/",
            "    what we publish, and when:",
            f"      curl {auth}{base_url}/channels/{SHOPIFY_CHANNEL}/listings",
            f"      curl {auth}{base_url}/channels/{PARTNER_CHANNEL}/sync/status",
            f"    Sell one {FEATURED_SKU} in {store.name}, then look at both fakes again:",
            f"      curl {auth}-H 'Content-Type: application/json' \\",
            f"        -d '{sale}' {base_url}/inventory/sales",
            "    A Shopify checkout and a partner order arrive by webhook soon after start:",
            f"      curl {auth}'{base_url}/orders?channel={SHOPIFY_CHANNEL}'",
            f"      curl {auth}'{base_url}/orders?channel={PARTNER_CHANNEL}'",
        ]
    )
