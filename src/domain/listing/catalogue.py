"""The catalogue's listings: every desired product of a store, from its title families."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bookbridge.domain.listing.families import family_products
from bookbridge.domain.listing.memo import ListingMemo, MemoEntry
from bookbridge.domain.listing.merge import store_edition, unique_names
from bookbridge.domain.listing.storefronts import StorefrontFacts
from bookbridge.domain.listing.values import MappingSettings, StoreListing
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.related import linked_isbns, series_index
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings


def build_listings(
    families: Iterable[TitleFamily],
    storefront: StorefrontSettings,
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
) -> list[StoreListing]:
    """Every desired product for one storefront, with store-wide unique names."""
    return build_store_listings(families, [storefront], at=at, mapping=mapping, store=storefront.name)


def build_store_listings(
    families: Iterable[TitleFamily],
    storefronts: Sequence[StorefrontSettings],
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
    store: str,
    memo: ListingMemo | None = None,
) -> list[StoreListing]:
    """Every desired product of one store whose catalogue several storefronts (channels) share.

    Per edition, the storefront listings are merged (`merge_storefronts`); then, under the variant strategy,
    editions are grouped into family products. Names are made unique store-wide.

    With a `memo` (the same one for every plan of this store), a family whose listings cannot have changed
    since the last plan is not built again (`ListingMemo`), and values that repeat are shared through its caches;
    the result is the same either way.
    """
    if not storefronts:
        raise ValueError(f"store {store!r} has no storefronts")
    mapping = mapping or MappingSettings()
    strategies = {s.format_strategy for s in storefronts}
    if len(strategies) > 1:
        raise ValueError(f"storefronts of store {store!r} disagree on the format strategy; products are shared")
    facts = [(s, StorefrontFacts.of(s, at)) for s in storefronts]
    variants = storefronts[0].format_strategy is FormatStrategy.VARIANTS
    listings: list[StoreListing] = []
    working = memo if memo is not None else ListingMemo()  # a plan without a memo keeps nothing after it
    caches = working.caches
    # Linking a series reaches across families: the series' membership is part of every family's context.
    series = None
    if mapping.link_series and not variants:
        families = list(families)
        series = series_index(families)
    context = working.start((tuple(storefronts), mapping, store, series and tuple(series.items())))
    kept: dict[str, MemoEntry] = {}
    for family in families:
        if memo is not None and (entry := memo.reuse(family, at, context)) is not None:
            listings += entry.listings
            kept[family.id] = entry
            continue
        editions = [store_edition(e, facts, at=at, mapping=mapping, store=store, caches=caches,
                                  related=None if variants else linked_isbns(e, family, series))
                    for e in family.editions]
        built = family_products(family, editions, mapping.categories) if variants else editions
        if memo is not None:
            kept[family.id] = MemoEntry(family, built, at, context)
        listings += built
    if memo is not None:
        memo.entries = kept  # families no longer in the catalogue are forgotten
    return unique_names(listings)
