"""The desired store listing: a store-neutral description of what a store should hold.

`build_listings(families, storefront, at=...)` is a pure function of the catalogue, one storefront and the
instant. `build_store_listings(families, storefronts, at=...)` merges the storefronts (channels) that share one
store's catalogue into one listing per product. The output is diffed against what was last applied (plan.py),
section by section.

The package by concept: `values` (the value objects), `sections` (section serialisation and hashing), `text`
(slugs, clipping, the HTML sanitiser), `editions` (what no storefront changes), `storefronts` (per-storefront
facts), `merge` (merging storefronts, unique names), `families` (family products), `memo` and `caches` (what a
planner may keep between plans), `catalogue` (the builders). The names below are its public surface.
"""

from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.catalogue import build_listings, build_store_listings
from bookbridge.domain.listing.editions import edition_name, edition_parts
from bookbridge.domain.listing.memo import ListingMemo
from bookbridge.domain.listing.merge import merge_storefronts, unique_names
from bookbridge.domain.listing.sections import section_hashes, section_json, section_payloads, with_hashes
from bookbridge.domain.listing.storefronts import build_edition_listing
from bookbridge.domain.listing.text import clip, plain_text, sanitised_html, slugify
from bookbridge.domain.listing.values import (
    CUSTOM_FIELD_MAX,
    NAME_MAX,
    URL_MAX,
    CustomField,
    ListingImage,
    ListingPrice,
    MappingSettings,
    Section,
    StoreListing,
    VariantListing,
)

__all__ = [
    "CUSTOM_FIELD_MAX", "NAME_MAX", "URL_MAX", "CustomField", "ListingCaches", "ListingImage", "ListingMemo",
    "ListingPrice", "MappingSettings", "Section", "StoreListing", "VariantListing", "build_edition_listing",
    "build_listings", "build_store_listings", "clip", "edition_name", "edition_parts", "merge_storefronts",
    "plain_text", "sanitised_html", "section_hashes", "section_json", "section_payloads", "slugify", "unique_names",
    "with_hashes",
]
