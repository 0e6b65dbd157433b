"""Field rules from the official specs, checked the way BigCommerce answers: 422 with `errors{field: msg}`.

Limits are transcribed from BigCommerce's specs: products_catalog.v3.yml (`product_Base`),
product-variants_catalog.v3.yml (`productVariant_Base`), price_lists.v3.yml and webhooks.v3.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .errors import ApiError, missing_required, unprocessable

Kind = Literal["string", "number", "integer", "boolean", "array", "object", "datetime"]
INT32 = 2_147_483_647
MAX_DIMENSION = 9_999_999_999  # weight/width/height/depth: 0–9999999999


@dataclass(frozen=True)
class Rule:
    kind: Kind
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    nullable: bool = False


def text(max_length: int, min_length: int = 0, nullable: bool = False) -> Rule:
    return Rule("string", min_length=min_length, max_length=max_length, nullable=nullable)


def amount(nullable: bool = False, maximum: float | None = None) -> Rule:
    return Rule("number", minimum=0, maximum=maximum, nullable=nullable)


def count(maximum: int = INT32, nullable: bool = False) -> Rule:
    return Rule("integer", minimum=0, maximum=maximum, nullable=nullable)


FLAG = Rule("boolean")

PRODUCT_FIELDS: dict[str, Rule] = {
    "name": text(250, min_length=1),  # "A unique product name", 1–250 (Platform Limits' 255 is a CONFLICT)
    "type": Rule("string", enum=("physical", "digital")),
    "sku": text(255),
    "description": Rule("string"),
    "weight": amount(maximum=MAX_DIMENSION),
    "width": amount(maximum=MAX_DIMENSION),
    "depth": amount(maximum=MAX_DIMENSION),
    "height": amount(maximum=MAX_DIMENSION),
    "price": amount(),
    "cost_price": amount(),
    "retail_price": amount(),
    "sale_price": amount(),
    "map_price": Rule("number"),
    "tax_class_id": Rule("number", minimum=0, maximum=255),
    "product_tax_code": text(255),
    "categories": Rule("array", max_length=1000),  # ≤1000 categories per product (Platform Limits)
    "brand_id": count(maximum=1_000_000_000),
    "brand_name": Rule("string"),
    "inventory_level": count(),
    "inventory_warning_level": count(),
    "inventory_tracking": Rule("string", enum=("none", "product", "variant")),
    "fixed_cost_shipping_price": amount(),
    "is_free_shipping": FLAG,
    "is_visible": FLAG,
    "is_featured": FLAG,
    "related_products": Rule("array", max_length=50),
    "warranty": text(65535),
    "bin_picking_number": text(255),
    "layout_file": text(500),
    "upc": text(14),
    "gtin": text(14),
    "mpn": Rule("string"),
    "search_keywords": text(65535),
    "availability": Rule("string", enum=("available", "disabled", "preorder")),
    "availability_description": text(255),
    "gift_wrapping_options_type": Rule("string", enum=("any", "none", "list")),
    "gift_wrapping_options_list": Rule("array"),
    "sort_order": Rule("integer", minimum=-INT32 - 1, maximum=INT32),
    "condition": Rule("string", enum=("New", "Used", "Refurbished")),
    "is_condition_shown": FLAG,
    "order_quantity_minimum": count(maximum=1_000_000_000),
    "order_quantity_maximum": count(maximum=1_000_000_000),
    "page_title": text(255),
    "meta_keywords": Rule("array"),
    "meta_description": text(65535),
    "view_count": count(maximum=1_000_000_000),
    "preorder_release_date": Rule("datetime", nullable=True),
    "preorder_message": text(255),
    "is_preorder_only": FLAG,
    "is_price_hidden": FLAG,
    "price_hidden_label": text(200),
    "custom_url": Rule("object"),
    "open_graph_type": Rule(
        "string", enum=("product", "album", "book", "drink", "food", "game", "movie", "song", "tv_show")
    ),
    "open_graph_title": Rule("string"),
    "open_graph_description": Rule("string"),
    "open_graph_use_meta_description": FLAG,
    "open_graph_use_product_name": FLAG,
    "open_graph_use_image": FLAG,
    "date_last_imported": Rule("string"),
    "custom_fields": Rule("array", max_length=200),  # 200 custom fields per product
    "bulk_pricing_rules": Rule("array", max_length=50),
    "images": Rule("array", max_length=1000),
    "videos": Rule("array"),
    "variants": Rule("array", max_length=600),  # 600 SKUs per product
}
# Required on POST /catalog/products (BigCommerce's Catalog API spec, products_catalog.v3.yml).
PRODUCT_REQUIRED = ("name", "type", "weight", "price")
# Read-only fields are ignored on write; `channels` is not accepted at all (docs PR #690).
PRODUCT_READ_ONLY = frozenset(
    {
        "id",
        "date_created",
        "date_modified",
        "calculated_price",
        "base_variant_id",
        "reviews_rating_sum",
        "reviews_count",
        "total_sold",
        "option_set_id",
        "option_set_display",
    }
)

VARIANT_FIELDS: dict[str, Rule] = {
    "sku": text(255, min_length=1),
    "price": amount(nullable=True),
    "sale_price": amount(nullable=True),
    "retail_price": amount(nullable=True),
    "cost_price": amount(nullable=True),
    "map_price": Rule("number", nullable=True),
    "weight": amount(nullable=True, maximum=MAX_DIMENSION),
    "width": amount(nullable=True, maximum=MAX_DIMENSION),
    "height": amount(nullable=True, maximum=MAX_DIMENSION),
    "depth": amount(nullable=True, maximum=MAX_DIMENSION),
    "is_free_shipping": FLAG,
    "fixed_cost_shipping_price": amount(nullable=True),
    "purchasing_disabled": FLAG,
    "purchasing_disabled_message": text(255),
    "image_url": Rule("string"),
    "upc": text(14, nullable=True),
    "gtin": text(14, nullable=True),
    "mpn": Rule("string", nullable=True),
    "inventory_level": count(nullable=True),
    "inventory_warning_level": count(nullable=True),
    "bin_picking_number": text(255, nullable=True),
    "option_values": Rule("array"),
    "product_id": Rule("integer"),
    "id": Rule("integer"),
}

# Custom fields: name and value 1–250 (BigCommerce's productCustomField_Base; its Platform Limits page says 255).
CUSTOM_FIELD_FIELDS: dict[str, Rule] = {"name": text(250, min_length=1), "value": text(250, min_length=1)}
CUSTOM_URL_FIELDS: dict[str, Rule] = {
    "url": text(255, min_length=1),
    "is_customized": FLAG,
    "create_redirect": FLAG,
}
IMAGE_FIELDS: dict[str, Rule] = {
    "image_url": text(255),  # "Any publicly available URL", ≤255
    "is_thumbnail": FLAG,
    "sort_order": Rule("integer", minimum=-INT32 - 1, maximum=INT32),
    "description": Rule("string"),
}
METAFIELD_FIELDS: dict[str, Rule] = {
    "permission_set": Rule("string", enum=("app_only", "read", "write", "read_and_sf_access", "write_and_sf_access")),
    "namespace": text(64, min_length=1),
    "key": text(64, min_length=1),
    "value": text(65535, min_length=1),
    "description": text(255),
}
OPTION_FIELDS: dict[str, Rule] = {
    "display_name": text(255, min_length=1),  # option name ≤255
    "type": Rule(
        "string",
        enum=(
            "radio_buttons",
            "rectangles",
            "dropdown",
            "product_list",
            "product_list_with_images",
            "swatch",
        ),
    ),
    "option_values": Rule("array", max_length=250),  # 250 values per option
    "sort_order": Rule("integer"),
}
OPTION_VALUE_FIELDS: dict[str, Rule] = {
    "label": text(255, min_length=1),
    "sort_order": Rule("integer"),
    "is_default": FLAG,
    "value_data": Rule("object", nullable=True),
}
PRICE_RECORD_FIELDS: dict[str, Rule] = {
    "variant_id": Rule("integer"),
    "sku": Rule("string"),
    "currency": text(3, min_length=3),
    "price": Rule("number"),
    "sale_price": amount(),
    "retail_price": amount(),
    "map_price": amount(),
    "bulk_pricing_tiers": Rule("array"),
}
PRICE_LIST_FIELDS: dict[str, Rule] = {"name": text(255, min_length=1), "active": FLAG}
HOOK_FIELDS: dict[str, Rule] = {
    "scope": Rule("string"),
    "destination": Rule("string"),
    "is_active": FLAG,
    "headers": Rule("object", nullable=True),
    "events_history_enabled": FLAG,
}


def check_type(value: Any, rule: Rule) -> str | None:
    """Return an error message, or None if `value` satisfies `rule`."""
    if value is None:
        return None if rule.nullable else "must not be null"
    kind = rule.kind
    if kind in ("string", "datetime"):
        if not isinstance(value, str):
            return "must be a string"
        if kind == "datetime" and not _is_datetime(value):
            return "must be an ISO 8601 date-time"
        if rule.min_length is not None and len(value) < rule.min_length:
            return f"must be at least {rule.min_length} characters"
        if rule.max_length is not None and len(value) > rule.max_length:
            return f"must be at most {rule.max_length} characters"
        if rule.enum is not None and value not in rule.enum:
            return f"must be one of: {', '.join(rule.enum)}"
        return None
    if kind in ("number", "integer"):
        # JSON true/false are not numbers, even though Python's bool is an int.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a{'n integer' if kind == 'integer' else ' number'}"
        if kind == "integer" and not isinstance(value, int):
            return "must be an integer"
        if rule.minimum is not None and value < rule.minimum:
            return f"must be at least {rule.minimum:g}"
        if rule.maximum is not None and value > rule.maximum:
            return f"must be at most {rule.maximum:g}"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be a boolean"
    if kind == "array":
        if not isinstance(value, list):
            return "must be an array"
        if rule.max_length is not None and len(value) > rule.max_length:
            return f"must have at most {rule.max_length} items"
        return None
    return None if isinstance(value, dict) else "must be an object"


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def field_errors(body: Mapping[str, Any], rules: Mapping[str, Rule], prefix: str = "") -> dict[str, str]:
    """Type and limit errors for the known fields of `body`; unknown fields are ignored."""
    errors: dict[str, str] = {}
    for name, value in body.items():
        rule = rules.get(name)
        if rule is None:
            continue
        problem = check_type(value, rule)
        if problem:
            errors[f"{prefix}{name}"] = f"{name} {problem}"
    return errors


def require_object(body: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise unprocessable({what: "The request body must be a JSON object."})
    return body


def require_array(body: Any, what: str = "body") -> list[Any]:
    if not isinstance(body, list):
        raise unprocessable({what: "The request body must be a JSON array."})
    return body


def validate(
    body: Mapping[str, Any], rules: Mapping[str, Rule], required: tuple[str, ...] = (), prefix: str = ""
) -> None:
    """Raise 422: first for missing required fields, then for bad types or limits."""
    missing = {f"{prefix}{name}": f"Please provide a {name}." for name in required if body.get(name) is None}
    if missing:
        raise missing_required(missing)
    errors = field_errors(body, rules, prefix)
    if errors:
        raise unprocessable(errors)


def reject_unaccepted(body: Mapping[str, Any], fields: frozenset[str]) -> None:
    present = sorted(fields & body.keys())
    if present:
        raise ApiError(
            422,
            "JSON data is missing or invalid",
            {name: f"{name} is not accepted on this request." for name in present},
        )
