"""One store action in flight through the BigCommerce storefront: what the storefront and its section writers
(images, custom fields, channels, variants) know of its product, and what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.plan import StoreAction
from bookbridge.domain.ports import StoreError


@dataclass
class ActionWork:
    """One action in flight: what we know of its product, and what went wrong."""

    action: StoreAction
    listing: StoreListing | None
    sections: tuple[Section, ...]
    product_id: int | None
    remote: dict[str, Any]
    before: AppliedListing | None = None
    errors: list[StoreError] = field(default_factory=list)
    created: bool = False
    changed_variants: set[str] | None = None  # casefolded SKUs whose price may have changed; None: all
    buffered: int = 0  # channel assignments and price-list records waiting in the run's buffers (buffers.py)
    unverified: bool = False  # created without a SKU look-up: the store was empty when the run began
    # Link ids (categories, related products) a product write in flight carries: they join `remote` only once the
    # store has taken the write whole (`links.links_written`), since `remote` is what the next run trusts.
    links: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def resent(self, section: Section) -> bool:
        """True when `section` is sent whole: new, forced (`full`), or its last payload is unknown."""
        before = self.before
        if self.listing is None or before is None or section not in before.payloads:
            return True
        return before.hashes.get(section) == self.listing.hashes.get(section)
