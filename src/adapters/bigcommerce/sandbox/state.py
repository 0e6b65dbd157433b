"""The sandbox store's in-memory state: JSON-shaped records keyed by integer ids.

Records are plain dicts in the shape the API returns, so tests can compare them with
responses directly (`sandbox.state.products[pid]["name"]`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .config import SandboxConfig
from .errors import not_found
from .indexes import ChannelAssignments, Table
from .orders import OrderBook
from .records import Record

__all__ = ["Record", "SandboxState", "iso"]


def _sku_key(record: Record) -> str:
    # SKUs are unique regardless of letter case (BigCommerce's Catalog API spec, product_Base.sku).
    return str(record.get("sku") or "").casefold()


def _products() -> Table:
    return Table(lookups={"sku": _sku_key, "name": lambda p: p["name"], "url": lambda p: p["custom_url"]["url"]})


def _children() -> Table:
    return Table(grouped=("product_id",))


def iso(moment: datetime) -> str:
    # v3 timestamps are ISO 8601 with an offset, second precision (e.g. 2026-11-28T10:00:00+00:00).
    return moment.replace(microsecond=0).isoformat()


@dataclass
class SandboxState:
    """Everything the fake store holds. Mutate only while holding `lock`."""

    config: SandboxConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Tables are indexed (`indexes.Table`) so that lookups by id, SKU, name, URL, product, price list and
    # channel do not scan: the sandbox answers as fast at 100,000 products as at 1,000.
    products: Table = field(default_factory=_products)
    variants: Table = field(default_factory=lambda: Table(grouped=("product_id",), lookups={"sku": _sku_key}))
    options: Table = field(default_factory=_children)
    images: Table = field(default_factory=_children)
    custom_fields: Table = field(default_factory=_children)
    metafields: Table = field(default_factory=_children)
    channels: dict[int, Record] = field(default_factory=dict)
    channel_assignments: ChannelAssignments = field(default_factory=ChannelAssignments)
    price_lists: dict[int, Record] = field(default_factory=dict)
    # keyed (list, variant, currency)
    price_records: Table = field(
        default_factory=lambda: Table(grouped=("price_list_id", "variant_id", "product_id"), lookups={"sku": _sku_key})
    )
    price_list_assignments: dict[int, Record] = field(default_factory=dict)
    hooks: dict[int, Record] = field(default_factory=dict)
    category_trees: dict[int, Record] = field(default_factory=dict)  # one per channel (categories.py)
    categories: dict[int, Record] = field(default_factory=dict)
    orders: OrderBook = field(init=False)
    _ids: dict[str, Iterator[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orders = OrderBook(self)
        for seed in self.config.channels:
            stamp = self.now_iso()
            self.channels[seed.id] = {
                "id": seed.id,
                "name": seed.name,
                "type": seed.type,
                "platform": seed.platform,
                "status": seed.status,
                "is_listable_from_ui": True,
                "is_visible": True,
                "is_enabled": seed.status == "active",
                "external_id": "",
                "icon_url": "",
                "date_created": stamp,
                "date_modified": stamp,
            }
        if 1 in self.channels:  # every store has its default storefront's category tree (categories.py)
            self.category_trees[1] = {"id": 1, "name": "Default", "channels": [1]}

    # -- ids and time ---------------------------------------------------------------------------
    def next_id(self, kind: str, start: int = 1) -> int:
        """Stable, increasing integer ids per kind (ids are never reused, as on BigCommerce)."""
        if kind not in self._ids:
            self._ids[kind] = itertools.count(start)
        return next(self._ids[kind])

    def now(self) -> datetime:
        return self.config.now()

    def now_iso(self) -> str:
        return iso(self.now())

    # -- lookups --------------------------------------------------------------------------------
    def find_by_sku(self, sku: str) -> Record | None:
        """The product whose own SKU (or one of whose variants' SKU) equals `sku`, case-insensitively."""
        owner = self.sku_owner(sku)
        return None if owner is None else self.products.get(owner[0])

    def find_variant_by_sku(self, sku: str) -> Record | None:
        return next(iter(self.variants.find("sku", sku.casefold())), None)

    def find_by_name(self, name: str) -> Record | None:
        return next(iter(self.products.find("name", name)), None)

    def sku_owner(self, sku: str) -> tuple[int, int | None] | None:
        """(product_id, variant_id) holding `sku`; SKUs are unique regardless of letter case
        across products and variants (BigCommerce's Catalog API spec, product_Base.sku)."""
        if not sku:
            return None
        key = sku.casefold()
        for variant in self.variants.find("sku", key):
            return variant["product_id"], variant["id"]
        for product in self.products.find("sku", key):
            return product["id"], product.get("base_variant_id")
        return None

    def product_variants(self, product_id: int) -> list[Record]:
        return self.children(self.variants, product_id)

    def children(self, table: Table, product_id: int) -> list[Record]:
        return sorted(table.where("product_id", product_id), key=lambda r: r["id"])

    def product_channels(self, product_id: int) -> list[int]:
        return self.channel_assignments.channels_of(product_id)

    # -- test and demo helpers (not part of the API) ---------------------------------------------
    def shopper_price(self, sku: str, *, channel_id: int, currency: str) -> Any:
        """The price a guest shopper on `channel_id` pays for `sku` in `currency`, or None when nothing prices it.

        BigCommerce resolves one price list per shopper: the list assigned to the channel (without a
        customer group), if active and holding a record for the variant in that currency; else the catalogue price,
        which exists in the store's default currency only. A price list that is not assigned to the channel prices
        nothing there, however many records it holds.
        """
        with self.lock:
            variant = self.find_variant_by_sku(sku)
            if variant is None:
                product = self.find_by_sku(sku)
                variant = self.variants.get(product.get("base_variant_id") or 0) if product else None
            if variant is None:
                raise not_found("variant")
            code = currency.lower()
            assigned = next((a["price_list_id"] for a in self.price_list_assignments.values()
                             if a.get("channel_id") == channel_id and a.get("customer_group_id") is None), None)
            if assigned is not None and self.price_lists.get(assigned, {}).get("active"):
                record = self.price_records.get((assigned, variant["id"], code))
                if record is not None:
                    return record["calculated_price"]
            if code != self.config.default_currency.lower():
                return None
            product = self.products[variant["product_id"]]
            price = variant.get("price") if variant.get("price") is not None else product.get("price")
            sale = variant.get("sale_price") if variant.get("sale_price") is not None else product.get("sale_price")
            return sale if sale else price

    def add_order(self, lines: list[dict[str, Any]], **fields: Any) -> Record:
        """Place an order as a shopper would (`OrderBook.add`: default status 11 Awaiting Fulfillment, channel 1).

        `lines` are `{"sku", "quantity", "price"?, "name"?}`; SKUs resolve against the catalogue
        (unknown SKUs give product_id/variant_id 0). `fields` set any other v2 order field.
        """
        with self.lock:
            return self.orders.add(lines, **fields)

    def set_order_status(self, order_id: int, status_id: int) -> Record:
        """Move an order to another status (e.g. 5 Cancelled, 4 Refunded), bumping date_modified."""
        with self.lock:
            return self.orders.set_status(order_id, status_id)

    def cancel_order(self, order_id: int) -> Record:
        return self.set_order_status(order_id, 5)

    def refund_order(self, order_id: int) -> Record:
        return self.set_order_status(order_id, 4)
