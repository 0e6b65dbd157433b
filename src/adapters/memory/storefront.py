"""A storefront in memory that keeps the rules that matter to the planner.

Products are found by SKU before any create (so a retried create never duplicates), names and SKUs are
unique (case-insensitive SKU), hiding never deletes, and faults can be injected per SKU or per call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section, section_payloads
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import (
    ActionOutcome,
    StoredProduct,
    StoreError,
    StoreErrorKind,
    Storefront,
    StoreUnreadable,
)


@dataclass
class MemoryProduct:
    id: int
    sku: str
    name: str
    is_visible: bool
    fields: dict[str, Any] = field(default_factory=dict)


class InMemoryStorefront(Storefront):
    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.products: dict[int, MemoryProduct] = {}
        self.calls = 0
        self.writes = 0
        self.rejected_skus: dict[str, str] = {}  # sku -> message: permanent rejection
        self.transient_failures = 0  # the next N actions fail transiently
        # While set, the store refuses the credentials (a wrong token): every call fails with this message.
        self.refused_credentials: str | None = None
        self._next_id = 1

    # --- inspection -------------------------------------------------------------------------------------------

    def by_sku(self, sku: str) -> MemoryProduct | None:
        wanted = sku.casefold()
        return next((p for p in self.products.values() if p.sku.casefold() == wanted), None)

    def add_by_hand(self, sku: str, name: str, *, is_visible: bool = True, **fields: Any) -> MemoryProduct:
        """A product made in the shop without bookbridge (by hand, or by another connector)."""
        product = MemoryProduct(id=self._next_id, sku=sku, name=name, is_visible=is_visible,
                                fields={"sku": sku, "name": name, **fields})
        self._next_id += 1
        self.products[product.id] = product
        return product

    def visible_skus(self) -> set[str]:
        return {p.sku for p in self.products.values() if p.is_visible}

    # --- the port -----------------------------------------------------------------------------------------------

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        return [self._apply_one(action, applied.get(action.key)) for action in actions]

    def _apply_one(self, action: StoreAction, before: AppliedListing | None) -> ActionOutcome:
        self.calls += 1
        if self.refused_credentials is not None:
            return ActionOutcome(action.key, ok=False, calls=1, error=self._refusal())
        if self.transient_failures > 0:
            self.transient_failures -= 1
            return ActionOutcome(
                action.key,
                ok=False,
                calls=1,
                error=StoreError(StoreErrorKind.TRANSIENT, "store unavailable (injected)", status=503),
            )
        listing = action.listing
        if listing is not None and listing.sku in self.rejected_skus:
            return ActionOutcome(
                action.key,
                ok=False,
                calls=1,
                error=StoreError(StoreErrorKind.REJECTED, self.rejected_skus[listing.sku], field="name", status=422),
            )
        if listing is None:
            product = self.products.get(before.product_id) if before and before.product_id else None
            if product is None:
                return ActionOutcome(action.key, ok=True, calls=1)
            product.is_visible = False
            self.writes += 1
            return ActionOutcome(action.key, ok=True, product_id=product.id, calls=1)
        product = self.by_sku(listing.sku)
        if product is None and before is not None and before.product_id in self.products:
            product = self.products[before.product_id]
        if product is None and action.kind is ActionKind.HIDE:
            return ActionOutcome(action.key, ok=True, calls=1)  # nothing there to hide (a create that never landed)
        clash = next(
            (p for p in self.products.values() if p.name.casefold() == listing.name.casefold() and p is not product),
            None,
        )
        if clash is not None:
            return ActionOutcome(
                action.key,
                ok=False,
                calls=1,
                error=StoreError(
                    StoreErrorKind.CONFLICT,
                    f"the name {listing.name!r} is taken by product {clash.id}",
                    field="name",
                    status=409,
                ),
            )
        payloads = section_payloads(listing)
        if product is None:
            product = MemoryProduct(id=self._next_id, sku=listing.sku, name=listing.name, is_visible=listing.is_visible)
            self._next_id += 1
            self.products[product.id] = product
        elif action.kind is ActionKind.CREATE:
            pass  # found by SKU: an earlier create succeeded; update it instead of duplicating
        # Like a real store, an update writes only the sections it sends (a held section keeps the store's edit).
        whole = action.kind in (ActionKind.CREATE, ActionKind.ADOPT) or not product.fields
        sections = tuple(payloads) if whole else action.sections
        for section in sections:
            product.fields.update(payloads[section])
        if Section.CORE in sections:
            product.sku, product.name = listing.sku, listing.name
        product.is_visible = listing.is_visible
        self.writes += 1
        return ActionOutcome(action.key, ok=True, product_id=product.id, calls=1)

    def read_back(self) -> Iterator[StoredProduct]:
        if self.refused_credentials is not None:
            raise StoreUnreadable(self._refusal())
        for p in sorted(self.products.values(), key=lambda p: p.id):
            yield StoredProduct(product_id=p.id, sku=p.sku, name=p.name, is_visible=p.is_visible, fields=dict(p.fields))

    def _refusal(self) -> StoreError:
        return StoreError(StoreErrorKind.CREDENTIALS, self.refused_credentials or "", status=401)

    def find_by_skus(self, skus: Sequence[str]) -> list[StoredProduct]:
        wanted = {sku.casefold() for sku in skus}
        self.calls += 1
        if self.refused_credentials is not None:
            raise StoreUnreadable(self._refusal())
        return [p for p in self.read_back() if p.sku.casefold() in wanted]
