"""BigCommerce product JSON → listing fields: the reverse of payloads.py, for drift detection.

Pure. Only fields BigCommerce reports back faithfully are mapped; the rest are left out, and `find_drift`
never reports a field the store does not report. docs/mapping.md ("Reconciliation") states which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Product fields that come back exactly as payloads.core_fields sent them (same name on both sides).
_SAME_NAME = ("sku", "name", "description", "availability", "is_visible", "search_keywords", "page_title",
              "meta_description", "weight")
# Fields payloads.py leaves out (or sends empty) when the listing has none, which BigCommerce then holds as 0 or ""
# (a family product has no GTIN of its own: its editions' ISBNs are on the variants).
_UNSET_IS_EMPTY = ("gtin", "preorder_message", "width", "height", "depth")


def listing_fields(product: Mapping[str, Any]) -> dict[str, Any]:
    """The listing-level view of one `GET /v3/catalog/products?include=custom_fields,images,variants,channels`
    item: names as in `section_payloads`, so the domain can compare them with what bookbridge applied."""
    fields: dict[str, Any] = {name: product[name] for name in _SAME_NAME if name in product}
    fields.update({name: _cleared(product[name]) for name in _UNSET_IS_EMPTY if name in product})
    url = product.get("custom_url")
    if isinstance(url, Mapping) and "url" in url:
        fields["custom_url"] = url["url"]
    if len(product.get("variants") or []) <= 1:
        # A family product's prices live on its variants; only a single-edition product's are its own.
        fields["price"] = {"price": product.get("price"), "sale_price": _cleared(product.get("sale_price")),
                           "retail_price": _cleared(product.get("retail_price"))}
    if "custom_fields" in product:
        fields["custom_fields"] = [{"name": f.get("name"), "value": f.get("value")} for f in product["custom_fields"]]
    if "images" in product:
        # The CDN URL is BigCommerce's own, never the source's: compare what is ours to set, in display order.
        images = sorted(product["images"], key=lambda i: (i.get("sort_order", 0), i.get("id", 0)))
        # The thumbnail is reported on the thumbnail only: a product has one, where a family's listing marks each
        # edition's cover, so "not the thumbnail" cannot be read back faithfully (drift compares reported keys).
        fields["images"] = [{"description": i.get("description", ""), **({"is_thumbnail": True}
                                                                         if i.get("is_thumbnail") else {})}
                            for i in images]
    if "channels" in product:
        fields["channels"] = sorted(product["channels"])
    return fields


def _cleared(value: Any) -> Any:
    # payloads.py sends 0 to clear a sale or retail price and "" for no pre-order message; the listing holds None.
    return None if value in (0, 0.0, "", None) else value
