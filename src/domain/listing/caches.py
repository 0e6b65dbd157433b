"""What a planner may keep between the listings it builds: values that repeat across editions.

A `ListingCaches` belongs to whoever plans (the application's listing memo keeps one per store, for as long as it
keeps the memo); the domain keeps none of its own. Every entry is a pure function of frozen values, so a cache
changes how fast listings are built, never what they are. Each cache is bounded: it starts over when full.
"""

from __future__ import annotations

from typing import Any

from bookbridge.domain.lifecycle import Lifecycle
from bookbridge.domain.rights import RightsMemo


class BoundedCache(dict[Any, Any]):
    """A dict that starts over when it holds `limit` entries (answers repeat; the working set is small)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: Any, value: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


class ListingCaches:
    __slots__ = ("custom_fields", "html", "lifecycles", "plain", "prices", "pricing_hashes", "rights", "slugs",
                 "storefront_hashes")

    def __init__(self) -> None:
        self.rights = RightsMemo()  # answers about rights that editions share
        self.lifecycles: dict[tuple[Any, ...], Lifecycle] = {}  # one object per lifecycle value
        # One frozen ListingPrice per value and storefront (a catalogue has a few price points per currency).
        self.prices = BoundedCache(65536)
        # The pricing section's hash by the identity of its (shared) price objects; each entry holds them, so
        # their ids stay theirs. The storefronts section's hash by its values (a few channel sets).
        self.pricing_hashes = BoundedCache(65536)
        self.storefront_hashes = BoundedCache(4096)
        # Custom fields repeat together (the format, series, date, contributors of a work's formats): one tuple each.
        self.custom_fields = BoundedCache(65536)
        self.slugs = BoundedCache(2048)  # a work's formats share its title; formats share their labels
        self.html = BoundedCache(4096)  # sanitised descriptions: a work's formats share their texts
        self.plain = BoundedCache(1024)  # meta descriptions from a work's shared short description
