"""The merchant feed as a bookbridge store adapter: the feed files are the store.

Each country's feed holds the items; a small index (JSON) holds each product's id, SKU, name and the ids of
its items per country. `apply` loads both (cached while the files are unchanged), carries out the actions on
a copy, then writes only the files whose bytes changed, each atomically, feeds before the index. The index
owns the items: on load, an item that no product owns (a crash between the two writes) is dropped, so the
next write of that feed heals it, and the core resends whatever it did not record as applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bookbridge.domain.plan import ActionKind, AppliedListing, StoreAction
from bookbridge.domain.ports import ActionOutcome, StoredProduct, StoreError, StoreErrorKind, Storefront
from lxml import etree

from bookbridge_merchant_feed.items import FeedItem, feed_items
from bookbridge_merchant_feed.rss import read_feed, render_feed, write_atomically
from bookbridge_merchant_feed.settings import FeedSettings
from bookbridge_merchant_feed.validate import validate_item

INDEX_VERSION = 1
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, etree.LxmlError)


@dataclass
class ProductRecord:
    product_id: int
    key: str
    sku: str
    name: str
    items: dict[str, list[str]] = field(default_factory=dict)  # country -> ids of its items in that feed

    @property
    def visible(self) -> bool:
        return any(self.items.values())


@dataclass
class FeedStore:
    """The store as its files hold it. `changed` names the countries whose items changed since loading."""

    products: dict[str, ProductRecord] = field(default_factory=dict)  # by listing key
    feeds: dict[str, dict[str, FeedItem]] = field(default_factory=dict)  # country -> item id -> item
    next_id: int = 1
    changed: set[str] = field(default_factory=set)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)  # (country, item id) -> listing key
    skus: dict[str, str] = field(default_factory=dict)  # casefolded SKU -> listing key

    def copy(self) -> FeedStore:
        products = {k: ProductRecord(r.product_id, r.key, r.sku, r.name, {c: list(i) for c, i in r.items.items()})
                    for k, r in self.products.items()}
        return FeedStore(products, {c: dict(items) for c, items in self.feeds.items()}, self.next_id,
                         set(self.changed), dict(self.owners), dict(self.skus))

    def find(self, key: str, sku: str | None, product_id: int | None) -> ProductRecord | None:
        """By key, then by SKU (a retried create finds its product), then by the id the core recorded."""
        if key in self.products:
            return self.products[key]
        if sku and sku.casefold() in self.skus:
            return self.products[self.skus[sku.casefold()]]
        if product_id is None:
            return None
        return next((r for r in self.products.values() if r.product_id == product_id), None)

    def add(self, key: str, sku: str, name: str) -> ProductRecord:
        record = ProductRecord(self.next_id, key, sku, name)
        self.next_id += 1
        self.products[key] = record
        self.skus[sku.casefold()] = key
        return record

    def rename(self, record: ProductRecord, sku: str, name: str) -> None:
        if self.skus.get(record.sku.casefold()) == record.key:
            del self.skus[record.sku.casefold()]
        record.sku, record.name = sku, name
        self.skus[sku.casefold()] = record.key

    def rekey(self, record: ProductRecord, key: str) -> None:
        if record.key == key:
            return
        del self.products[record.key]
        for where, owner in list(self.owners.items()):
            if owner == record.key:
                self.owners[where] = key
        if self.skus.get(record.sku.casefold()) == record.key:
            self.skus[record.sku.casefold()] = key
        record.key = key
        self.products[key] = record

    def put_items(self, record: ProductRecord, wanted: Mapping[str, Sequence[FeedItem]]) -> None:
        """Make `wanted` the record's items; feeds whose items differ are marked changed."""
        old = {(c, i) for c, ids in record.items.items() for i in ids if self.owners.get((c, i)) == record.key}
        new = {(c, item.id): item for c, items in wanted.items() for item in items}
        for country, item_id in old - new.keys():
            self.feeds.get(country, {}).pop(item_id, None)
            self.owners.pop((country, item_id), None)
            self.changed.add(country)
        for (country, item_id), item in new.items():
            previous = self.owners.get((country, item_id))
            if previous is not None and previous != record.key:  # an edition moved between products
                self.products[previous].items[country].remove(item_id)
            feed = self.feeds.setdefault(country, {})
            if feed.get(item_id) != item:
                feed[item_id] = item
                self.changed.add(country)
            self.owners[(country, item_id)] = record.key
        record.items = {c: [item.id for item in items] for c, items in wanted.items() if items}

    def index_bytes(self) -> bytes:
        products = [asdict(r) for r in sorted(self.products.values(), key=lambda r: r.product_id)]
        return json.dumps({"version": INDEX_VERSION, "next_id": self.next_id, "products": products},
                          indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"


class MerchantFeedStorefront(Storefront):
    """Google Merchant Center feeds in a directory, one per target country. Never raises from `apply`."""

    def __init__(self, settings: FeedSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self.files_written = 0  # feeds and index replaced so far (what the contract calls writes)
        self._cache: FeedStore | None = None
        self._stamp: tuple[Any, ...] | None = None

    # --- the port -----------------------------------------------------------------------------------------------

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        if not actions:
            return []
        try:
            store = self.load().copy()
        except _UNREADABLE as exc:
            return [self._failed(a.key, f"cannot read the feeds in {self.settings.directory}: {exc}") for a in actions]
        outcomes = [self._apply_one(store, action, applied.get(action.key)) for action in actions]
        try:
            self._save(store)
        except OSError as exc:
            self._cache = None
            return [self._failed(o.key, f"cannot write the feeds in {self.settings.directory}: {exc}") if o.ok else o
                    for o in outcomes]
        return outcomes

    def read_back(self) -> Iterator[StoredProduct]:
        store = self.load()
        for record in sorted(store.products.values(), key=lambda r: r.product_id):
            items = {c: [asdict(store.feeds[c][i]) for i in ids] for c, ids in record.items.items() if ids}
            yield StoredProduct(product_id=record.product_id, sku=record.sku, name=record.name,
                                is_visible=record.visible, fields={"items": items})

    # --- one action -----------------------------------------------------------------------------------------------

    def _apply_one(self, store: FeedStore, action: StoreAction, before: AppliedListing | None) -> ActionOutcome:
        listing = action.listing
        record = store.find(action.key, listing.sku if listing else None, before.product_id if before else None)
        if action.kind is ActionKind.HIDE or listing is None:  # delisting removes the items, keeps the product
            if record is not None:
                store.put_items(record, {})
            return ActionOutcome(action.key, ok=True, product_id=record.product_id if record else None, calls=1)
        wanted = feed_items(listing, self.settings)
        problems = [(country, item, problem) for country, items in wanted.items() for item in items
                    for problem in validate_item(item)]
        if problems:
            first = problems[0][2]
            message = "; ".join(f"{c} feed, edition {i.id}: {p}" for c, i, p in problems)
            return ActionOutcome(action.key, ok=False, calls=1, error=StoreError(
                StoreErrorKind.REJECTED, f"Merchant Center would refuse {listing.name!r}: {message}",
                field=first.split(":", 1)[0]))
        if record is None:
            record = store.add(listing.key, listing.sku, listing.name)
        store.rekey(record, listing.key)
        store.rename(record, listing.sku, listing.name)
        store.put_items(record, wanted)
        return ActionOutcome(action.key, ok=True, product_id=record.product_id, calls=1)

    @staticmethod
    def _failed(key: str, message: str) -> ActionOutcome:
        return ActionOutcome(key, ok=False, calls=1, error=StoreError(StoreErrorKind.TRANSIENT, message))

    # --- files ------------------------------------------------------------------------------------------------------

    def load(self) -> FeedStore:
        """The store as the files hold it (cached while no file has changed on disk)."""
        stamp = self._stamps()
        if self._cache is not None and stamp == self._stamp:
            return self._cache
        store = FeedStore()
        path = self.settings.index_path
        if path.exists():
            index = json.loads(path.read_text(encoding="utf-8"))
            store.next_id = int(index["next_id"])
            for row in index["products"]:
                record = ProductRecord(int(row["product_id"]), row["key"], row["sku"], row["name"],
                                       {c: list(ids) for c, ids in row["items"].items()})
                store.products[record.key] = record
                store.skus[record.sku.casefold()] = record.key
        for country in self.settings.target_countries:
            feed = self.settings.feed_path(country)
            store.feeds[country] = {i.id: i for i in read_feed(feed)} if feed.exists() else {}
        self._reconcile(store)
        self._cache, self._stamp = store, stamp
        return store

    @staticmethod
    def _reconcile(store: FeedStore) -> None:
        for record in store.products.values():
            for country, ids in list(record.items.items()):
                feed = store.feeds.get(country, {})
                record.items[country] = [i for i in ids if i in feed and (country, i) not in store.owners]
                store.owners.update({(country, i): record.key for i in record.items[country]})
        for country, feed in store.feeds.items():
            for item_id in [i for i in feed if (country, i) not in store.owners]:
                del feed[item_id]
                store.changed.add(country)

    def _save(self, store: FeedStore) -> None:
        for country in self.settings.target_countries:
            path = self.settings.feed_path(country)
            if country in store.changed or not path.exists():
                title = f"{self.settings.title or self.settings.name} ({country})"
                data = render_feed(store.feeds.get(country, {}).values(), title=title, link=self.settings.site,
                                   description=f"Products for sale in {country}")
                self._write(path, data)
        self._write(self.settings.index_path, store.index_bytes(), mode=0o600)
        store.changed.clear()
        self._cache, self._stamp = store, self._stamps()

    def _write(self, path: Path, data: bytes, *, mode: int = 0o644) -> None:
        if path.exists() and path.read_bytes() == data:
            return  # unchanged: leave the file, its mtime and Google's fetch alone
        write_atomically(path, data, mode=mode)
        self.files_written += 1

    def _stamps(self) -> tuple[Any, ...]:
        paths = [self.settings.index_path, *map(self.settings.feed_path, self.settings.target_countries)]
        return tuple(_stamp(p) for p in paths)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
