"""What the fake Shopify holds: locations, variants, inventory levels and orders.

Every level exists at every location from the start (Shopify stocks an item at each
location it is activated at; the fake activates everything everywhere). A level keeps
``available``, ``on_hand`` and ``committed`` the way Shopify relates them: setting
``available`` moves ``on_hand`` by the same delta, a sale moves units from ``available``
to ``committed``. The caller holds the fake's lock around every method.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ITEM_GID = "gid://shopify/InventoryItem/"
LOCATION_GID = "gid://shopify/Location/"
VARIANT_GID = "gid://shopify/ProductVariant/"
QUANTITY_NAMES = ("available", "on_hand")


@dataclass
class Level:
    """One item's quantities at one location, with every value set (oldest first)."""

    available: int = 0
    on_hand: int = 0
    committed: int = 0
    history: list[int] = field(default_factory=list)

    def value(self, name: str) -> int:
        """The named quantity."""
        return self.available if name == "available" else self.on_hand

    def set(self, name: str, quantity: int) -> int:
        """Set the named quantity absolutely; the delta applied."""
        delta = quantity - self.value(name)
        self.available += delta
        self.on_hand += delta
        self.history.append(self.available)
        return delta


@dataclass(frozen=True)
class Variant:
    """A product variant: its SKU, price and the inventory item stocked per location."""

    sku: str
    variant_id: int
    item_id: int
    product_id: int
    title: str
    price: str

    @property
    def item_gid(self) -> str:
        """The inventory item's GID (what inventory mutations name)."""
        return f"{ITEM_GID}{self.item_id}"


class ShopState:
    """The shop's catalogue, stock and orders."""

    def __init__(self) -> None:
        self.locations: dict[str, str] = {}  # GID -> name
        self.variants: dict[str, Variant] = {}  # sku -> variant
        self.items: dict[str, Variant] = {}  # item GID -> variant
        self.levels: dict[tuple[str, str], Level] = {}  # (item GID, location GID)
        self.orders: dict[int, dict[str, Any]] = {}
        self.sold_at: dict[int, str] = {}  # order id -> the location GID it took units from
        self._ids = itertools.count(1)
        # Shopify-sized ids (13 digits), distinct for every start of a fake.
        self._order_base = 5_000_000_000_000 + time.time_ns() // 1_000_000 % 10**9 * 1_000

    def add_location(self, name: str) -> str:
        """A new location (every known item gets a level of 0 there); its GID."""
        gid = f"{LOCATION_GID}{61_000_000_000 + next(self._ids)}"
        self.locations[gid] = name
        for item in self.items:
            self.levels[(item, gid)] = Level()
        return gid

    def add_variant(self, sku: str, price: str, title: str | None) -> Variant:
        """A new variant with its inventory item (a level of 0 at every location)."""
        if sku in self.variants:
            raise ValueError(f"a variant with SKU {sku!r} exists already")
        number = next(self._ids)
        variant = Variant(
            sku=sku,
            variant_id=44_100_000_000_000 + number,
            item_id=46_300_000_000_000 + number,
            product_id=8_200_000_000_000 + number,
            title=title or sku,
            price=price,
        )
        self.variants[sku] = variant
        self.items[variant.item_gid] = variant
        for location in self.locations:
            self.levels[(variant.item_gid, location)] = Level()
        return variant

    def level(self, item: str, location: str) -> Level:
        """The level of ``item`` at ``location``; KeyError naming both if there is none."""
        try:
            return self.levels[(item, location)]
        except KeyError:
            raise KeyError(f"no inventory level for {item} at {location}") from None

    def location_named(self, name_or_gid: str | None) -> str:
        """A location's GID from its GID or name (the first location when None)."""
        if name_or_gid is None:
            if not self.locations:
                raise ValueError("the shop has no location")
            return next(iter(self.locations))
        if name_or_gid in self.locations:
            return name_or_gid
        for gid, name in self.locations.items():
            if name == name_or_gid:
                return gid
        raise KeyError(f"no location {name_or_gid!r}")

    def next_order_id(self) -> int:
        """A new order id (numeric, as Shopify's). Started from the clock, so a fake started
        again (the demo, at every start) never reuses an id an earlier one gave."""
        return self._order_base + next(self._ids)


def now_iso() -> str:
    """The current time as Shopify writes it in REST payloads (seconds, UTC offset)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
