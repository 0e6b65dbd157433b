"""Products: create, update, batch update, delete and render, with BigCommerce's uniqueness rules.

Callers hold `state.lock`. Every change goes through `touch()` so `date_modified` is maintained.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import attachments, options, variants
from .categories import check_links
from .errors import ApiError, conflict, not_found, too_many_items, unprocessable
from .state import Record, SandboxState
from .validation import (
    CUSTOM_FIELD_FIELDS,
    CUSTOM_URL_FIELDS,
    IMAGE_FIELDS,
    PRODUCT_FIELDS,
    PRODUCT_READ_ONLY,
    PRODUCT_REQUIRED,
    VARIANT_FIELDS,
    reject_unaccepted,
    require_object,
    validate,
)

# Batch PUT /catalog/products takes at most 10 items (lowered from 50 in 2019, dev-docs PR #41).
PRODUCT_BATCH_LIMIT = 10
# Batch DELETE /catalog/products?id:in= takes at most 250 ids (BigCommerce).
PRODUCT_DELETE_LIMIT = 250
INCLUDES = frozenset({"variants", "images", "custom_fields", "channels", "options", "primary_image"})

PRODUCT_DEFAULTS: Record = {
    "sku": "",
    "description": "",
    "width": 0,
    "depth": 0,
    "height": 0,
    "cost_price": 0,
    "retail_price": 0,
    "sale_price": 0,
    "map_price": 0,
    "tax_class_id": 0,
    "product_tax_code": "",
    "categories": [],
    "brand_id": 0,
    "inventory_level": 0,
    "inventory_warning_level": 0,
    "inventory_tracking": "none",
    "fixed_cost_shipping_price": 0,
    "is_free_shipping": False,
    "is_visible": True,
    "is_featured": False,
    "related_products": [],
    "warranty": "",
    "bin_picking_number": "",
    "layout_file": "",
    "upc": "",
    "mpn": "",
    "gtin": "",
    "search_keywords": "",
    "availability": "available",
    "availability_description": "",
    "gift_wrapping_options_type": "any",
    "gift_wrapping_options_list": [],
    "sort_order": 0,
    "condition": "New",
    "is_condition_shown": False,
    "order_quantity_minimum": 0,
    "order_quantity_maximum": 0,
    "page_title": "",
    "meta_keywords": [],
    "meta_description": "",
    "view_count": 0,
    "preorder_release_date": None,
    "preorder_message": "",
    "is_preorder_only": False,
    "is_price_hidden": False,
    "price_hidden_label": "",
    "open_graph_type": "product",
    "open_graph_title": "",
    "open_graph_description": "",
    "open_graph_use_meta_description": True,
    "open_graph_use_product_name": True,
    "open_graph_use_image": True,
    "reviews_rating_sum": 0,
    "reviews_count": 0,
    "total_sold": 0,
    "date_last_imported": None,
    "option_set_id": None,
    "option_set_display": "right",
}
NESTED = ("custom_fields", "images", "variants", "videos", "bulk_pricing_rules", "custom_url")


def slug_url(name: str) -> str:
    # custom_url is auto-generated from the name when omitted (BigCommerce), e.g. "/my-book/".
    return "/" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "product") + "/"


def get_product(state: SandboxState, product_id: int) -> Record:
    product = state.products.get(product_id)
    if product is None:
        raise not_found("product")
    return product


def touch(state: SandboxState, product: Record) -> None:
    product["date_modified"] = state.now_iso()
    # calculated_price: the sale price when set, else the price (read-only field).
    product["calculated_price"] = product["sale_price"] or product["price"]
    state.products.note(product["id"], product)  # its SKU, name or URL may have changed in place
    for variant in state.product_variants(product["id"]):
        variants.recalculate(variant, product)
        state.variants.note(variant["id"], variant)


def _validate_nested(body: Record, *, creating: bool) -> None:
    for index, item in enumerate(body.get("custom_fields") or []):
        item = require_object(item, f"custom_fields[{index}]")
        required = ("name", "value") if creating or "id" not in item else ()
        validate(item, CUSTOM_FIELD_FIELDS, required, prefix=f"custom_fields[{index}].")
    for index, item in enumerate(body.get("images") or []):
        validate(require_object(item, f"images[{index}]"), IMAGE_FIELDS, prefix=f"images[{index}].")
        if "image_url" in item:
            attachments.check_image_url(item["image_url"], f"images[{index}].image_url")
    for index, item in enumerate(body.get("variants") or []):
        item = require_object(item, f"variants[{index}]")
        # On create variants need a SKU; on update they name an existing variant by id.
        validate(item, VARIANT_FIELDS, ("sku",) if creating else ("id",), prefix=f"variants[{index}].")
    if isinstance(body.get("custom_url"), dict):
        validate(body["custom_url"], CUSTOM_URL_FIELDS, ("url",), prefix="custom_url.")


def validate_product(body: Any, *, creating: bool) -> Record:
    body = require_object(body)
    # `channels` is only a GET include; create/update reject it (docs PR #690).
    reject_unaccepted(body, frozenset({"channels"}))
    validate(body, PRODUCT_FIELDS, PRODUCT_REQUIRED if creating else ())
    _validate_nested(body, creating=creating)
    return dict(body)


def check_unique(state: SandboxState, body: Record, product_id: int | None, pending: Iterable[Record] = ()) -> None:
    """409 on a duplicate name or SKU (store-wide; SKU case-insensitive across products and variants), and on
    categories the store lacks (related products it lacks: 422)."""
    check_links(state, body, product_id)
    name = body.get("name")
    if name is not None:
        other = state.find_by_name(name)
        if (other and other["id"] != product_id) or any(p.get("name") == name for p in pending):
            raise conflict("name", f"The product name '{name}' is a duplicate.")
    skus = [body["sku"]] if body.get("sku") else []
    skus += [v["sku"] for v in body.get("variants") or [] if isinstance(v, dict) and v.get("sku") and "id" not in v]
    seen: set[str] = {p["sku"].casefold() for p in pending if p.get("sku")}
    for sku in skus:
        owner = state.sku_owner(sku)
        if (owner and owner[0] != product_id) or sku.casefold() in seen:
            raise conflict("sku", f"Sku '{sku}' is not unique.")
        seen.add(sku.casefold())


def url_taken(state: SandboxState, url: str, product_id: int | None) -> bool:
    return any(p["id"] != product_id for p in state.products.find("url", url))


def create_product(state: SandboxState, body: Any) -> Record:
    """POST /catalog/products: one product per request; nested variants, images, custom fields."""
    body = validate_product(body, creating=True)
    check_unique(state, body, None)
    url = (body.get("custom_url") or {}).get("url") or slug_url(body["name"])
    if url_taken(state, url, None):
        # Duplicate custom_url gives 409 on POST since ~Feb 2025 (docs PR #837).
        raise conflict("custom_url", f"The custom URL '{url}' is already in use.")
    variants.check_nested_option_values(body.get("variants") or [])
    stamp = state.now_iso()
    product_id = state.next_id("product")
    product: Record = {"id": product_id, **PRODUCT_DEFAULTS}
    product.update({k: v for k, v in body.items() if k not in PRODUCT_READ_ONLY and k not in NESTED})
    product.update(
        custom_url={"url": url, "is_customized": bool(body.get("custom_url"))},
        date_created=stamp,
        date_modified=stamp,
        base_variant_id=None,
        calculated_price=0,
    )
    state.products[product_id] = product
    try:
        if body.get("variants"):
            variants.create_nested(state, product, body["variants"])
        else:
            variants.create_base(state, product)
        for item in body.get("custom_fields") or []:
            attachments.add_custom_field(state, product_id, item)
        for item in body.get("images") or []:
            attachments.add_image(state, product_id, item)
    except ApiError:
        delete_products(state, [product_id])  # a create either happens whole or not at all
        raise
    if state.config.auto_assign_channel is not None:
        state.channel_assignments.add((product_id, state.config.auto_assign_channel))
    touch(state, product)
    return product


def update_product(
    state: SandboxState, product_id: int, body: Record, *, skip_subparts: bool = False
) -> dict[str, str]:
    """Apply a validated partial update; return the sub-part failures that make a 207."""
    product = get_product(state, product_id)
    partial: dict[str, str] = {}
    fields = {k: v for k, v in body.items() if k not in PRODUCT_READ_ONLY and k not in NESTED}
    if skip_subparts:  # injected 207: the main write succeeds, inventory/URL sub-parts fail
        partial[f"{product_id}.custom_url"] = "The URL could not be saved."
        fields.pop("inventory_level", None)
    custom_url = body.get("custom_url")
    if isinstance(custom_url, dict) and not skip_subparts:
        if url_taken(state, custom_url["url"], product_id):
            # On PUT a URL "taken by any other entity" is a 207 partial failure, not an error (BigCommerce).
            partial[f"{product_id}.custom_url"] = f"The custom URL '{custom_url['url']}' is already in use."
        else:
            product["custom_url"] = {"url": custom_url["url"], "is_customized": True}
    if "sku" in fields and product["base_variant_id"] is not None:
        state.variants[product["base_variant_id"]]["sku"] = fields["sku"]
    product.update(fields)
    for item in body.get("custom_fields") or []:
        if "id" in item:
            attachments.update_custom_field(state, product_id, item["id"], item)
        else:
            attachments.add_custom_field(state, product_id, item)
    for item in body.get("images") or []:
        attachments.add_image(state, product_id, item)
    for item in body.get("variants") or []:
        variants.update_variant(state, item["id"], item, product_id)
    touch(state, product)
    return partial


def update_one(state: SandboxState, product_id: int, body: Any) -> dict[str, str]:
    """PUT /catalog/products/{id}."""
    get_product(state, product_id)
    body = validate_product(body, creating=False)
    check_unique(state, body, product_id)
    _check_variant_ids(state, body, product_id)
    return update_product(state, product_id, body)


def _check_variant_ids(state: SandboxState, body: Record, product_id: int) -> None:
    for index, item in enumerate(body.get("variants") or []):
        variant = state.variants.get(item["id"])
        if variant is None or variant["product_id"] != product_id:
            raise unprocessable({f"variants[{index}].id": f"Variant {item['id']} is not a variant of {product_id}."})
        if item.get("sku"):
            owner = state.sku_owner(item["sku"])
            if owner is not None and owner[1] != item["id"]:
                raise conflict("sku", f"Sku '{item['sku']}' is not unique.")


def update_batch(state: SandboxState, items: list[Any], *, inject_partial: bool) -> tuple[list[Record], dict[str, str]]:
    """PUT /catalog/products: validate every item first, then apply all (≤10 items, each with `id`)."""
    if len(items) > PRODUCT_BATCH_LIMIT:
        raise too_many_items(PRODUCT_BATCH_LIMIT)
    checked: list[Record] = []
    for index, raw in enumerate(items):
        body = validate_product(raw, creating=False)
        if not isinstance(body.get("id"), int) or isinstance(body.get("id"), bool):
            raise unprocessable({f"[{index}].id": "Every product in a batch update needs an integer id."})
        get_product(state, body["id"])
        check_unique(state, body, body["id"], pending=checked)
        _check_variant_ids(state, body, body["id"])
        checked.append(body)
    partial: dict[str, str] = {}
    for index, body in enumerate(checked):
        partial.update(update_product(state, body["id"], body, skip_subparts=inject_partial and index == 0))
    return [state.products[b["id"]] for b in checked], partial


def delete_products(state: SandboxState, product_ids: Iterable[int]) -> None:
    for product_id in list(product_ids):
        if state.products.pop(product_id, None) is None:
            continue
        for table in (state.variants, state.options, state.images, state.custom_fields, state.metafields):
            for key in table.keys_where("product_id", product_id):
                del table[key]
        state.channel_assignments.drop_product(product_id)
        for record_key in state.price_records.keys_where("product_id", product_id):
            del state.price_records[record_key]


def render(state: SandboxState, product: Record, include: set[str], fields: set[str] | None = None) -> Record:
    """product_Full, with `include=` sub-resources and `include_fields=` trimming."""
    out = {k: v for k, v in product.items() if fields is None or k in fields or k == "id"}
    pid = product["id"]
    if "variants" in include:
        out["variants"] = [dict(v) for v in state.product_variants(pid)]
    if "images" in include:
        out["images"] = [dict(i) for i in attachments.images_of(state, pid)]
    if "primary_image" in include:
        out["primary_image"] = next((dict(i) for i in attachments.images_of(state, pid) if i["is_thumbnail"]), None)
    if "custom_fields" in include:
        out["custom_fields"] = [
            {k: f[k] for k in ("id", "name", "value")} for f in state.children(state.custom_fields, pid)
        ]
    if "options" in include:
        out["options"] = [options.render_option(o) for o in state.children(state.options, pid)]
    if "channels" in include:
        out["channels"] = state.product_channels(pid)
    return out
