"""Related products: the formats of one work link to each other (and, when the operator asks, the titles of one
series), in the one-product-per-edition strategy.

A listing names its related products by ISBN (`StoreListing.related_isbns`); the store's ids are resolved from
the sync state when the product is written (`related_ids`), so the links follow a product that was made again
under a new id. `stale_links` finds the products whose links were written with ids the state no longer holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import Edition, TitleFamily

RELATED_MAX = 50  # BigCommerce: 50 related products per product
SENT_KEY = "related_products"  # in an applied record's `remote`: the ids the product's links were written with

SeriesIndex = Mapping[str, tuple[ISBN13, ...]]


def series_index(families: Iterable[TitleFamily]) -> dict[str, tuple[ISBN13, ...]]:
    """Per series (by name, case-insensitively), the ISBNs of its titles, in order."""
    index: dict[str, list[ISBN13]] = {}
    for family in families:
        for edition in family.editions:
            if edition.series is not None and edition.series.name.strip():
                index.setdefault(edition.series.name.strip().casefold(), []).append(edition.isbn)
    return {name: tuple(sorted(isbns)) for name, isbns in index.items()}


def linked_isbns(edition: Edition, family: TitleFamily | None, series: SeriesIndex | None = None
                 ) -> tuple[ISBN13, ...]:
    """The other formats of the work (the family's editions and the source's related products), sorted, then the
    other titles of its series when `series` is given; at most BigCommerce's 50."""
    own = {*edition.related_isbns, *(e.isbn for e in (family.editions if family else ()))} - {edition.isbn}
    linked = sorted(own)
    if series is not None and edition.series is not None:
        linked += [i for i in series.get(edition.series.name.strip().casefold(), ()) if i != edition.isbn
                   and i not in own]
    return tuple(linked[:RELATED_MAX])


def related_ids(isbns: Sequence[str], product_of: Callable[[str], int | None]) -> list[int]:
    """The store ids of `isbns` that are in the store and shown (`product_of` gives None for the others), in
    order, each once."""
    ids: dict[int, None] = {}
    for isbn in isbns:
        product_id = product_of(str(isbn))
        if product_id is not None:
            ids.setdefault(product_id)
    return list(ids)


def applied_product(applied: Mapping[str, Any]) -> Callable[[str], int | None]:
    """`product_of` over the applied records (`AppliedListing` by key): a visible product's id."""

    def product_of(key: str) -> int | None:
        record = applied.get(key)
        return record.product_id if record is not None and record.visible else None

    return product_of


def stale_links(listings: Iterable[Any], applied: Mapping[str, Any]) -> list[str]:
    """Keys of products in the store whose related products were written with other ids than the state resolves
    now: a related product was made (again) under a new id, or shown or hidden, since."""
    product_of = applied_product(applied)
    stale = []
    for listing in listings:
        record = applied.get(listing.key)
        if record is None or record.product_id is None or not record.visible or not record.hashes or listing.variants:
            continue
        sent = record.remote.get(SENT_KEY) if record.remote else None
        wanted = related_ids(listing.related_isbns, product_of)
        if (sent or []) != wanted and (sent is not None or wanted):
            stale.append(listing.key)
    return stale
