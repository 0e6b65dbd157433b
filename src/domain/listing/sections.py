"""Sections: the parts of a listing that are diffed, sent and hashed on their own.

A section's hash is a SHA-256 over pydantic's JSON of the section's fields, in the listing's field order: the
store was last sent what these hashes say, so changing how they are computed would resend every product once
(tests/unit/domain/test_section_hash_compat.py pins them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, get_type_hints

from pydantic import TypeAdapter
from pydantic_core import SchemaSerializer
from typing_extensions import TypedDict  # pydantic's, which it requires for TypedDicts before Python 3.12

from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.values import Section, StoreListing, VariantListing

SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.CORE: ("sku", "name", "custom_url", "product_type", "description", "brand", "gtin", "weight", "width",
                   "height", "depth", "availability", "is_visible", "purchasable", "preorder_release_date",
                   "preorder_message", "search_keywords", "categories", "page_title", "meta_description",
                   "related_isbns"),
    Section.PRICING: ("price", "extra_prices"),
    Section.MEDIA: ("images",),
    Section.CUSTOM_FIELDS: ("custom_fields",),
    Section.STOREFRONTS: ("channels", "listed"),
}
_LISTING_FIELDS = tuple(f.name for f in fields(StoreListing))
_VARIANT_FIELDS = frozenset(f.name for f in fields(VariantListing))
_VARIANT_SECTION_FIELDS: dict[Section, frozenset[str]] = {
    Section.CORE: _VARIANT_FIELDS - {"price", "extra_prices", "image_url"},
    Section.PRICING: frozenset({"sku", "price", "extra_prices"}),
    Section.MEDIA: frozenset({"sku", "image_url"}),
}
# pydantic's `include` filter of each section (with the variants' fields that belong to it).
INCLUDE: dict[Section, dict[str, Any]] = {
    section: {
        **{f: True for f in names},
        **({"variants": {"__all__": set(_VARIANT_SECTION_FIELDS[section])}} if section in _VARIANT_SECTION_FIELDS
           else {}),
    }
    for section, names in SECTION_FIELDS.items()
}
LISTING_ADAPTER: TypeAdapter[StoreListing] = TypeAdapter(StoreListing)


def _section_serializer(section: Section) -> tuple[tuple[str, ...], SchemaSerializer]:
    hints = get_type_hints(StoreListing, include_extras=True)
    names = tuple(name for name in _LISTING_FIELDS if name in SECTION_FIELDS[section])
    typed = TypedDict(f"{section.name.title()}Section", {name: hints[name] for name in names})  # type: ignore[misc]
    return names, TypeAdapter(typed).serializer


# The fields of each section in the listing's order (the order of the JSON), and a serialiser for them: a listing
# without variants is serialised through one TypedDict per section (the listing's own field types, so the same
# serialisers and the same bytes as the whole listing's JSON filtered by `INCLUDE`), a third cheaper than filtering.
_SECTION_SERIALIZERS = {section: _section_serializer(section) for section in Section}


def section_json(listing: StoreListing) -> dict[Section, str]:
    """Each section's fields as pydantic's JSON of them (the listing's JSON filtered by `INCLUDE`), byte for byte."""
    if listing.variants:
        dump = LISTING_ADAPTER.dump_json
        return {section: dump(listing, include=include).decode() for section, include in INCLUDE.items()}
    return {section: serializer.to_json({name: getattr(listing, name) for name in names}).decode()
            for section, (names, serializer) in _SECTION_SERIALIZERS.items()}


def section_payloads(listing: StoreListing) -> dict[Section, dict[str, Any]]:
    """Each section's fields as JSON-ready data (for field-level diffs and for stores kept in memory)."""
    if listing.variants:
        dump = LISTING_ADAPTER.dump_python
        return {section: dump(listing, mode="json", include=include) for section, include in INCLUDE.items()}
    return {section: serializer.to_python({name: getattr(listing, name) for name in names}, mode="json")
            for section, (names, serializer) in _SECTION_SERIALIZERS.items()}


def section_hashes(listing: StoreListing) -> dict[Section, str]:
    """One SHA-256 per section over pydantic's canonical JSON (field order is the listing's): stable across
    processes and runs, and changed exactly when a field of that section changes."""
    sha = hashlib.sha256
    return {section: sha(text.encode()).hexdigest() for section, text in section_json(listing).items()}


def with_hashes(listing: StoreListing) -> StoreListing:
    """`listing` with the hashes of its sections (after `dataclasses.replace` changed a field)."""
    return replace(listing, hashes=section_hashes(listing))


def hashes_of_fields(values: Mapping[str, Any], caches: ListingCaches) -> dict[Section, str]:
    """`section_hashes` of a listing without variants, from its field values, before it is built. The pricing and
    storefronts sections' hashes are shared between listings through `caches`: their values repeat (shared price
    objects, a few channel sets)."""
    sha = hashlib.sha256
    hashes: dict[Section, str] = {}
    for section, (names, serializer) in _SECTION_SERIALIZERS.items():
        if section is Section.PRICING:
            price, extra = values["price"], values["extra_prices"]
            key: Any = (id(price), *map(id, extra))
            hit = caches.pricing_hashes.get(key)
            if hit is None:
                digest = sha(serializer.to_json({"price": price, "extra_prices": extra})).hexdigest()
                caches.pricing_hashes.keep(key, (price, extra, digest))  # holds the prices: their ids stay theirs
            else:
                digest = hit[2]
        elif section is Section.STOREFRONTS:
            key = (values["channels"], values["listed"])
            found: str | None = caches.storefront_hashes.get(key)
            if found is None:
                found = caches.storefront_hashes.keep(
                    key, sha(serializer.to_json({"channels": key[0], "listed": key[1]})).hexdigest())
            digest = found
        else:
            digest = sha(serializer.to_json({name: values[name] for name in names})).hexdigest()
        hashes[section] = digest
    return hashes
