"""`/v3/catalog/...`: products, variants, options, images, custom fields, metafields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import Route

from . import catalog, variants
from .endpoints import Call, Handler, Reply, data, listing, no_content, routes
from .errors import ERROR_TYPE, ApiError
from .query import bool_param, date_param, int_list, int_param, parse_iso, require_filter, str_list
from .routes_product_parts import attachment_routes, option_routes
from .state import Record, SandboxState

# BigCommerce: a bulk DELETE /catalog/products needs one of these filters.
DELETE_FILTERS = ("id:in", "id", "sku", "name")
SORTS = ("id", "name", "sku", "price", "date_modified", "inventory_level", "is_visible", "total_sold")


def _includes(call: Call) -> tuple[set[str], set[str] | None]:
    include = set(str_list(call.query, "include") or []) & catalog.INCLUDES
    fields = str_list(call.query, "include_fields")
    return include, set(fields) if fields else None


def filter_products(state: SandboxState, query: dict[str, str]) -> Sequence[Record]:
    ids = int_list(query, "id:in")
    single_id = int_param(query, "id")
    not_ids = int_list(query, "id:not_in") or []
    skus = {s.casefold() for s in str_list(query, "sku:in") or []}
    sku = query.get("sku")
    name = query.get("name")
    name_like = (query.get("name:like") or "").casefold()
    keyword = (query.get("keyword") or "").casefold()
    now = state.now()
    modified_min = date_param(query, "date_modified:min", now)
    modified_max = date_param(query, "date_modified:max", now)
    channel_ids = int_list(query, "channel_id:in")
    visible = bool_param(query, "is_visible")

    def keep(p: Record) -> bool:
        return (
            (ids is None or p["id"] in ids)
            and (single_id is None or p["id"] == single_id)
            and p["id"] not in not_ids
            # `sku` filters the product/base SKU only; variant SKUs need /catalog/variants (SkuParam).
            and (sku is None or p["sku"].casefold() == sku.casefold())
            and (not skus or p["sku"].casefold() in skus)
            and (name is None or p["name"] == name)
            and name_like in p["name"].casefold()
            and (not keyword or keyword in f"{p['name']} {p['sku']} {p['description']}".casefold())
            and (modified_min is None or parse_iso(p["date_modified"]) >= modified_min)
            and (modified_max is None or parse_iso(p["date_modified"]) <= modified_max)
            and (channel_ids is None or any(c in channel_ids for c in state.product_channels(p["id"])))
            and (visible is None or p["is_visible"] == visible)
            and all(p[f] == query[f] for f in ("type", "availability") if f in query)
        )

    sort = query.get("sort", "id")
    if sort not in SORTS:
        raise ApiError(422, "Invalid sort field.", {"sort": f"sort must be one of {', '.join(SORTS)}."})
    descending = query.get("direction") == "desc"
    candidates = _candidates(state, ids, single_id, sku, skus, name, channel_ids)
    if candidates is None:
        if not (not_ids or name_like or keyword or modified_min or modified_max or visible is not None
                or "type" in query or "availability" in query):
            # No filter: the whole table, already in id order (ids only grow and are never reused), so a page
            # of it costs the page, not the table.
            if sort == "id" and not descending:
                return state.products.rows()
            return sorted(state.products.values(), key=lambda p: (p[sort], p["id"]), reverse=descending)
        candidates = list(state.products.values())
    found = [p for p in candidates if keep(p)]
    return sorted(found, key=lambda p: (p[sort], p["id"]), reverse=descending)


def _candidates(
    state: SandboxState,
    ids: list[int] | None,
    single_id: int | None,
    sku: str | None,
    skus: set[str],
    name: str | None,
    channel_ids: list[int] | None,
) -> list[Record] | None:
    """The products the narrowest indexed filter allows (each still goes through every filter), or None."""
    products = state.products
    if single_id is not None:
        return [products[single_id]] if single_id in products else []
    if ids is not None:
        return [products[i] for i in set(ids) if i in products]
    if sku is not None:
        return products.find("sku", sku.casefold())
    if skus:
        return [p for key in skus for p in products.find("sku", key)]
    if name is not None:
        return products.find("name", name)
    if channel_ids is not None:
        on = set().union(*(state.channel_assignments.products_on(c) for c in channel_ids))
        return [products[i] for i in on if i in products]
    return None


def list_products(call: Call) -> Reply:
    include, fields = _includes(call)
    found = filter_products(call.state, call.query)
    # "When you specify `options` or `modifiers`, results are limited to 10 per page" (IncludeParamGetProducts).
    cap = 10 if {"options", "modifiers"} & set(str_list(call.query, "include") or []) else None
    return listing(call, found, lambda p: catalog.render(call.state, p, include, fields), page_cap=cap)


def create_product(call: Call) -> Reply:
    product = catalog.create_product(call.state, call.body)
    return data(catalog.render(call.state, product, {"variants", "images", "custom_fields"}))


def get_product(call: Call) -> Reply:
    include, fields = _includes(call)
    product = catalog.get_product(call.state, call.arg("product_id"))
    return data(catalog.render(call.state, product, include, fields))


def _multi_status(payload: Any, partial: dict[str, str]) -> Reply:
    # 207: {data, errors: errorMultiStatus{status,title,type,errors}, meta} (BigCommerce's Catalog API spec).
    errors = {
        "status": 207,
        "title": "The request completed, but some parts failed.",
        "type": ERROR_TYPE,
        "errors": partial,
    }
    return Reply(207, {"data": payload, "errors": errors, "meta": {}})


def update_product(call: Call) -> Reply:
    product_id = call.arg("product_id")
    partial = catalog.update_one(call.state, product_id, call.body)
    rendered = catalog.render(call.state, call.state.products[product_id], set())
    return _multi_status(rendered, partial) if partial else data(rendered)


def update_products(call: Call) -> Reply:
    if not isinstance(call.body, list):
        raise ApiError(422, "JSON data is missing or invalid", {"body": "The request body must be a JSON array."})
    inject = call.fault is not None and call.fault.kind == "partial_207"
    updated, partial = catalog.update_batch(call.state, call.body, inject_partial=inject)
    rendered = [catalog.render(call.state, p, set()) for p in updated]
    return _multi_status(rendered, partial) if partial else data(rendered)


def delete_products(call: Call) -> Reply:
    require_filter(call.query, DELETE_FILTERS)
    ids = int_list(call.query, "id:in") or []
    if len(ids) > catalog.PRODUCT_DELETE_LIMIT:
        raise ApiError(413, f"The maximum number of ids per request is {catalog.PRODUCT_DELETE_LIMIT}.")
    found = filter_products(call.state, {k: v for k, v in call.query.items() if k in DELETE_FILTERS})
    catalog.delete_products(call.state, [p["id"] for p in found])
    return no_content()


def delete_product(call: Call) -> Reply:
    catalog.get_product(call.state, call.arg("product_id"))
    catalog.delete_products(call.state, [call.arg("product_id")])
    return no_content()


# -- variants ---------------------------------------------------------------------------------------
def _touch(state: SandboxState, product_id: int) -> None:
    catalog.touch(state, state.products[product_id])


def list_variants(call: Call) -> Reply:
    catalog.get_product(call.state, call.arg("product_id"))
    return listing(call, call.state.product_variants(call.arg("product_id")))


def create_variant(call: Call) -> Reply:
    variant = variants.create_variant(call.state, call.arg("product_id"), call.body)
    _touch(call.state, variant["product_id"])
    return data(variant)


def get_variant(call: Call) -> Reply:
    variant = call.state.variants.get(call.arg("variant_id"))
    if variant is None or variant["product_id"] != call.arg("product_id"):
        raise ApiError(404, "The requested variant was not found.")
    return data(variant)


def update_variant(call: Call) -> Reply:
    variant = variants.update_variant(call.state, call.arg("variant_id"), call.body, call.arg("product_id"))
    _touch(call.state, variant["product_id"])
    return data(variant)


def delete_variant(call: Call) -> Reply:
    variants.delete_variant(call.state, call.arg("product_id"), call.arg("variant_id"))
    _touch(call.state, call.arg("product_id"))
    return no_content()


def batch_variants(call: Call) -> Reply:
    result = variants.batch_variants(call.state, call.body)
    for product_id in {v["product_id"] for v in result}:
        _touch(call.state, product_id)
    return data(result)


def search_variants(call: Call) -> Reply:
    q = call.query
    ids = int_list(q, "id:in")
    single = int_param(q, "id")
    product_ids = int_list(q, "product_id:in")
    variants = call.state.variants
    # Start from the narrowest index the query names, then apply every filter.
    if single is not None:
        candidates = [variants[single]] if single in variants else []
    elif ids is not None:
        candidates = [variants[i] for i in set(ids) if i in variants]
    elif "sku" in q:
        candidates = variants.find("sku", q["sku"].casefold())
    elif product_ids is not None:
        candidates = [v for p in set(product_ids) for v in variants.where("product_id", p)]
    else:
        candidates = list(variants.values())
    found = [
        v
        for v in sorted(candidates, key=lambda v: v["id"])
        if (ids is None or v["id"] in ids)
        and (single is None or v["id"] == single)
        and (product_ids is None or v["product_id"] in product_ids)
        and ("sku" not in q or v["sku"].casefold() == q["sku"].casefold())
        and ("upc" not in q or v["upc"] == q["upc"])
    ]
    return listing(call, found)


def catalog_routes() -> list[Route]:
    products = "/v3/catalog/products"
    one = products + "/{product_id:int}"
    table: list[tuple[str, str, Handler]] = [
        ("GET", products, list_products),
        ("POST", products, create_product),
        ("PUT", products, update_products),
        ("DELETE", products, delete_products),
        ("GET", one, get_product),
        ("PUT", one, update_product),
        ("DELETE", one, delete_product),
        ("GET", one + "/variants", list_variants),
        ("POST", one + "/variants", create_variant),
        ("GET", one + "/variants/{variant_id:int}", get_variant),
        ("PUT", one + "/variants/{variant_id:int}", update_variant),
        ("DELETE", one + "/variants/{variant_id:int}", delete_variant),
        ("GET", "/v3/catalog/variants", search_variants),
        ("PUT", "/v3/catalog/variants", batch_variants),
        *option_routes(),
        *attachment_routes(),
    ]
    return routes(table)
