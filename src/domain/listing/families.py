"""Family products (variant strategy): the editions of a title family that agree on every product-only field share
one product, each edition a variant of it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from bookbridge.domain.categories import CategoryMapping, map_subjects
from bookbridge.domain.formats import Format
from bookbridge.domain.hashing import content_hash
from bookbridge.domain.lifecycle import Availability
from bookbridge.domain.listing.sections import with_hashes
from bookbridge.domain.listing.text import clip, slugify
from bookbridge.domain.listing.values import NAME_MAX, StoreListing, VariantListing
from bookbridge.domain.model import TitleFamily


def family_products(family: TitleFamily, editions: list[StoreListing],
                    categories: CategoryMapping) -> list[StoreListing]:
    """Variant strategy: editions that agree on every product-only field share one product.

    A product is filed under the categories of every edition it holds (`categories` maps their subjects), main
    subjects' first: an audiobook edition may carry a subject its print siblings lack, and its variant is
    found under that category too.

    BigCommerce keeps type, availability, pre-order date, visibility and channel assignment on the product
    only, so editions that differ in any of them are split into separate products. Channels above all: an
    edition licensed for fewer storefronts than its siblings must never ride on their product to a channel
    where it is not licensed.

    A product's key (its SKU and URL derive from it) depends only on which editions it holds, never on their
    dates or states, because the editions of a family are stable and their lifecycle is not:
    - `family:<id>:<type>`, the main key, goes to the group holding the type's lowest-SKU edition, whatever
      that edition's state (on sale, on pre-order, hidden). A launch, a date move or a stock change never
      hands the main key to another group; existing stores keep what they recorded under it.
    - any other group is `family:<id>:<type>:<sku>`, by its own lowest SKU. Groups are disjoint and the main
      key has no suffix, so keys are unique within a family. The pre-order date is deliberately left out:
      moving it re-dates the product, it does not make a new one.
    So a group whose editions stay together keeps its key; only groups that gain or lose an edition may
    change key (a launch merges a pre-order group into its siblings' product: the retired key is hidden and
    the moving variant's SKU reclaimed by the storefront). Rules that follow the state instead (the group on
    sale, or the lowest listed edition, takes the main key) keep an on-sale product through more launches,
    but swap keys between unchanged groups when that group sells out or is delisted, which moves every
    variant of both products.

    A product's name is the family's title, read once: "The Glass Meridian". Only a family with both print and
    digital editions, so a product of each type, qualifies each name by its kind ("The Glass Meridian (Print)",
    "The Glass Meridian (Digital)"), for a shopper to tell them apart; the type is the family's formats', not a
    state, so the name does not change with time. BigCommerce names are unique store-wide: a name two products
    share (two families with one title, or a family split into two products of one type) is made unique by
    `unique_names`, as every product's name is.
    """
    groups: dict[tuple[Any, ...], list[StoreListing]] = defaultdict(list)
    anchors: dict[str, str] = {}  # product type -> its lowest SKU
    for e in sorted(editions, key=lambda x: x.sku):
        anchors.setdefault(e.product_type, e.sku)
        signature = (e.product_type, e.availability, e.preorder_release_date, e.is_visible, e.listed, e.channels)
        groups[signature].append(e)
    products: list[StoreListing] = []
    both_kinds = len(anchors) > 1  # print and digital: each product's name says which it is
    for group in sorted(groups.values(), key=lambda g: g[0].sku):
        first = group[0]  # the group's lowest SKU
        key = f"family:{family.id}:{first.product_type}"
        if first.sku != anchors[first.product_type]:
            key += f":{first.sku}"
        products.append(_merge_group(family, key, group, categories, name_kind=both_kinds))
    return products


def _group_categories(family: TitleFamily, group: list[StoreListing],
                      categories: CategoryMapping) -> tuple[tuple[str, ...], ...]:
    """The category paths of the group's editions' subjects together: every edition's main subjects first (in
    the group's order), then the others, each path once (`map_subjects`)."""
    if len(group) == 1 or not categories:
        return group[0].categories
    by_isbn = {e.isbn: e for e in family.editions}
    subjects = [s for listing in group for s in by_isbn[listing.isbns[0]].subjects]
    return map_subjects(subjects, categories)[0]


def _merge_group(family: TitleFamily, key: str, group: list[StoreListing], categories: CategoryMapping, *,
                 name_kind: bool) -> StoreListing:
    first = group[0]
    labels: dict[str, int] = defaultdict(int)
    for e in group:
        labels[e.name] += 1
    variants = tuple(
        VariantListing(
            isbn=e.isbns[0], sku=e.sku, option_label=_option_label(e, labels), price=e.price,
            extra_prices=e.extra_prices, weight=e.weight,
            width=e.width, height=e.height, depth=e.depth,
            purchasing_disabled=not (e.purchasable or e.availability is Availability.PREORDER),
            purchasing_disabled_message="" if e.purchasable else (e.preorder_message or "Not yet available"),
            image_url=next((i.url for i in e.images if i.is_thumbnail), None),
        )
        for e in group
    )
    priced = [v.price for v in variants if v.price is not None]
    kinds = "Digital" if first.product_type == "digital" else "Print"
    suffix = f" ({kinds})" if name_kind else ""
    sku = "FAM-" + content_hash(key)[:12].upper()
    merged = replace(
        first,
        key=key,
        isbns=tuple(e.isbns[0] for e in group),
        sku=sku,
        gtin=None,
        name=clip(family.title, NAME_MAX - len(suffix)) + suffix,
        custom_url=f"/{slugify(family.title)[:150]}-{slugify(kinds)}-{sku.lower()}/",
        price=min(priced, key=lambda p: p.price) if priced else None,
        extra_prices=(),  # per-currency prices live on the variants (price-list records are per variant)
        images=tuple(dict.fromkeys(i for e in group for i in e.images)),
        categories=_group_categories(family, group, categories),
        custom_fields=tuple(f for f in first.custom_fields if f.name not in ("ISBN", "Format", "Pages",
                                                                             "Duration", "Trim size")),
        variants=variants,
        problems=tuple(p for e in group for p in e.problems),
        next_change=min((e.next_change for e in group if e.next_change), default=None),
        record=None,  # many records: an ISBN change moves a variant within the product, never the product
    )
    return with_hashes(merged)


def _option_label(e: StoreListing, labels: dict[str, int]) -> str:
    fmt = next((f.value for f in e.custom_fields if f.name == "Format"), Format.OTHER.label)
    return fmt if labels[e.name] == 1 else f"{fmt} ({e.sku})"
