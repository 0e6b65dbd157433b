"""Reading the store's products: by SKU before any create (BigCommerce has no idempotency keys), back by id when
the ids kept from the last run are unknown, and whole (`read_back`) or by SKU (`find_by_skus`) in listing terms."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bookbridge.adapters.bigcommerce.client import MAX_PAGE_LIMIT, BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, store_error
from bookbridge.adapters.bigcommerce.images import remote_images
from bookbridge.adapters.bigcommerce.links import remote_links
from bookbridge.adapters.bigcommerce.readback import listing_fields
from bookbridge.adapters.bigcommerce.variants import format_value
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.ports import StoredProduct

INCLUDE = "variants,images,custom_fields,channels"
# SKUs per `sku:in` look-up: one page each (at most 250 products a page), and a query string of a few KB at most
# (a SKU may be 255 characters). BigCommerce documents no limit on an `:in` list's length.
SKU_LOOKUP_CHUNK = 50


def remote_from_product(product: Mapping[str, Any], listing: StoreListing | None) -> dict[str, Any]:
    """Store-side ids from a product read back with `include=variants,images,custom_fields,channels`."""
    images = remote_images(product, listing)
    return {
        "variants": {str(v["sku"]).casefold(): v["id"] for v in product.get("variants") or [] if v.get("sku")},
        "images": images,
        "custom_fields": {f["name"]: [f["id"], f["value"]] for f in product.get("custom_fields") or []},
        "option_values": {str(v["sku"]).casefold(): format_value(v) for v in product.get("variants") or []
                          if v.get("sku") and format_value(v)},
        "channels": sorted(product.get("channels") or []),
        "base_variant_id": product.get("base_variant_id"),
        **remote_links(product),
    }


def read_back(client: BigCommerceClient) -> Iterator[StoredProduct]:
    """Every product, in listing terms (`include=channels` returns the assignments in the same call)."""
    for product in client.iter_v3("catalog/products", params={"include": INCLUDE}, limit=250):
        yield StoredProduct(product_id=product["id"], sku=product.get("sku", ""), name=product.get("name", ""),
                            is_visible=bool(product.get("is_visible")), fields=listing_fields(product))


def product_count(client: BigCommerceClient) -> int | None:
    """How many products the store holds: one light read (`limit=1`). None when the answer does not say."""
    response = client.request("GET", "catalog/products", params={"limit": 1, "include_fields": "sku"})
    total = (response.meta.get("pagination") or {}).get("total")
    if not isinstance(total, int) or (total == 0 and response.data):
        return None
    return total


def find_by_skus(client: BigCommerceClient, skus: Sequence[str]) -> list[StoredProduct]:
    """`GET /catalog/products?sku:in=…` in chunks; a SKU holding a comma (the list separator) is looked up on
    its own with `sku=`. Fields in listing terms, plus the product's identifiers (gtin, upc, mpn).

    When that takes more than one request, the store's size is read first (one light request): an empty store
    holds none of them, and a store of fewer pages than there are chunks is read whole instead."""
    wanted = list(dict.fromkeys(s for s in skus if s))
    plain = [s for s in wanted if "," not in s]
    queries = [{"sku:in": ",".join(plain[i:i + SKU_LOOKUP_CHUNK])} for i in range(0, len(plain), SKU_LOOKUP_CHUNK)]
    queries += [{"sku": s} for s in wanted if "," in s]
    if len(queries) > 1 and (total := product_count(client)) is not None:
        if total == 0:
            return []
        if -(-total // MAX_PAGE_LIMIT) < len(queries):
            queries = [{}]  # every product, page by page, matched below
    keys = {s.casefold() for s in wanted}
    found: list[StoredProduct] = []
    for query in queries:
        for product in client.iter_v3("catalog/products", params={**query, "include": INCLUDE}, limit=250):
            if str(product.get("sku", "")).casefold() not in keys:
                continue
            ids = {k: product[k] for k in ("gtin", "upc", "mpn") if product.get(k)}
            fields = {**listing_fields(product), **ids}
            found.append(StoredProduct(product_id=product["id"], sku=product.get("sku", ""),
                                       name=product.get("name", ""), is_visible=bool(product.get("is_visible")),
                                       fields=fields))
    return found


def resolve_unknown(client: BigCommerceClient, works: list[ActionWork], *,
                    recreate: Callable[[ActionWork], None]) -> None:
    """Find existing products by SKU (no idempotency keys in BigCommerce), and read back unknown ids; a product
    deleted by hand since is made again (`recreate`)."""
    unknown = [w for w in works if w.ok and w.product_id is None and w.listing is not None and not w.unverified]
    if unknown:
        skus = [w.listing.sku for w in unknown if w.listing is not None]
        try:
            found = {str(p["sku"]).casefold(): p for p in client.iter_v3(
                "catalog/products", params={"sku:in": ",".join(skus), "include": INCLUDE})}
        except BigCommerceError as exc:
            for w in unknown:
                w.errors.append(store_error(exc, context=f"looking up SKU {w.listing.sku if w.listing else ''}"))
            return
        for w in unknown:
            assert w.listing is not None
            product = found.get(w.listing.sku.casefold())
            if product is not None:
                w.product_id = product["id"]
                w.remote = remote_from_product(product, w.listing)
                w.sections = tuple(Section)  # converge everything: we don't know what reached the store
                w.before = None
    stale = [w for w in works if w.ok and w.product_id is not None and w.listing is not None and not w.remote]
    if stale:
        read_remote(client, stale, recreate=recreate)


def read_remote(client: BigCommerceClient, works: list[ActionWork], *,
                recreate: Callable[[ActionWork], None]) -> None:
    ids = ",".join(str(w.product_id) for w in works)
    try:
        products = {p["id"]: p for p in client.iter_v3(
            "catalog/products", params={"id:in": ids, "include": INCLUDE})}
    except BigCommerceError as exc:
        for w in works:
            w.errors.append(store_error(exc, context="reading the product back"))
        return
    for w in works:
        product = products.get(w.product_id)
        if product is None:  # deleted by hand in BigCommerce: create it again
            w.product_id = None
            if w.listing is not None and w.listing.listed:
                recreate(w)
            continue
        w.remote = remote_from_product(product, w.listing)
