"""Adopting a store: products already in the shop (made by hand or by another connector) under a listing's SKU.

A shop that switches to bookbridge already sells its titles. On the first sync (a fresh state database) the store
is asked which of the catalogue's SKUs it holds; a product found there is adopted (bookbridge takes it over and
writes its fields) instead of created, unless it is clearly another title: a different name and a different
identifier (GTIN, UPC or ISBN), when it is held and a person decides. A product with no identifier at all, or with
the same name, is taken to be the same title: its fields then show in the plan as changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from stdnum import isbn as stdnum_isbn

from bookbridge.domain.listing import Section, StoreListing, section_payloads

# Store fields that may carry a product's trade identifier (BigCommerce: gtin, upc, mpn; an ISBN is a GTIN-13).
IDENTIFIER_FIELDS = ("gtin", "upc", "mpn", "isbn")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class StoredProduct:
    """A product as read back from the store, for reconciliation, drift detection and adoption. `fields` are in
    listing terms (the names of `section_payloads`), plus the store's identifier fields where it has them."""

    product_id: int
    sku: str
    name: str
    is_visible: bool
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mismatch:
    """A listing whose SKU the store holds for another title: held, never overwritten."""

    listing: StoreListing
    stored: StoredProduct
    reason: str


def _name(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def same_name(ours: str, theirs: str) -> bool:
    """The same title by name: equal once case, punctuation and spacing are set aside, or one name the start of the
    other (a listing's name adds the format, "Title (Paperback)", where a shop's may not)."""
    a, b = _name(ours), _name(theirs)
    return bool(a and b) and (a == b or a.startswith(b + " ") or b.startswith(a + " "))


def _identifier(value: object) -> str | None:
    """A GTIN-13 as digits: ISBN-10 converted, UPC-A (12 digits) and GTIN-14 with a leading zero aligned."""
    text = "".join(ch for ch in str(value or "") if ch.isdigit() or ch in "xX")
    if len(text) == 10:
        try:
            return str(stdnum_isbn.to_isbn13(text))
        except Exception:  # stdnum raises its own ValidationError family; not an ISBN-10 then
            return None
    if len(text) == 12 and text.isdigit():
        return "0" + text
    if len(text) == 14 and text.isdigit() and text.startswith("0"):
        return text[1:]
    return text if len(text) == 13 and text.isdigit() else None


def store_identifiers(stored: StoredProduct) -> frozenset[str]:
    return frozenset(i for name in IDENTIFIER_FIELDS if (i := _identifier(stored.fields.get(name))) is not None)


def listing_identifiers(listing: StoreListing) -> frozenset[str]:
    values: Iterable[object] = (*listing.isbns, listing.gtin, *(v.isbn for v in listing.variants))
    return frozenset(i for value in values if (i := _identifier(value)) is not None)


def title_mismatch(listing: StoreListing, stored: StoredProduct) -> str | None:
    """Why the store's product under the listing's SKU is not this title, or None when it may be adopted."""
    if same_name(listing.name, stored.name):
        return None
    theirs = store_identifiers(stored)
    if not theirs or theirs & listing_identifiers(listing):
        return None
    ours = ", ".join(map(str, listing.isbns)) or listing.gtin or "none"
    return (f"SKU {stored.sku} is held in the store by product {stored.product_id} {stored.name!r} (identifier "
            f"{', '.join(sorted(theirs))}), not by {listing.name!r} (ISBN {ours}): a different name and identifier, "
            "so it is neither adopted nor overwritten; change the SKU of one of them, or delete the store's product")


# `variants` appears in several sections' payloads (core, pricing, media split one variant list), so a flat
# read-back cannot say which section a variant difference belongs to; variants are left to the next full sync.
AMBIGUOUS = frozenset({"variants"})
# Lists whose order the store does not keep: custom fields come back by id, channels by number.
ORDERLESS = frozenset({"custom_fields", "channels"})


def store_differences(listing: StoreListing, stored: StoredProduct) -> list[tuple[Section, str, Any, Any]]:
    """(section, field, the store's value, ours) for each field the store reports that adopting will change."""
    out: list[tuple[Section, str, Any, Any]] = []
    for section, payload in section_payloads(listing).items():
        for name, ours in payload.items():
            if name in AMBIGUOUS or name not in stored.fields:
                continue
            theirs = stored.fields[name]
            a, b = ours, theirs
            if name in ORDERLESS and isinstance(a, list) and isinstance(b, list):
                a, b = sorted(a, key=repr), sorted(b, key=repr)
            if not same_value(a, b):
                out.append((section, name, theirs, ours))
    return out


def same_value(ours: Any, theirs: Any) -> bool:
    """Equal as listing data. The store may hand decimals back as floats (BigCommerce `price: 16.99`) where the
    payload holds text ("16.99"), so numbers compare by value, inside nested dicts and lists too."""
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        # Only the keys the store reports: a price read back has no currency or tax flag, and needs none.
        return all(same_value(ours[k], theirs[k]) for k in ours.keys() & theirs.keys())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(same_value(a, b) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    a, b = _number(ours), _number(theirs)
    if a is not None and b is not None:
        return a == b
    return bool(ours == theirs)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None
