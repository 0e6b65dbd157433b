"""Price lists, their per-variant-per-currency records, and their channel/customer-group assignments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import conflict, not_found, too_many_items, unprocessable
from .query import int_list, int_param, require_filter, str_list
from .state import Record, SandboxState
from .validation import PRICE_LIST_FIELDS, PRICE_RECORD_FIELDS, require_array, require_object, validate

# PUT /pricelists/{id}/records upserts at most 1000 records (BigCommerce's Price Lists API spec).
RECORD_BATCH_LIMIT = 1000
# POST /pricelists/assignments takes at most 25 assignments (same spec).
ASSIGNMENT_BATCH_LIMIT = 25


def get_list(state: SandboxState, list_id: int) -> Record:
    price_list = state.price_lists.get(list_id)
    if price_list is None:
        raise not_found("price list")
    return price_list


def _check_name(state: SandboxState, name: str, list_id: int | None) -> None:
    # BigCommerce: a price list is {name (unique, required), active}.
    if any(p["name"] == name and p["id"] != list_id for p in state.price_lists.values()):
        raise conflict("name", f"The price list name '{name}' is already in use.")


def create_list(state: SandboxState, body: Any) -> Record:
    body = require_object(body)
    validate(body, PRICE_LIST_FIELDS, ("name",))
    _check_name(state, body["name"], None)
    stamp = state.now_iso()
    list_id = state.next_id("price_list")
    record = {
        "id": list_id,
        "name": body["name"],
        "active": body.get("active", True),
        "date_created": stamp,
        "date_modified": stamp,
    }
    state.price_lists[list_id] = record
    return record


def update_list(state: SandboxState, list_id: int, body: Any) -> Record:
    record = get_list(state, list_id)
    body = require_object(body)
    validate(body, PRICE_LIST_FIELDS, ("name",))  # PUT /pricelists/{id} requires name too (spec)
    _check_name(state, body["name"], list_id)
    record.update({k: body[k] for k in ("name", "active") if k in body})
    record["date_modified"] = state.now_iso()
    return record


def delete_list(state: SandboxState, list_id: int) -> None:
    get_list(state, list_id)
    del state.price_lists[list_id]
    for record_key in state.price_records.keys_where("price_list_id", list_id):
        del state.price_records[record_key]
    for assignment_id in [k for k, a in state.price_list_assignments.items() if a["price_list_id"] == list_id]:
        del state.price_list_assignments[assignment_id]


def upsert_records(state: SandboxState, list_id: int, body: Any) -> None:
    """PUT /pricelists/{id}/records: batch upsert keyed by variant (id or SKU) and currency."""
    get_list(state, list_id)
    items = require_array(body)
    if len(items) > RECORD_BATCH_LIMIT:
        raise too_many_items(RECORD_BATCH_LIMIT)
    resolved: list[tuple[Record, Record]] = []
    for index, raw in enumerate(items):
        item = require_object(raw, f"[{index}]")
        validate(item, PRICE_RECORD_FIELDS, ("currency", "price"), prefix=f"[{index}].")
        variant = state.variants.get(item["variant_id"]) if "variant_id" in item else None
        if variant is None and item.get("sku"):
            variant = state.find_variant_by_sku(item["sku"])
        if variant is None:
            raise unprocessable({f"[{index}].variant_id": "Provide the variant_id or sku of an existing variant."})
        resolved.append((item, variant))
    stamp = state.now_iso()
    for item, variant in resolved:
        currency = item["currency"].lower()  # records come back with lower-case ISO-4217 codes
        key = (list_id, variant["id"], currency)
        record = state.price_records.get(key) or {"date_created": stamp}
        price = item["price"]
        sale = item.get("sale_price")
        record.update(
            price_list_id=list_id,
            variant_id=variant["id"],
            product_id=variant["product_id"],
            sku=variant["sku"],
            currency=currency,
            price=price,
            sale_price=sale,
            retail_price=item.get("retail_price"),
            map_price=item.get("map_price"),
            bulk_pricing_tiers=item.get("bulk_pricing_tiers", []),
            calculated_price=sale if sale else price,
            date_modified=stamp,
        )
        state.price_records[key] = record


def query_records(state: SandboxState, list_id: int, query: Mapping[str, str]) -> list[Record]:
    get_list(state, list_id)
    variant_ids = int_list(query, "variant_id:in")
    product_ids = int_list(query, "product_id:in")
    skus = {s.casefold() for s in str_list(query, "sku:in") or []} | (
        {query["sku"].casefold()} if query.get("sku") else set()
    )
    currencies = {c.lower() for c in str_list(query, "currency:in") or []} | (
        {query["currency"].lower()} if query.get("currency") else set()
    )
    # Start from the narrowest index the query names, then apply every filter.
    table = state.price_records
    if variant_ids is not None:
        candidates = [r for v in set(variant_ids) for r in table.where("variant_id", v)]
    elif product_ids is not None:
        candidates = [r for p in set(product_ids) for r in table.where("product_id", p)]
    elif skus:
        candidates = [r for s in skus for r in table.find("sku", s)]
    else:
        candidates = table.where("price_list_id", list_id)
    return sorted(
        (
            r
            for r in candidates
            if r["price_list_id"] == list_id
            and (variant_ids is None or r["variant_id"] in variant_ids)
            and (product_ids is None or r["product_id"] in product_ids)
            and (not skus or r["sku"].casefold() in skus)
            and (not currencies or r["currency"] in currencies)
        ),
        key=lambda r: (r["variant_id"], r["currency"]),
    )


def delete_records(state: SandboxState, list_id: int, query: Mapping[str, str]) -> None:
    for record in query_records(state, list_id, query):
        del state.price_records[(list_id, record["variant_id"], record["currency"])]


# -- assignments ----------------------------------------------------------------------------------
def check_assignment(state: SandboxState, item: Record, index: int) -> None:
    for name in ("price_list_id", "customer_group_id", "channel_id"):
        if name in item and (not isinstance(item[name], int) or isinstance(item[name], bool)):
            raise unprocessable({f"[{index}].{name}": f"{name} must be an integer."})
    if item.get("price_list_id") not in state.price_lists:
        raise unprocessable({f"[{index}].price_list_id": "The price list does not exist."})
    if "channel_id" in item and item["channel_id"] not in state.channels:
        raise unprocessable({f"[{index}].channel_id": "The channel does not exist."})


def create_assignments(state: SandboxState, body: Any) -> list[Record]:
    items = require_array(body)
    if len(items) > ASSIGNMENT_BATCH_LIMIT:
        raise too_many_items(ASSIGNMENT_BATCH_LIMIT)
    for index, item in enumerate(items):
        check_assignment(state, require_object(item, f"[{index}]"), index)
    return [
        assign(state, item["price_list_id"], item.get("channel_id"), item.get("customer_group_id")) for item in items
    ]


def assign(state: SandboxState, list_id: int, channel_id: int | None, group_id: int | None) -> Record:
    # Only one price list applies per channel + customer group: a new assignment replaces the old one.
    for key in [
        k
        for k, a in state.price_list_assignments.items()
        if a.get("channel_id") == channel_id and a.get("customer_group_id") == group_id
    ]:
        del state.price_list_assignments[key]
    assignment_id = state.next_id("price_list_assignment")
    record: Record = {"id": assignment_id, "price_list_id": list_id}
    if channel_id is not None:
        record["channel_id"] = channel_id
    if group_id is not None:
        record["customer_group_id"] = group_id
    state.price_list_assignments[assignment_id] = record
    return record


def query_assignments(state: SandboxState, query: Mapping[str, str]) -> list[Record]:
    def matches(a: Record, name: str) -> bool:
        single = int_param(query, name)
        many = int_list(query, f"{name}:in")
        return (single is None or a.get(name) == single) and (many is None or a.get(name) in many)

    return [
        a
        for _, a in sorted(state.price_list_assignments.items())
        if all(matches(a, n) for n in ("id", "price_list_id", "channel_id", "customer_group_id"))
    ]


def delete_assignments(state: SandboxState, query: Mapping[str, str]) -> None:
    require_filter(
        query,
        (
            "id",
            "price_list_id",
            "channel_id",
            "customer_group_id",
            "id:in",
            "price_list_id:in",
            "channel_id:in",
            "customer_group_id:in",
        ),
    )
    for record in query_assignments(state, query):
        del state.price_list_assignments[record["id"]]
