"""Merging storefronts: one product over the storefronts (channels) that share one store's catalogue, and
store-wide unique names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.lifecycle import Availability, Lifecycle, lifecycle
from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.editions import edition_parts
from bookbridge.domain.listing.sections import with_hashes
from bookbridge.domain.listing.storefronts import OnStorefront, StorefrontFacts, listing_of, on_storefront
from bookbridge.domain.listing.text import clip
from bookbridge.domain.listing.values import NAME_MAX, MappingSettings, StoreListing
from bookbridge.domain.model import Edition
from bookbridge.domain.problems import blocking
from bookbridge.domain.storefront import StorefrontSettings, storefront_words

_RESTRICTIVENESS = {Availability.DISABLED: 2, Availability.PREORDER: 1, Availability.AVAILABLE: 0}
_STOREFRONT_FIELDS = tuple(f.name for f in fields(OnStorefront))


def store_edition(edition: Edition, storefronts: Sequence[tuple[StorefrontSettings, StorefrontFacts]], *,
                  at: datetime, mapping: MappingSettings, store: str, caches: ListingCaches,
                  related: tuple[ISBN13, ...] | None = None) -> StoreListing:
    """One edition's listing in a store: its storefront fields merged over the store's storefronts. `related`:
    its related products, when the caller knows more of them than the edition (`related.linked_isbns`)."""
    parts = edition_parts(edition, mapping, caches)
    if related is not None:
        parts["related_isbns"] = related
    lives: dict[ZoneInfo, Lifecycle] = {}  # storefronts in one time zone share the edition's lifecycle
    on: list[OnStorefront] = []
    shared: dict[Any, Any] | None = {} if len(storefronts) > 1 else None
    for s, f in storefronts:
        life = lives.get(f.zone)
        if life is None:
            life = lives[f.zone] = lifecycle(edition, at=at, tz=f.zone, shared=caches.lifecycles)
        on.append(on_storefront(edition, s, f, life, at, caches, shared))
    if len(on) == 1 and on[0].storefront == store:
        return listing_of(parts, on[0], caches)
    # One listing of the merged storefront fields: the merge of the storefronts' listings, field for field.
    return listing_of(parts, merged(on, store=store, record=parts["key"])[1], caches)


def merge_storefronts(listings: Sequence[StoreListing], *, store: str) -> StoreListing:
    """One product over the storefronts of a store (BigCommerce keeps these fields on the product).

    The product is assigned to the channels where it is listed; it is visible if any listed storefront shows
    it; its availability is the most restrictive of the listed storefronts (so nothing is sold early on any
    channel) and it is purchasable only where all of them sell it. The default-currency storefront's price
    goes on the product; other currencies become price-list records.
    """
    if len(listings) == 1 and listings[0].storefront == store:
        return listings[0]
    base, fields_of_store = merged(listings, store=store, record=str(listings[0].isbns[0]))
    return with_hashes(replace(base, **{name: getattr(fields_of_store, name) for name in _STOREFRONT_FIELDS}))


def merged(listings: Sequence[Any], *, store: str, record: str) -> tuple[Any, OnStorefront]:
    """The listing (or `OnStorefront`) whose other fields the merge of one edition's storefront listings (or
    `OnStorefront`s) keeps (see `merge_storefronts`), and the merged storefront fields. `record` is the ISBN."""
    listed = [li for li in listings if li.listed]
    # Storefronts where the product is on a channel decide how it sells; one where it is created hidden (no
    # channel, before its announcement there) must not hold back the others' launch.
    selling = [li for li in listed if li.channels] or listed
    basis = selling or list(listings)
    # The default-currency storefront's listing is the base; otherwise the first (listed) one.
    base = next((li for li in basis if li.price is not None and li.price.in_default_currency), basis[0])
    availability = max((li.availability for li in basis), key=lambda a: _RESTRICTIVENESS[a])
    releases = [li.preorder_release_date for li in basis if li.preorder_release_date is not None]
    default_price = next((li.price for li in listed if li.price and li.price.in_default_currency), None)
    extra = tuple(li.price for li in listed if li.price is not None and li.price is not default_price
                  and not li.price.in_default_currency)
    changes = [li.next_change for li in listings if li.next_change is not None]
    reasons = [f"{storefront_words(li.storefront)}: {li.not_listed_reason}" for li in listings
               if not li.listed and li.not_listed_reason]
    problems = [p.model_copy(update={"source": li.storefront}) for li in listings for p in li.problems]
    if default_price is None and any(li.channels for li in listed):
        # BigCommerce needs a product price in the store's default currency; without one the product would
        # show (and sell at) price 0 wherever no price list applies. Never sell at 0: hold it back. A product on
        # no channel (created hidden at metadata lock) sells nowhere, so it may wait for its price.
        message = ("listed only on storefronts priced in another currency; the store's default-currency "
                   "storefront does not list it, so the product would have no price of its own")
        problems += [blocking("no-default-currency-price", message, record=record, field="Price").model_copy(
                     update={"source": li.storefront}) for li in listed]
        reasons, listed = [f"{storefront_words(li.storefront)}: {message}" for li in listed], []
    preorder = bool(listed) and availability is Availability.PREORDER
    return base, OnStorefront(
        storefront=store,
        channels=tuple(sorted({c for li in listed for c in li.channels})),
        stage=base.stage,
        listed=bool(listed),
        not_listed_reason=None if listed else " | ".join(reasons) or None,  # a storefront's causes: "; "
        is_visible=any(li.is_visible for li in listed),
        purchasable=bool(listed) and all(li.purchasable for li in selling),
        availability=availability if listed else Availability.DISABLED,
        preorder_release_date=max(releases) if preorder and releases else None,
        # The message of a storefront still on pre-order: the base may have launched already (London at
        # midnight, New York five hours later), yet the shared product stays on pre-order until the last one.
        preorder_message=next((li.preorder_message for li in basis if li.availability is Availability.PREORDER
                               and li.preorder_message), base.preorder_message) if preorder else None,
        price=default_price,
        extra_prices=tuple(sorted(extra, key=lambda p: (p.currency, p.storefront))),
        next_change=min(changes) if changes else None,
        problems=tuple(problems),
    )


def unique_names(listings: Sequence[StoreListing], held: Collection[str] = ()) -> list[StoreListing]:
    """BigCommerce names are unique store-wide: colliding names get the ISBN (or key) appended, deterministically.

    `held` are names (casefolded) that products outside `listings` still hold in the store, such as products
    bookbridge hid when their titles left the source: a listing wanting one of them is tagged as well.
    """
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, listing in enumerate(listings):
        by_name[listing.name.casefold()].append(i)
    result = list(listings)
    for name, indexes in by_name.items():
        if len(indexes) < 2 and name not in held:
            continue
        for i in indexes:
            listing = result[i]
            tag = f" [{listing.isbns[0] if len(listing.isbns) == 1 else listing.sku}]"
            result[i] = with_hashes(replace(listing, name=clip(listing.name, NAME_MAX - len(tag)) + tag))
    return result
