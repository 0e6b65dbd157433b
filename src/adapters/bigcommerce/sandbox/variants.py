"""Variants (SKUs) and the variant options whose value combinations define them.

A product with no options has one base variant carrying the product SKU (`base_variant_id`);
a product with options has no base variant (BigCommerce's Catalog API spec, product variants).
"""

from __future__ import annotations

from typing import Any

from . import options
from .errors import conflict, not_found, too_many_items, unprocessable
from .state import Record, SandboxState
from .validation import (
    VARIANT_FIELDS,
    require_object,
    validate,
)

# Batch PUT /catalog/variants: "Max 50 per request", 413 above (BigCommerce's Catalog API spec, product variants).
VARIANT_BATCH_LIMIT = 50
# 600 SKUs per product (Platform Limits).
VARIANTS_PER_PRODUCT = 600
VARIANT_WRITABLE = frozenset(VARIANT_FIELDS) - {"id", "product_id", "option_values"}


def recalculate(variant: Record, product: Record) -> None:
    # Null variant price/weight inherits the product's (productVariant_Base).
    price = variant["price"] if variant["price"] is not None else product["price"]
    sale = variant["sale_price"] if variant["sale_price"] is not None else product["sale_price"]
    variant["calculated_price"] = sale or price
    variant["calculated_weight"] = variant["weight"] if variant["weight"] is not None else product["weight"]


def _new_variant(state: SandboxState, product: Record, sku: str, option_values: list[Record]) -> Record:
    variant_id = state.next_id("variant")
    variant: Record = {
        "id": variant_id,
        "product_id": product["id"],
        "sku": sku,
        "sku_id": None if not option_values else variant_id,
        "price": None,
        "sale_price": None,
        "retail_price": None,
        "map_price": None,
        "cost_price": None,
        "weight": None,
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "upc": "",
        "gtin": "",
        "mpn": "",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": option_values,
        "calculated_price": 0,
        "calculated_weight": 0,
    }
    state.variants[variant_id] = variant
    return variant


def create_base(state: SandboxState, product: Record) -> None:
    variant = _new_variant(state, product, product["sku"], [])
    product["base_variant_id"] = variant["id"]
    recalculate(variant, product)


def check_nested_option_values(items: list[Record]) -> None:
    for index, item in enumerate(items):
        values = item.get("option_values")
        if not isinstance(values, list) or not values:
            raise unprocessable({f"variants[{index}].option_values": "Variants need option_values."})
        for value in values:
            if not isinstance(value, dict) or not value.get("option_display_name") or not value.get("label"):
                raise unprocessable(
                    {f"variants[{index}].option_values": "Each option value needs option_display_name and label."}
                )


def create_nested(state: SandboxState, product: Record, items: list[Record]) -> None:
    """Variants on product create use `{option_display_name, label}`; options are created to match."""
    by_name: dict[str, Record] = {}
    for item in items:
        values: list[Record] = []
        for ref in item["option_values"]:
            option = by_name.get(ref["option_display_name"])
            if option is None:
                option = options.new_option(
                    state,
                    product["id"],
                    {"display_name": ref["option_display_name"], "type": "rectangles", "option_values": []},
                )
                by_name[option["display_name"]] = option
            value = next((v for v in option["option_values"] if v["label"] == ref["label"]), None)
            if value is None:
                value = options.new_value(state, option, {"label": ref["label"]})
            values.append(options.value_ref(option, value))
        variant = _new_variant(state, product, item["sku"], values)
        _apply(state, variant, item)
        recalculate(variant, product)


def _apply(state: SandboxState, variant: Record, body: Record) -> None:
    variant.update({k: v for k, v in body.items() if k in VARIANT_WRITABLE})
    state.variants.note(variant["id"], variant)  # its SKU may have changed in place


def _resolve_values(state: SandboxState, product_id: int, refs: Any) -> list[Record]:
    """`option_values: [{id, option_id}]` must name existing values of this product's options."""
    if not isinstance(refs, list) or not refs:
        raise unprocessable({"option_values": "A variant needs option_values."})
    resolved = []
    for ref in refs:
        option_id = ref.get("option_id") if isinstance(ref, dict) else None
        option = state.options.get(option_id) if isinstance(option_id, int) else None
        if option is None or option["product_id"] != product_id:
            raise unprocessable({"option_values": f"Option {ref} does not belong to product {product_id}."})
        value = next((v for v in option["option_values"] if v["id"] == ref.get("id")), None)
        if value is None:
            raise unprocessable({"option_values": f"Option value {ref} does not exist."})
        resolved.append(options.value_ref(option, value))
    return resolved


def _product(state: SandboxState, product_id: Any) -> Record:
    product = state.products.get(product_id) if isinstance(product_id, int) else None
    if product is None:
        raise not_found("product")
    return product


def _check_sku(state: SandboxState, sku: str, variant_id: int | None) -> None:
    owner = state.sku_owner(sku)
    if owner is not None and owner[1] != variant_id:
        raise conflict("sku", f"Sku '{sku}' is not unique.")


def create_variant(state: SandboxState, product_id: int, body: Any) -> Record:
    """POST /catalog/products/{id}/variants: needs `sku` and `option_values`."""
    product = _product(state, product_id)
    body = require_object(body)
    validate(body, VARIANT_FIELDS, ("sku", "option_values"))
    values = _resolve_values(state, product_id, body["option_values"])
    _check_sku(state, body["sku"], None)
    if sum(1 for v in state.product_variants(product_id) if v["option_values"]) >= VARIANTS_PER_PRODUCT:
        raise unprocessable({"variants": f"A product can have at most {VARIANTS_PER_PRODUCT} variants."})
    if product["base_variant_id"] is not None:  # the product becomes complex: no base variant any more
        state.variants.pop(product["base_variant_id"], None)
        product["base_variant_id"] = None
    variant = _new_variant(state, product, body["sku"], values)
    _apply(state, variant, body)
    return variant


def update_variant(state: SandboxState, variant_id: int, body: Any, product_id: int | None = None) -> Record:
    variant = state.variants.get(variant_id)
    if variant is None or (product_id is not None and variant["product_id"] != product_id):
        raise not_found("variant")
    body = require_object(body)
    validate(body, VARIANT_FIELDS)
    if body.get("sku"):
        _check_sku(state, body["sku"], variant_id)
    _apply(state, variant, body)
    product = state.products[variant["product_id"]]
    if product["base_variant_id"] == variant_id and "sku" in body:
        product["sku"] = body["sku"]  # the base variant carries the product SKU
        state.products.note(product["id"], product)
    return variant


def delete_variant(state: SandboxState, product_id: int, variant_id: int) -> None:
    variant = state.variants.get(variant_id)
    if variant is None or variant["product_id"] != product_id:
        raise not_found("variant")
    if state.products[product_id]["base_variant_id"] == variant_id:
        raise unprocessable({"variant_id": "The base variant of a product cannot be deleted."})
    del state.variants[variant_id]


def batch_variants(state: SandboxState, items: Any) -> list[Record]:
    """PUT /catalog/variants: update (with `id`) or create (with product_id, sku, option_values)."""
    if not isinstance(items, list):
        raise unprocessable({"body": "The request body must be a JSON array."})
    if len(items) > VARIANT_BATCH_LIMIT:
        raise too_many_items(VARIANT_BATCH_LIMIT)
    for index, item in enumerate(items):
        item = require_object(item, f"[{index}]")
        validate(item, VARIANT_FIELDS, prefix=f"[{index}].")
        if "id" in item:
            if item["id"] not in state.variants:
                raise not_found("variant")
        elif not all(k in item for k in ("product_id", "sku", "option_values")):
            raise unprocessable({f"[{index}]": "Provide id to update, or product_id, sku and option_values."})
    seen: set[str] = set()
    for item in items:  # check every SKU before writing anything
        if item.get("sku"):
            _check_sku(state, item["sku"], item.get("id"))
            if item["sku"].casefold() in seen:
                raise conflict("sku", f"Sku '{item['sku']}' is not unique.")
            seen.add(item["sku"].casefold())
    result = []
    for item in items:
        if "id" in item:
            result.append(update_variant(state, item["id"], item))
        else:
            result.append(create_variant(state, item["product_id"], item))
    return result
