"""The sandbox's indexes answer exactly what a scan of its tables answers, whatever writes came before.

Hypothesis drives the sandbox's own write path (creates, SKU and name changes through product and variant
updates, deletes, channel assignments, price-list records) and compares every indexed lookup with a linear scan.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.adapters.bigcommerce.sandbox import SandboxConfig, catalog, pricing, variants
from bookbridge.adapters.bigcommerce.sandbox.errors import ApiError
from bookbridge.adapters.bigcommerce.sandbox.routes_catalog import filter_products
from bookbridge.adapters.bigcommerce.sandbox.state import SandboxState

# A few SKUs differing only by letter case, so the case-insensitive uniqueness rule is exercised.
SKUS = st.sampled_from(["A1", "a1", "B2", "b2", "C3", "D4"])
NAMES = st.sampled_from(["One", "Two", "Three", "one"])
operations = st.lists(st.one_of(
    st.tuples(st.just("create"), NAMES, SKUS),
    st.tuples(st.just("rename"), st.integers(1, 8), NAMES),
    st.tuples(st.just("resku"), st.integers(1, 8), SKUS),
    st.tuples(st.just("variant_sku"), st.integers(1, 8), SKUS),
    st.tuples(st.just("delete"), st.integers(1, 8), st.none()),
    st.tuples(st.just("assign"), st.integers(1, 8), st.integers(1, 2)),
    st.tuples(st.just("price"), st.integers(1, 8), st.sampled_from(["USD", "EUR"])),
), max_size=30)


def apply(state: SandboxState, operation: tuple[str, Any, Any], list_id: int) -> None:
    kind, target, value = operation
    try:
        if kind == "create":
            catalog.create_product(state, {"name": target, "type": "physical", "weight": 1, "price": 1, "sku": value})
        elif kind == "rename":
            catalog.update_one(state, target, {"name": value})
        elif kind == "resku":
            catalog.update_one(state, target, {"sku": value})
        elif kind == "variant_sku":
            product = catalog.get_product(state, target)
            variants.update_variant(state, product["base_variant_id"], {"sku": value}, target)
            catalog.touch(state, product)
        elif kind == "delete":
            catalog.delete_products(state, [target])
        elif kind == "assign":
            catalog.get_product(state, target)
            state.channel_assignments.add((target, value))
        elif kind == "price":
            variant_id = catalog.get_product(state, target)["base_variant_id"]
            pricing.upsert_records(state, list_id, [{"variant_id": variant_id, "currency": value, "price": 3}])
    except ApiError:
        pass  # refused (a duplicate SKU or name, a missing product): the store is unchanged


@given(operations)
def test_indexed_lookups_equal_scans(ops: list[tuple[str, Any, Any]]) -> None:
    state = SandboxState(SandboxConfig())
    list_id = pricing.create_list(state, {"name": "USD", "active": True})["id"]
    for operation in ops:
        apply(state, operation, list_id)
    products, all_variants = list(state.products.values()), list(state.variants.values())
    for sku in ["A1", "a1", "B2", "C3", "D4", "nope"]:
        key = sku.casefold()
        variant = next((v for v in all_variants if v["sku"].casefold() == key), None)
        product = next((p for p in products if p["sku"] and p["sku"].casefold() == key), None)
        expected = ((variant["product_id"], variant["id"]) if variant else
                    (product["id"], product["base_variant_id"]) if product else None)
        assert state.sku_owner(sku) == expected
        assert state.find_variant_by_sku(sku) is variant
        assert [p["id"] for p in filter_products(state, {"sku": sku})] == [
            p["id"] for p in products if p["sku"].casefold() == key]
    for name in ["One", "Two", "Three", "one"]:
        assert state.find_by_name(name) is next((p for p in products if p["name"] == name), None)
        url = catalog.slug_url(name)
        assert catalog.url_taken(state, url, None) == any(p["custom_url"]["url"] == url for p in products)
    for product_id in range(1, 10):
        assert state.product_variants(product_id) == [v for v in all_variants if v["product_id"] == product_id]
        assert state.product_channels(product_id) == sorted(
            c for p, c in state.channel_assignments if p == product_id)
        assert [r["variant_id"] for r in pricing.query_records(state, list_id, {"product_id:in": str(product_id)})] \
            == sorted(r["variant_id"] for r in state.price_records.values() if r["product_id"] == product_id)
    assert list(filter_products(state, {})) == products
    assert [p["id"] for p in filter_products(state, {"channel_id:in": "2"})] == sorted(
        p for p, c in state.channel_assignments if c == 2)
    assert all(r["product_id"] in state.products for r in state.price_records.values())
