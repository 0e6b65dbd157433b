"""A product's links to other records, resolved when it is written: its categories (ids in the category trees of
the channels it is listed on) and its related products (the store ids of its related ISBNs, from the sync state
and from the products this batch made).

Both fields replace the whole list on BigCommerce. They are sent only when the listing has some, or when the
product was last written with some (to clear them): a store whose operator maps no categories keeps the
categories merchandisers set by hand, and BigCommerce's own related-products default stays where bookbridge has
nothing to link.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bookbridge.adapters.bigcommerce.categories import CategoryTrees
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section
from bookbridge.domain.related import SENT_KEY, applied_product, related_ids

CATEGORIES_KEY = "categories"  # in `remote`: the category ids the product was last written with
LINKED_SECTIONS = frozenset({Section.CORE, Section.STOREFRONTS})  # categories follow the channels


def prepare_categories(trees: CategoryTrees, works: Sequence[ActionWork]) -> None:
    """Make (or find) every category the works' products are filed under, before any of them is written."""
    wanted = {(channel, path) for w in works if w.ok and w.listing is not None and w.listing.categories
              for channel in w.listing.channels for path in w.listing.categories}
    if not wanted:
        return
    try:
        trees.prepare(wanted)
    except BigCommerceError as exc:
        for w in works:
            if w.ok and w.listing is not None and w.listing.categories and w.listing.channels:
                w.errors.append(store_error(exc, context=f"making the categories of {w.listing.sku}"))


def product_of(applied: Mapping[str, AppliedListing], works: Sequence[ActionWork]) -> Callable[[str], int | None]:
    """A shown product's id by key: this batch's products first (they may have been made just now, or found gone
    and not made yet: no id until they are), then the state's."""
    base = applied_product(applied)

    def find(key: str) -> int | None:
        for w in works:
            if w.action.key == key:
                known = w.product_id is not None and (w.created or bool(w.remote))
                return w.product_id if known and w.listing is not None and w.listing.is_visible else None
        return base(key)

    return find


def add_links(body: dict[str, Any], work: ActionWork, trees: CategoryTrees, find: Callable[[str], int | None],
              *, creating: bool = False) -> None:
    """Put `categories` and `related_products` in a product body (create, or an update of a linked section).

    The ids sent wait in `work.links` until the store has taken the write (`links_written`): kept as written
    before that, a write refused in part (a 207), or not at all, would leave links the state calls current, and a
    relink that failed would never be tried again (`domain.related.stale_links` compares with what was kept)."""
    listing = work.listing
    if listing is None or not (creating or LINKED_SECTIONS & set(work.sections)):
        return
    categories = trees.ids(listing.channels, listing.categories)
    if categories or work.remote.get(CATEGORIES_KEY):
        body["categories"] = work.links[CATEGORIES_KEY] = categories
    if listing.variants:
        return  # family products: related products are linked per edition only
    related = related_ids(listing.related_isbns, find)
    if related or work.remote.get(SENT_KEY):
        body["related_products"] = work.links[SENT_KEY] = related


def links_written(work: ActionWork) -> None:
    """The store took the product write whole: the link ids it carried are what the product holds now."""
    work.remote.update(work.links)
    work.links = {}


def remote_links(product: Mapping[str, Any]) -> dict[str, Any]:
    """The links a product read back (or just made) holds, for `remote`."""
    return {CATEGORIES_KEY: list(product.get("categories") or []),
            SENT_KEY: [i for i in product.get("related_products") or [] if isinstance(i, int) and i > 0]}


def forget_refused_categories(trees: CategoryTrees, works: Sequence[ActionWork]) -> None:
    """A write BigCommerce refused for its categories names an id the store no longer has (a category deleted
    by hand): the channels' ids are read again from their trees on the next write."""
    for w in works:
        if w.listing is not None and any(e.field == "categories" for e in w.errors):
            trees.forget(w.listing.channels)


def linked_groups(works: Sequence[ActionWork]) -> list[list[ActionWork]]:
    """`works` in groups, in order, such that products related to each other are in one group: a group's
    products are made one after the other, so each is made with links to those made before it (a format made
    side by side with its sibling would know neither id) and only the products made before a sibling are written
    again (the stale-link pass after the plan)."""
    parent = list(range(len(works)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {w.action.key: i for i, w in enumerate(works)}
    for i, w in enumerate(works):
        for isbn in w.listing.related_isbns if w.listing is not None else ():
            j = index.get(str(isbn))
            if j is not None:
                parent[root(i)] = root(j)
    groups: dict[int, list[ActionWork]] = {}
    for i, w in enumerate(works):
        groups.setdefault(root(i), []).append(w)
    return list(groups.values())
