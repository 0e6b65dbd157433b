"""StoreListing → BigCommerce request bodies. Pure: no I/O, so the field mapping is testable on its own.

docs/mapping.md states this mapping for people; keep the two in step.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bookbridge.domain.listing import ListingImage, ListingPrice, Section, StoreListing, VariantListing
from bookbridge.domain.readiness import ALLOWED_IMAGE_TYPES, MAX_IMAGE_BYTES

FORMAT_OPTION = "Format"  # the variant option of family products (variant strategy)
VARIANTS_MAX = 600  # Platform Limits: 600 SKUs per product
OPTION_VALUES_MAX = 250  # Platform Limits: 250 values per option; every variant has its own Format value
VARIANT_BATCH_MAX = 50  # PUT /catalog/variants: "Max 50 per request", 413 above
VARIANT_SECTIONS = (Section.CORE, Section.PRICING, Section.MEDIA)


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def core_fields(listing: StoreListing) -> dict[str, Any]:
    """Fields of the CORE section. BigCommerce keeps these on the product only."""
    fields: dict[str, Any] = {
        "name": listing.name,
        "type": listing.product_type,  # physical | digital
        "sku": listing.sku,
        "description": listing.description,
        "weight": float(listing.weight),  # required on create; 0 for digital editions
        "availability": listing.availability.value,  # available | preorder | disabled
        "is_visible": listing.is_visible,
        "preorder_message": listing.preorder_message or "",
        # bookbridge flips availability itself at the release instant (in the storefront's time zone), so
        # BigCommerce's own automatic flip stays off.
        "is_preorder_only": False,
        "search_keywords": listing.search_keywords,
        "page_title": listing.page_title,
        "meta_description": listing.meta_description,
        "custom_url": {"url": listing.custom_url, "is_customized": True, "create_redirect": True},
        "open_graph_type": "book",
        "inventory_tracking": "none",
    }
    if listing.preorder_release_date is not None:
        fields["preorder_release_date"] = listing.preorder_release_date.isoformat()
    if listing.gtin:
        fields["gtin"] = listing.gtin  # ISBN-13 = GTIN-13; BigCommerce has no ISBN field
    if listing.brand:
        fields["brand_name"] = listing.brand  # created case-insensitively if missing
    for name in ("width", "height", "depth"):
        value = _num(getattr(listing, name))
        if value is not None:
            fields[name] = value
    return fields


def price_fields(price: ListingPrice | None) -> dict[str, Any]:
    """Product (or variant) price fields in the store's default currency. A sale price of 0 clears it."""
    if price is None:
        return {}
    return {
        "price": float(price.price),
        "sale_price": float(price.sale_price) if price.sale_price is not None else 0,
        "retail_price": float(price.retail_price) if price.retail_price is not None else 0,
    }


def product_update(listing: StoreListing, sections: tuple[Section, ...], product_id: int) -> dict[str, Any]:
    """One item of a batch `PUT /catalog/products` carrying only the changed product-level fields."""
    body: dict[str, Any] = {"id": product_id}
    if Section.CORE in sections:
        body.update(core_fields(listing))
        body.pop("sku", None) if listing.variants else None
    if Section.PRICING in sections and not listing.variants:
        body.update(price_fields(listing.price))
    if Section.CORE not in sections and Section.STOREFRONTS in sections:
        body["is_visible"] = listing.is_visible
    return body


def image_body(image: ListingImage, sort_order: int, *, thumbnail: bool | None = None) -> dict[str, Any]:
    """`thumbnail` overrides the image's own flag (see `thumbnail_index`)."""
    return {"image_url": image.url, "is_thumbnail": image.is_thumbnail if thumbnail is None else thumbnail,
            "description": image.description, "sort_order": sort_order}


def thumbnail_index(images: Sequence[ListingImage]) -> int | None:
    """BigCommerce keeps one thumbnail per product (the last one set wins): the first image the listing marks as
    one. A family product's listing marks every edition's front cover; only the first is sent as the thumbnail."""
    return next((i for i, image in enumerate(images) if image.is_thumbnail), None)


def image_ident(image: ListingImage) -> str:
    """Images are deduplicated by source checksum, else by URL, never by BigCommerce's CDN URL."""
    return image.checksum or image.url


def variant_fields(variant: VariantListing, section: Section) -> dict[str, Any]:
    """The variant fields one listing section owns (the split of `section_payloads`'s per-variant parts)."""
    if section is Section.PRICING:
        return price_fields(variant.price)  # null would inherit the product's price: always send ours
    if section is Section.MEDIA:
        return {"image_url": variant.image_url} if variant.image_url else {}  # one image per variant
    if section is not Section.CORE:
        return {}
    body: dict[str, Any] = {
        "sku": variant.sku,
        "gtin": variant.sku,  # ISBN-13 = GTIN-13 (≤14 characters)
        "purchasing_disabled": variant.purchasing_disabled,  # "not yet available" on one format
        "purchasing_disabled_message": variant.purchasing_disabled_message,
    }
    for name in ("weight", "width", "height", "depth"):
        value = _num(getattr(variant, name))
        if value is not None:
            body[name] = value
    return body


def variant_body(variant: VariantListing, sections: tuple[Section, ...] = VARIANT_SECTIONS) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for section in sections:
        body.update(variant_fields(variant, section))
    return body


def variant_parts(section_payloads: Mapping[Section, Mapping[str, Any]]) -> dict[str, dict[Section, Any]]:
    """Per variant SKU (casefolded), its part of each section payload: what a hash change may have touched."""
    parts: dict[str, dict[Section, Any]] = {}
    for section in VARIANT_SECTIONS:
        for item in section_payloads.get(section, {}).get("variants") or []:
            parts.setdefault(str(item["sku"]).casefold(), {})[section] = item
    return parts


# --- what BigCommerce would refuse: checked before any request ------------------------------------------


def image_refusal(url: str, *, mime_type: str | None = None, size_bytes: int | None = None) -> str | None:
    """Why BigCommerce must not be sent this image, or None. The type is the declared one, else the URL's.

    bookbridge sends JPEG, PNG and GIF only (readiness.ALLOWED_IMAGE_TYPES) and at most 8 MB per image
    (Platform Limits; larger files are refused after BigCommerce has fetched them).
    """
    known = mime_type or mimetypes.guess_type(urlsplit(url).path)[0]
    if known and known.lower() not in ALLOWED_IMAGE_TYPES:
        return f"image {url} is {known}; BigCommerce is sent JPEG, PNG or GIF only"
    if size_bytes is not None and size_bytes > MAX_IMAGE_BYTES:
        return f"image {url} is {size_bytes} bytes; BigCommerce takes at most {MAX_IMAGE_BYTES} (8 MB)"
    if len(url) > 255:  # image_url: at most 255 characters
        return f"image URL is {len(url)} characters; BigCommerce takes at most 255"
    return None


def variants_refusal(listing: StoreListing) -> str | None:
    """A family product BigCommerce would refuse for its variant count, or None."""
    count = len(listing.variants)
    if count > VARIANTS_MAX:
        return f"{count} variants; BigCommerce allows at most {VARIANTS_MAX} per product"
    labels = len({v.option_label for v in listing.variants})
    if labels > OPTION_VALUES_MAX:
        return f"{labels} Format option values; BigCommerce allows at most {OPTION_VALUES_MAX} per option"
    return None


def create_body(listing: StoreListing) -> dict[str, Any]:
    """`POST /catalog/products`: one product with its custom fields, images and (family) variants."""
    body = core_fields(listing)
    body.update(price_fields(listing.price) or {"price": 0})  # price is required on create
    body["custom_fields"] = [{"name": f.name, "value": f.value} for f in listing.custom_fields]
    thumb = thumbnail_index(listing.images)
    body["images"] = [image_body(image, i, thumbnail=i == thumb) for i, image in enumerate(listing.images)]
    if listing.variants:
        body["variants"] = [
            {**variant_body(v), "option_values": [{"option_display_name": FORMAT_OPTION, "label": v.option_label}]}
            for v in listing.variants
        ]
    return body


def price_record(variant_id: int, price: ListingPrice) -> dict[str, Any]:
    """A price-list record (`PUT /pricelists/{id}/records`) for a currency other than the default."""
    record: dict[str, Any] = {"variant_id": variant_id, "currency": price.currency.lower(), "price": float(price.price)}
    if price.sale_price is not None:
        record["sale_price"] = float(price.sale_price)
    if price.retail_price is not None:
        record["retail_price"] = float(price.retail_price)
    return record


NUMBER_MAX = 9_999_999_999  # BigCommerce: weight, dimensions and prices are 0-9999999999 (catalog spec)
_LIMITED = ("weight", "width", "height", "depth", "price", "sale_price", "retail_price")


def limit_errors(body: dict[str, Any]) -> dict[str, str]:
    """Fields of a product or variant body that BigCommerce would refuse, found before sending it."""
    errors = {name: f"{name} {body[name]} is over BigCommerce's limit of {NUMBER_MAX:,}"
              for name in _LIMITED if isinstance(body.get(name), (int, float)) and body[name] > NUMBER_MAX}
    for variant in body.get("variants") or []:
        errors.update({f"variants.{variant.get('sku')}.{k}": v for k, v in limit_errors(variant).items()})
    return errors
